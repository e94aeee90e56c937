"""The real device wiring, driven through the built app: the bootstrap's print stack on a
python-escpos file printer, the wedge filter on the QApplication, a serial scanner, the
customer window, printer trouble in the status bar and the retry key."""

from __future__ import annotations

from pathlib import Path

import pytest
import serial
from pytestqt.qtbot import QtBot

from desktop.demo import ean13
from desktop.devices.display.pole import PoleDisplay
from desktop.devices.printer.escpos_render import render_bytes
from desktop.devices.printer.layout import receipt_layout
from desktop.devices.scanner.serial import SerialScanner
from desktop.ui.app import TillApp
from desktop.ui.dialogs import AmountDialog, HistoryDialog, ReturnDialog, TenderDialog
from desktop.ui.qt import QApplication, QEvent, QKeyEvent, Qt, QWidget

from .conftest import MakeApp, log_in, open_shift, press, type_into

pytestmark = pytest.mark.qt


def printer_toml(path: Path, scanner: str = "camera") -> str:
    # a camera "scanner" installs no key filter, so qtbot's instant typing stays typing
    return f'[printer]\nbackend = "file"\ndevice_path = "{path}"\n[scanner]\nkind = "{scanner}"\n'


def sell_one(qtbot: QtBot, till_app: TillApp) -> None:
    window = till_app.window
    log_in(qtbot, window)
    open_shift(qtbot, window)
    type_into(qtbot, window.sale.search, ean13(9))  # rice ₹365, 5 % GST
    press(qtbot, window, Qt.Key.Key_F12)
    assert isinstance(window.dialog, TenderDialog)
    qtbot.keyClick(window.dialog.cash, Qt.Key.Key_Return)  # exact cash


def test_a_sale_prints_its_receipt_bytes_through_the_real_print_stack(
    qtbot: QtBot, make_app: MakeApp, tmp_path: Path
) -> None:
    device = tmp_path / "printer.bin"
    till_app = make_app(printer_toml(device))
    till = till_app.till
    assert till.printing is not None
    sell_one(qtbot, till_app)
    [document] = till.store.recent_documents()
    assert till.printing.queue.wait_idle(5)
    printer = till.printing.till_printer
    expected = render_bytes(
        receipt_layout(printer.receipt_data(document), till.printing.settings.layout_options)
    )
    landed = device.read_bytes()
    assert landed.startswith(expected), "the receipt, byte for byte"
    assert landed.count(b"\x1bp\x00") == 1, "a cash sale kicks the drawer (pin 2), once"
    assert b"TAX INVOICE" in landed
    assert document.number.encode() in landed
    assert b"Thank you. Visit again!" in landed, "the footer from the settings"

    press(qtbot, till_app.window, Qt.Key.Key_F11)
    assert isinstance(till_app.window.dialog, HistoryDialog)
    qtbot.keyClick(till_app.window.dialog.value, Qt.Key.Key_Return)
    assert till.printing.queue.wait_idle(5)
    copy = device.read_bytes()[len(landed) :]
    assert b"*** DUPLICATE ***" in copy
    assert document.number.encode() in copy
    assert b"\x1bp" not in copy, "a reprint never opens the drawer"
    assert "Reprinted" in till_app.window.sale.banner.text()


def test_printer_trouble_shows_in_the_status_bar_and_ctrl_p_retries(
    qtbot: QtBot, make_app: MakeApp, tmp_path: Path
) -> None:
    device = tmp_path / "unplugged" / "lp0"  # its folder is missing: the open fails
    till_app = make_app(printer_toml(device))
    window, till = till_app.window, till_app.till
    assert window.printer_status.text() == "Printer ready"
    sell_one(qtbot, till_app)
    assert "saved" in window.sale.banner.text(), "the sale is never blocked by the printer"
    assert len(till.store.recent_documents()) == 1
    qtbot.waitUntil(lambda: "not answering" in window.printer_status.text(), timeout=5000)
    text = window.printer_status.text()
    assert "1 job waiting" in text  # the receipt, with the drawer kick inside
    assert "Ctrl+P" in text
    assert "b00020" in window.printer_status.styleSheet()

    device.parent.mkdir()  # the cable is back
    press(qtbot, window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert "Trying the printer again" in window.sale.banner.text()
    qtbot.waitUntil(lambda: window.printer_status.text() == "Printer ready", timeout=8000)
    assert till.store.recent_documents()[0].number.encode() in device.read_bytes()


def test_demo_mode_prints_to_a_file_and_a_readable_copy(
    qtbot: QtBot, make_app: MakeApp, tmp_path: Path
) -> None:
    till_app = make_app('[scanner]\nkind = "camera"\n', demo=True)
    till = till_app.till
    assert till.printing is not None
    assert till.printing.settings.device_path == str(tmp_path / "receipts.escpos")
    sell_one(qtbot, till_app)
    assert till.printing.queue.wait_idle(5)
    number = till.store.recent_documents()[0].number
    assert number.encode() in (tmp_path / "receipts.escpos").read_bytes()
    preview = (tmp_path / "receipts.txt").read_text(encoding="utf-8")
    assert f"----- Invoice {number} -----" in preview
    assert "TAX INVOICE" in preview
    assert "Sona masoori rice 5 kg" in preview


class Keys:
    """Key presses with real timestamps: a scanner's burst or a person's typing."""

    def __init__(self) -> None:
        self.now = 50_000

    def send(self, widget: QWidget, text: str, gap_ms: int, enter: bool = True) -> None:
        """Press ``text`` (then Enter) on ``widget``, which must have the focus."""
        assert widget.hasFocus()
        for char in [*text, "\r"] if enter else text:
            self.now += gap_ms
            key = Qt.Key.Key_Return if char == "\r" else Qt.Key(ord(char.upper()))
            event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, char)
            event.setTimestamp(self.now)
            QApplication.sendEvent(widget, event)
        self.now += 500


