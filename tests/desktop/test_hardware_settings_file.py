"""The hardware sections of the till's settings: TOML tables, environment, validation, saving."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from desktop.devices.printer.layout import ReceiptCode, RupeeMode
from desktop.devices.printer.transports import Backend
from desktop.devices.scanner.engine import Engine
from desktop.devices.settings import DisplayKind, ScannerKind
from desktop.errors import SettingsError
from desktop.settings import (
    Settings,
    changed_settings,
    hardware_values,
    load_settings,
    save_settings,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_tables_name_the_device_settings(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
idle_lock_seconds = 90
[printer]
backend = "usb"
usb_vendor_id = 0x0416
usb_product_id = 0x5011
columns = 32
rupee = "glyph"
receipt_code = "barcode"
kick_drawer = false
drawer_pin = 5
[receipt]
footer = "Line one\\nLine two"
[scanner]
kind = "serial"
serial_port = "/dev/ttyACM0"
serial_baudrate = 115200
[display]
kind = "pole"
pole_port = "/dev/ttyUSB1"
pole_width = 16
""",
    )
    settings = load_settings(data_dir=tmp_path, env={})
    hardware = settings.hardware()
    printer = hardware.printer
    assert settings.idle_lock_seconds == 90
    assert (printer.backend, printer.usb_vendor_id, printer.usb_product_id) == (
        Backend.USB,
        0x0416,
        0x5011,
    )
    assert (printer.columns, printer.rupee, printer.receipt_code) == (
        32,
        RupeeMode.GLYPH,
        ReceiptCode.BARCODE,
    )
    assert (printer.kick_drawer, printer.drawer_pin) == (False, 5)
    assert settings.receipt_footer == "Line one\nLine two"
    assert hardware.scanner.kind is ScannerKind.SERIAL
    assert (hardware.scanner.serial_port, hardware.scanner.serial_baudrate) == (
        "/dev/ttyACM0",
        115200,
    )
    assert hardware.display.kind is DisplayKind.POLE
    assert (hardware.display.pole_port, hardware.display.pole_width) == ("/dev/ttyUSB1", 16)


def test_the_defaults_are_no_printer_a_wedge_scanner_and_no_display(tmp_path: Path) -> None:
    hardware = load_settings(data_dir=tmp_path, env={}).hardware()
    assert hardware.printer.backend is Backend.FAKE
    assert hardware.printer.rupee is RupeeMode.TEXT, "Rs. until ₹ is proven on the printer"
    assert hardware.scanner.kind is ScannerKind.WEDGE
    assert hardware.scanner.camera_engine is Engine.BOTH
    assert hardware.display.kind is DisplayKind.NONE


