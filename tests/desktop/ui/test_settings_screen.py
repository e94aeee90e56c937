"""The settings screen, by keyboard: supervisor only, saves the TOML atomically, applies live."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.demo import ean13
from desktop.devices.printer.escpos_render import rupee_glyph_command
from desktop.devices.printer.layout import RupeeMode
from desktop.settings import load_settings
from desktop.ui.app import TillApp
from desktop.ui.dialogs import PinDialog
from desktop.ui.qt import Qt, QWidget
from desktop.ui.settings_view import SettingsDialog

from .conftest import SUPERVISOR, MakeApp, log_in, open_shift, press, type_into

pytestmark = pytest.mark.qt
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def focus(qtbot: QtBot, widget: QWidget) -> None:
    # keyClick delivers to ``widget`` itself; focus is asked for but not waited on, as the
    # offscreen platform may not activate dialogs once an earlier test quit the application
    widget.setFocus()
    qtbot.wait(1)


@pytest.fixture
def app(qtbot: QtBot, make_app: MakeApp, tmp_path: Path) -> TillApp:
    till_app = make_app(
        f'store_name = "Kirana One"\n[printer]\nbackend = "file"\n'
        f'device_path = "{tmp_path / "lp0"}"\n[scanner]\nkind = "camera"\n'
    )
    window = till_app.window
    window.activateWindow()
    log_in(qtbot, window)
    open_shift(qtbot, window)
    return till_app


def open_settings(qtbot: QtBot, app: TillApp, pin: str = "9999") -> SettingsDialog:
    window = app.window
    press(qtbot, window, Qt.Key.Key_F1, SHIFT)
    assert isinstance(window.pin_dialog, PinDialog), "a cashier needs a supervisor's PIN"
    type_into(qtbot, window.pin_dialog.pin, pin)
    dialog = window.dialog
    assert isinstance(dialog, SettingsDialog)
    dialog.activateWindow()
    return dialog


def test_a_cashier_pin_does_not_open_the_settings(qtbot: QtBot, app: TillApp) -> None:
    press(qtbot, app.window, Qt.Key.Key_F1, SHIFT)
    pin = app.window.pin_dialog
    assert isinstance(pin, PinDialog)
    type_into(qtbot, pin.pin, "1234")
    assert "not a supervisor" in pin.message.text()
    assert app.window.dialog is None


def test_the_settings_screen_saves_the_toml_and_applies_it_without_a_restart(
    qtbot: QtBot, app: TillApp, tmp_path: Path
) -> None:
    till = app.till
    dialog = open_settings(qtbot, app)
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Store"
    gstin = dialog.store_fields["store_gstin"]
    assert gstin.isReadOnly()
    assert gstin.text() == till.settings.store_gstin
    assert dialog.store_fields["store_name"].text() == "Kirana One"

    focus(qtbot, dialog.tabs.tabBar())
    qtbot.keyClick(dialog.tabs.tabBar(), Qt.Key.Key_Right)
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Receipt"
    focus(qtbot, dialog.hardware.columns)
    qtbot.keyClick(dialog.hardware.columns, Qt.Key.Key_Home)  # 58 mm, 32 columns
    focus(qtbot, dialog.hardware.rupee)
    qtbot.keyClick(dialog.hardware.rupee, Qt.Key.Key_Down)  # ₹ as a downloaded glyph
    focus(qtbot, dialog.footer)
    qtbot.keyClick(dialog.footer, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(dialog.footer, "No exchange without bill")
    qtbot.keyClick(dialog.footer, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.footer, "Thank you")
    focus(qtbot, dialog.phone)
    qtbot.keyClicks(dialog.phone, "080 4123 4567")
    focus(qtbot, dialog.idle_lock)
    qtbot.keyClick(dialog.idle_lock, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(dialog.idle_lock, "120")
    qtbot.keyClick(dialog.idle_lock, Qt.Key.Key_S, CTRL)

    assert dialog.message.text() == "Saved and in use now."
    written = tomllib.loads(till.settings_path.read_text(encoding="utf-8"))
    assert written["store_name"] == "Kirana One", "what the file said is kept"
    assert written["idle_lock_seconds"] == 120
    assert written["printer"]["columns"] == 32
    assert written["printer"]["rupee"] == "glyph"
    assert written["printer"]["backend"] == "file"
    assert written["receipt"] == {
        "footer": "No exchange without bill\nThank you",
        "phone": "080 4123 4567",
    }
    assert not list(tmp_path.glob(".settings-*")), "the temporary file was renamed away"
    reloaded = load_settings(data_dir=tmp_path, env={})
    assert reloaded == till.settings

    # in force at once: the idle lock, and the next receipt's width, rupee sign and footer
    assert till.idle.timeout == timedelta(seconds=120)
    assert till.printing is not None
    assert till.printing.settings.columns == 32
    assert till.printing.settings.rupee is RupeeMode.GLYPH
    [audit] = [e for e in till.store.audit_entries() if e.action == "settings_changed"]
    assert audit.detail["changed"] == (
        "idle_lock_seconds,printer_columns,printer_rupee,receipt_footer,receipt_phone"
    )
    assert str(audit.actor_id) == SUPERVISOR.user_id, "the supervisor who opened the screen"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert app.window.dialog is None

    type_into(qtbot, app.window.sale.search, ean13(9))
    press(qtbot, app.window, Qt.Key.Key_F12)
    qtbot.keyClick(app.window.dialog.cash, Qt.Key.Key_Return)  # type: ignore[union-attr]
    assert till.printing.queue.wait_idle(5)
    printed = (tmp_path / "lp0").read_bytes()
    assert rupee_glyph_command() in printed
    assert b"No exchange without bill" in printed
    assert b"080 4123 4567" in printed
    assert b"-" * 32 + b"\n" in printed
    assert b"-" * 33 not in printed, "32 columns now, not 48"


def test_a_bad_hardware_value_is_explained_and_nothing_is_saved(qtbot: QtBot, app: TillApp) -> None:
    till = app.till
    before = till.settings_path.read_bytes()
    dialog = open_settings(qtbot, app)
    focus(qtbot, dialog.tabs.tabBar())
    while dialog.tabs.tabText(dialog.tabs.currentIndex()) != "Hardware":
        qtbot.keyClick(dialog.tabs.tabBar(), Qt.Key.Key_Right)
    combo = dialog.hardware.backend
    focus(qtbot, combo)
    index = combo.findText("Network (port 9100)")
    while combo.currentIndex() != index:
        qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() < index else Qt.Key.Key_Up)
    qtbot.keyClick(combo, Qt.Key.Key_S, CTRL)
    assert "Not saved" in dialog.message.text()
    assert "network printer needs host" in dialog.message.text()
    assert till.settings_path.read_bytes() == before
    assert till.printing is not None
    assert till.printing.settings.backend.value == "file"


def test_saving_with_nothing_changed_says_so(qtbot: QtBot, app: TillApp) -> None:
    dialog = open_settings(qtbot, app)
    before = app.till.settings_path.read_bytes()
    qtbot.keyClick(dialog, Qt.Key.Key_S, CTRL)
    assert dialog.message.text() == "Nothing changed."
    assert app.till.settings_path.read_bytes() == before


def test_a_scan_while_the_settings_are_open_shows_on_the_scanner_test_line(
    qtbot: QtBot, app: TillApp
) -> None:
    dialog = open_settings(qtbot, app)
    app.window.scan("8901234000010")
    assert dialog.hardware.last_scan.text() == "Read: 8901234000010"
    assert app.window.sale.model.rowCount() == 0


def test_a_new_scanner_and_customer_display_start_without_a_restart(
    qtbot: QtBot, app: TillApp
) -> None:
    assert app.wedge is None, "the camera was chosen at start"
    assert app.customer_window is None
    dialog = open_settings(qtbot, app)
    focus(qtbot, dialog.tabs.tabBar())
    while dialog.tabs.tabText(dialog.tabs.currentIndex()) != "Hardware":
        qtbot.keyClick(dialog.tabs.tabBar(), Qt.Key.Key_Right)
    focus(qtbot, dialog.hardware.scanner_kind)
    qtbot.keyClick(dialog.hardware.scanner_kind, Qt.Key.Key_Home)  # USB keyboard (wedge)
    focus(qtbot, dialog.hardware.display_kind)
    qtbot.keyClick(dialog.hardware.display_kind, Qt.Key.Key_End)  # second screen
    qtbot.keyClick(dialog.hardware.display_kind, Qt.Key.Key_S, CTRL)
    assert dialog.message.text() == "Saved and in use now."
    assert app.wedge is not None, "the wedge filter is on the application now"
    assert app.customer_window is not None
    assert app.customer_window in app.window.displays
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    type_into(qtbot, app.window.sale.search, ean13(9))  # typed or seen as a scan: added
    assert app.window.sale.model.rowCount() == 1
    assert "365.00" in app.customer_window.lower_line.text()
    written = tomllib.loads(app.till.settings_path.read_text(encoding="utf-8"))
    assert written["scanner"] == {"kind": "wedge"}
    assert written["display"] == {"kind": "window"}