def test_a_wedge_scan_lands_in_the_cart_while_the_cart_table_has_focus(
    qtbot: QtBot, make_app: MakeApp, tmp_path: Path
) -> None:
    till_app = make_app(printer_toml(tmp_path / "p.bin", scanner="wedge"))
    window = till_app.window
    assert till_app.wedge is not None, "the settings' wedge scanner is filtering keys"
    keys = Keys()
    window.activateWindow()
    window.login.pin.setFocus()
    qtbot.waitUntil(window.login.pin.hasFocus)
    keys.send(window.login.pin, "1234", 140)  # a person types the PIN
    qtbot.waitUntil(lambda: window.session is not None)
    shift = window.dialog
    assert isinstance(shift, AmountDialog)  # the opening float
    shift.value.setFocus()
    qtbot.waitUntil(shift.value.hasFocus)
    keys.send(shift.value, "500", 150)
    qtbot.waitUntil(lambda: window.dialog is None)
    assert till_app.till.shifts.current() is not None

    window.activateWindow()
    window.sale.table.setFocus()
    qtbot.waitUntil(window.sale.table.hasFocus)
    keys.send(window.sale.table, ean13(1), 8)  # the scanner: 8 ms between keys
    assert window.sale.model.rowCount() == 1
    assert window.sale.model.row_at(0).name == "Toned milk 500 ml"
    assert window.sale.search.text() == "", "the search box never saw the digits"

    # with the return dialog open, a scanned receipt code goes into its number box
    press(qtbot, window, Qt.Key.Key_F4)  # hold the sale first
    press(qtbot, window, Qt.Key.Key_F10)
    dialog = window.dialog
    assert isinstance(dialog, ReturnDialog)
    dialog.number.setFocus()
    qtbot.waitUntil(dialog.number.hasFocus)
    keys.send(dialog.number, "ABCD1234", 8)
    assert dialog.number.text() == "ABCD1234"
    assert "No receipt has the number 'ABCD1234'" in dialog.message.text()


def test_a_serial_scanner_reaches_the_cart_from_its_own_thread(
    qtbot: QtBot, make_app: MakeApp, tmp_path: Path
) -> None:
    till_app = make_app(
        printer_toml(tmp_path / "p.bin", scanner="serial")
        + 'serial_port = "loop://"\n[display]\nkind = "window"\n'
    )
    till, window = till_app.till, till_app.window
    assert isinstance(till.scanner, SerialScanner)
    assert till.scanner.running
    log_in(qtbot, window)
    open_shift(qtbot, window)
    port = till.scanner._port
    assert isinstance(port, serial.SerialBase)
    port.write(ean13(9).encode() + b"\r")  # loop:// hands it back to the reader thread
    qtbot.waitUntil(lambda: window.sale.model.rowCount() == 1, timeout=5000)
    assert window.sale.model.row_at(0).name == "Sona masoori rice 5 kg"
    assert till_app.customer_window is not None
    assert till_app.customer_window.isVisible()
    assert "365.00" in till_app.customer_window.lower_line.text()
    assert "Sona masoori" in till_app.customer_window.upper_line.text()


def test_a_pole_display_shows_the_last_item_and_the_total(
    qtbot: QtBot, make_app: MakeApp, tmp_path: Path
) -> None:
    till_app = make_app(
        printer_toml(tmp_path / "p.bin") + '[display]\nkind = "pole"\npole_port = "loop://"\n'
    )
    till, window = till_app.till, till_app.window
    assert isinstance(till.display, PoleDisplay)
    assert window.displays == [till.display]
    log_in(qtbot, window)
    open_shift(qtbot, window)
    type_into(qtbot, window.sale.search, ean13(9))
    port = till.display._port
    assert port is not None
    sent = port.read(port.in_waiting)
    assert sent.endswith(b"\x1bQASona masoori  365.00\r\x1bQBTOTAL      Rs.365.00\r")
