"""Hardware settings: the value, the device checks, and the settings panel driven through Qt."""

from __future__ import annotations

import os
import pty
from datetime import datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.devices.display.pole import FakeCustomerDisplay, PoleDisplay
from desktop.devices.errors import DeviceConfigError, DeviceError
from desktop.devices.printer.layout import ReceiptCode, RupeeMode
from desktop.devices.printer.transports import Backend, PrinterSettings
from desktop.devices.scanner.camera import Engine
from desktop.devices.scanner.wedge import WedgeSettings
from desktop.devices.settings import (
    DisplayKind,
    DisplaySettings,
    HardwareSettings,
    ScannerKind,
    ScannerSettings,
    check_display,
    check_drawer,
    check_printer,
    make_display,
)
from desktop.ui.hardware_settings import HardwareSettingsWidget

NOW = datetime(2026, 11, 23, 15, 0)


# ----------------------------------------------------------------- checks
def test_the_printer_check_prints_a_test_page_now(tmp_path: Path) -> None:
    node = tmp_path / "lp0"
    settings = PrinterSettings(backend=Backend.FILE, device_path=str(node), columns=32)
    assert check_printer(settings, NOW) == f"Test page sent to file {node}, 32 columns, font A."
    assert b"TEST PAGE" in node.read_bytes()
    assert b"12345678901234567890123456789012\n" in node.read_bytes()


def test_a_failing_printer_check_says_why_instead_of_raising(tmp_path: Path) -> None:
    settings = PrinterSettings(backend=Backend.FILE, device_path=str(tmp_path / "no" / "lp0"))
    assert check_printer(settings, NOW).startswith("Test page failed: the receipt printer did not")
    assert check_drawer(settings).startswith("Drawer did not open:")


def test_the_drawer_check_kicks_the_configured_pin(tmp_path: Path) -> None:
    node = tmp_path / "lp0"
    settings = PrinterSettings(backend=Backend.FILE, device_path=str(node), drawer_pin=5)
    assert check_drawer(settings) == "Drawer kick sent on pin 5."
    assert node.read_bytes() == b"\x1b@\x1bp\x0122"


def test_the_display_check_shows_a_test_line() -> None:
    fake = FakeCustomerDisplay()
    settings = DisplaySettings(DisplayKind.POLE, "loop://")
    assert check_display(settings, fake) == "Customer display shows a test line."
    assert fake.shown[0].upper == "Test item     123.45"
    assert check_display(settings) == "Customer display shows a test line."
    assert check_display(DisplaySettings()) == "No customer display is set up."
    assert "second screen" in check_display(DisplaySettings(DisplayKind.WINDOW))


def test_a_failing_display_check_says_why() -> None:
    settings = DisplaySettings(DisplayKind.POLE, "/dev/ttyNOPE3")
    assert check_display(settings).startswith("Customer display failed:")


def test_make_display_builds_a_pole_display_only_for_a_pole() -> None:
    assert isinstance(make_display(DisplaySettings(DisplayKind.POLE, "COM5")), PoleDisplay)
    assert make_display(DisplaySettings(DisplayKind.WINDOW)) is None


def test_settings_check_their_parts() -> None:
    with pytest.raises(DeviceConfigError, match="serial scanner needs a port"):
        ScannerSettings(kind=ScannerKind.SERIAL)
    with pytest.raises(DeviceConfigError, match="pole display needs a port"):
        DisplaySettings(DisplayKind.POLE)
    assert HardwareSettings().printer.backend is Backend.FAKE


# ----------------------------------------------------------------- the panel
class Calls:
    def __init__(self) -> None:
        self.printed: list[tuple[PrinterSettings, datetime]] = []
        self.kicked: list[PrinterSettings] = []
        self.displayed: list[DisplaySettings] = []

    def printer(self, settings: PrinterSettings, when: datetime) -> str:
        self.printed.append((settings, when))
        return "printed"

    def drawer(self, settings: PrinterSettings) -> str:
        self.kicked.append(settings)
        return "kicked"

    def display(self, settings: DisplaySettings) -> str:
        self.displayed.append(settings)
        return "shown"


def panel(qtbot: QtBot, settings: HardwareSettings, calls: Calls) -> HardwareSettingsWidget:
    widget = HardwareSettingsWidget(
        settings,
        now=lambda: NOW,
        printer_check=calls.printer,
        drawer_check=calls.drawer,
        display_check=calls.display,
    )
    qtbot.addWidget(widget)
    return widget


STARTING = HardwareSettings(
    PrinterSettings(
        backend=Backend.NETWORK,
        host="10.0.0.5",
        columns=32,
        rupee=RupeeMode.GLYPH,
        receipt_code=ReceiptCode.BARCODE,
        drawer_pin=5,
    ),
    ScannerSettings(kind=ScannerKind.WEDGE, wedge=WedgeSettings(max_gap_ms=60, prefix="\x02")),
    DisplaySettings(DisplayKind.POLE, "/dev/ttyUSB1"),
)