def test_the_environment_overrides_device_settings(tmp_path: Path) -> None:
    write(tmp_path, '[printer]\nbackend = "file"\ndevice_path = "/dev/usb/lp0"\n')
    env = {
        "GALLA_TILL_PRINTER_BACKEND": "network",
        "GALLA_TILL_PRINTER_HOST": "192.168.1.50",
        "GALLA_TILL_PRINTER_KICK_DRAWER": "no",
        "GALLA_TILL_PRINTER_USB_VENDOR_ID": "0x04b8",
    }
    settings = load_settings(data_dir=tmp_path, env=env)
    assert settings.printer_backend == "network"
    assert settings.printer_host == "192.168.1.50"
    assert settings.printer_kick_drawer is False
    assert settings.printer_usb_vendor_id == 0x04B8
    assert settings.hardware().printer.describe().startswith("network 192.168.1.50:9100")


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ('[printer]\nbackend = "bluetooth"\n', {}, "'printer_backend': must be one of usb,"),
        ('[printer]\nbackend = "file"\n', {}, "a file printer needs device_path to be set"),
        ("[printer]\ncolumns = 40\n", {}, "receipt width must be one of (32, 42, 48)"),
        ("[printer]\ndrawer_pin = 3\n", {}, "the drawer pin must be 2 or 5, not 3"),
        ('[printer]\nrupee = "symbol"\n', {}, "must be one of text, glyph"),
        ('[scanner]\nkind = "serial"\n', {}, "a serial scanner needs a port"),
        ("[scanner]\nmax_gap_ms = 0\n", {}, "wedge max_gap_ms must be positive"),
        ('[display]\nkind = "pole"\n', {}, "a pole display needs a port"),
        ("[display]\npole_width = 80\n", {}, "a pole display line is 8-40 characters"),
        ('[printer]\nbackground = "x"\n', {}, "'printer_background': is not a till setting"),
        ("[drawer]\npin = 2\n", {}, "'[drawer]': is not a section of the till settings"),
        ("[printer]\nkick_drawer = 1\n", {}, "'printer_kick_drawer': expected true or false"),
        ("", {"GALLA_TILL_PRINTER_KICK_DRAWER": "maybe"}, "expected true or false, got 'maybe'"),
        ("", {"GALLA_TILL_PRINTER_PORT": "0x"}, "'printer_port': expected int"),
        ("idle_lock_seconds = -5\n", {}, "'idle_lock_seconds': must not be negative, got -5"),
        ("cashier_discount_percent = 150\n", {}, "must be a percent from 0 to 100, got 150"),
    ],
)
def test_a_bad_device_setting_names_what_is_wrong(
    tmp_path: Path, text: str, env: dict[str, str], message: str
) -> None:
    write(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        load_settings(data_dir=tmp_path, env=env)
    assert message in str(caught.value)


def test_hardware_values_map_the_settings_screen_back_to_settings(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[printer]\nbackend = "serial"\nserial_port = "COM3"\nbaudrate = 19200\n'
        '[scanner]\nprefix = "\\u0002"\nsuffix = "\\u0003"\n[display]\nkind = "window"\n',
    )
    settings = load_settings(data_dir=tmp_path, env={})
    values = hardware_values(settings.hardware())
    assert changed_settings(Settings(data_dir=tmp_path), values).hardware() == settings.hardware()
    assert values["scanner_prefix"] == "\x02"


def test_saving_keeps_the_file_and_adds_the_changes_atomically(tmp_path: Path) -> None:
    path = write(tmp_path, 'store_name = "Kirana One"\n[printer]\ncolumns = 42\n')
    env = {"GALLA_TILL_IDLE_LOCK_SECONDS": "600"}
    current = load_settings(data_dir=tmp_path, env=env)
    footer = 'Exchange in 7 days "with bill"\n₹ prices include GST\\'
    updated = save_settings(
        path,
        current,
        {"printer_rupee": "glyph", "receipt_footer": footer, "printer_kick_drawer": False},
    )
    assert updated.printer_rupee == "glyph"
    assert updated.idle_lock_seconds == 600, "still in force from the environment"
    written = tomllib.loads(path.read_text(encoding="utf-8"))
    assert written == {
        "store_name": "Kirana One",
        "printer": {"columns": 42, "rupee": "glyph", "kick_drawer": False},
        "receipt": {"footer": footer},
    }, "the environment's idle lock is not written into the file"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"], "no temp file left"
    assert load_settings(data_dir=tmp_path, env=env) == updated


def test_saving_creates_the_file_when_there_is_none(tmp_path: Path) -> None:
    current = load_settings(data_dir=tmp_path, env={})
    path = tmp_path / "new" / "settings.toml"
    save_settings(path, current, {"display_kind": "window"})
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"display": {"kind": "window"}}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"printer_backend": "network"}, "a network printer needs host to be set"),
        ({"idle_lock_seconds": 3}, "must be at least 10 seconds"),
        ({"colour": "red"}, "'colour': is not a till setting"),
        ({"data_dir": "/tmp"}, "'data_dir': is not a till setting"),
        ({"printer_columns": "wide"}, "'printer_columns': expected int"),
    ],
)
def test_a_bad_change_is_refused_and_the_file_is_untouched(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    path = write(tmp_path, "# mine\nidle_lock_seconds = 120\n")
    before = path.read_bytes()
    current = load_settings(data_dir=tmp_path, env={})
    with pytest.raises(SettingsError) as caught:
        save_settings(path, current, changes)
    assert message in str(caught.value)
    assert path.read_bytes() == before


def test_a_file_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("", encoding="utf-8")
    path = tmp_path / "not-a-folder" / "settings.toml"
    current = load_settings(data_dir=tmp_path, env={})
    with pytest.raises(SettingsError, match="cannot be written"):
        save_settings(path, current, {"idle_lock_seconds": 60})


@settings(max_examples=80, deadline=None)
@example(
    footer='DEL \x7f, quote ", backslash \\, ₹\nnext line', phone="\x00\t", columns=32, kick=False
)
@given(
    footer=st.text(max_size=60),
    phone=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
    columns=st.sampled_from([32, 42, 48]),
    kick=st.booleans(),
)
def test_whatever_the_screen_saves_reads_back_the_same(
    tmp_path_factory: pytest.TempPathFactory, footer: str, phone: str, columns: int, kick: bool
) -> None:
    folder = tmp_path_factory.mktemp("saved")
    current = load_settings(data_dir=folder, env={})
    changes = {
        "receipt_footer": footer,
        "receipt_phone": phone,
        "printer_columns": columns,
        "printer_kick_drawer": kick,
    }
    updated = save_settings(folder / "settings.toml", current, changes)
    assert load_settings(data_dir=folder, env={}) == updated
    assert (updated.receipt_footer, updated.receipt_phone) == (footer, phone)