@pytest.mark.qt
def test_the_panel_shows_the_settings_it_was_given_and_saves_them_unchanged(
    qtbot: QtBot,
) -> None:
    widget = panel(qtbot, STARTING, Calls())
    assert widget.prefix.text() == "\\x02"
    assert widget.host.isEnabled()
    assert not widget.device_path.isEnabled()
    assert not widget.scanner_port.isEnabled()
    with qtbot.waitSignal(widget.settings_saved) as saved:
        widget.save_button.click()
    assert saved.args == [STARTING]
    assert widget.status.text() == "Hardware settings saved."


@pytest.mark.qt
def test_switching_to_a_usb_printer_and_a_serial_scanner_saves_the_new_choice(
    qtbot: QtBot,
) -> None:
    widget = panel(qtbot, HardwareSettings(), Calls())
    widget.backend.setCurrentIndex(widget.backend.findData(Backend.USB))
    assert widget.usb_vendor.isEnabled()
    widget.usb_vendor.setText("0416")
    widget.usb_product.setText("5011")
    widget.scanner_kind.setCurrentIndex(widget.scanner_kind.findData(ScannerKind.SERIAL))
    widget.scanner_port.setText("/dev/ttyACM0")
    widget.engine.setCurrentIndex(widget.engine.findData(Engine.PYZBAR))
    widget.display_kind.setCurrentIndex(widget.display_kind.findData(DisplayKind.WINDOW))
    settings = widget.current_settings()
    assert (settings.printer.usb_vendor_id, settings.printer.usb_product_id) == (0x416, 0x5011)
    assert settings.scanner.serial_port == "/dev/ttyACM0"
    assert settings.scanner.camera_engine is Engine.PYZBAR
    assert settings.display.kind is DisplayKind.WINDOW


@pytest.mark.qt
def test_a_bad_value_is_explained_and_nothing_is_saved(qtbot: QtBot) -> None:
    widget = panel(qtbot, STARTING, Calls())
    widget.host.setText("")
    with qtbot.assertNotEmitted(widget.settings_saved):
        widget.save_button.click()
    assert widget.status.text() == "Not saved: a network printer needs host to be set"


@pytest.mark.qt
def test_bad_hex_ids_and_bad_escapes_are_explained(qtbot: QtBot) -> None:
    widget = panel(qtbot, HardwareSettings(), Calls())
    widget.usb_vendor.setText("zz")
    widget.save_button.click()
    assert "USB vendor id must be hexadecimal" in widget.status.text()
    widget.usb_vendor.setText("0416")
    widget.prefix.setText("\\x0")
    widget.save_button.click()
    assert "cannot read the escape" in widget.status.text()


@pytest.mark.qt
def test_the_test_buttons_check_the_devices_with_the_values_on_screen(qtbot: QtBot) -> None:
    calls = Calls()
    widget = panel(qtbot, STARTING, calls)
    widget.host.setText("10.0.0.9")
    widget.test_page_button.click()
    assert widget.status.text() == "printed"
    assert calls.printed == [(calls.printed[0][0], NOW)]
    assert calls.printed[0][0].host == "10.0.0.9"
    widget.drawer_button.click()
    assert widget.status.text() == "kicked"
    assert calls.kicked[0].drawer_pin == 5
    widget.display_button.click()
    assert widget.status.text() == "shown"
    assert calls.displayed == [STARTING.display]


@pytest.mark.qt
def test_a_test_button_with_a_bad_value_says_so_without_calling_the_device(
    qtbot: QtBot,
) -> None:
    calls = Calls()
    widget = panel(qtbot, STARTING, calls)
    widget.host.setText("")
    widget.pole_port.setText("")
    for button in (widget.test_page_button, widget.drawer_button, widget.display_button):
        button.click()
        assert widget.status.text().startswith("Cannot test:")
    assert (calls.printed, calls.kicked, calls.displayed) == ([], [], [])


@pytest.mark.qt
def test_a_scan_on_the_settings_screen_is_shown(qtbot: QtBot) -> None:
    widget = panel(qtbot, HardwareSettings(), Calls())
    widget.show_scan("8901234567890")
    assert widget.last_scan.text() == "Read: 8901234567890"


@pytest.mark.qt
def test_the_real_checks_are_the_default(qtbot: QtBot, tmp_path: Path) -> None:
    node = tmp_path / "lp0"
    settings = HardwareSettings(PrinterSettings(backend=Backend.FILE, device_path=str(node)))
    widget = HardwareSettingsWidget(settings, now=lambda: NOW)
    qtbot.addWidget(widget)
    widget.test_page_button.click()
    assert widget.status.text().startswith("Test page sent to file")
    assert node.exists()


def test_serial_pole_display_check_reaches_the_port() -> None:
    controller, device = pty.openpty()
    try:
        result = check_display(DisplaySettings(DisplayKind.POLE, os.ttyname(device)))
        assert result == "Customer display shows a test line."
        assert b"Test item" in os.read(controller, 1024)
    finally:
        os.close(controller)
        os.close(device)


def test_device_errors_are_till_errors() -> None:
    from desktop.errors import TillError

    assert issubclass(DeviceError, TillError)
    assert issubclass(DeviceConfigError, DeviceError)
