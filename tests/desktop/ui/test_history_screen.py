"""F11 sale history through the real widgets: reprints, and voiding a completed sale."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop.bootstrap import Till
from desktop.demo import ean13
from desktop.services.fakes import FakePrinter
from desktop.ui.dialogs import HistoryDialog, PinDialog, ReportDialog, ReturnDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.qt import Qt

from .conftest import SUPERVISOR, log_in, open_shift, press, type_into

pytestmark = pytest.mark.qt
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def selling(qtbot: QtBot, window: MainWindow) -> MainWindow:
    log_in(qtbot, window)
    open_shift(qtbot, window)
    return window


def sell(qtbot: QtBot, window: MainWindow, code: int) -> str:
    type_into(qtbot, window.sale.search, ean13(code))
    press(qtbot, window, Qt.Key.Key_F12)
    qtbot.keyClick(window.dialog.cash, Qt.Key.Key_Return)  # type: ignore[union-attr]
    return window.till.store.recent_documents(1)[0].number


def history(qtbot: QtBot, window: MainWindow) -> HistoryDialog:
    press(qtbot, window, Qt.Key.Key_F11)
    dialog = window.dialog
    assert isinstance(dialog, HistoryDialog)
    return dialog


def test_the_history_lists_receipts_and_arrows_pick_which_to_reprint(
    qtbot: QtBot, selling: MainWindow, printer: FakePrinter
) -> None:
    first = sell(qtbot, selling, 1)
    second = sell(qtbot, selling, 9)
    dialog = history(qtbot, selling)
    assert [e.document.number for e in dialog.entries] == [second, first]
    assert dialog.highlighted() == second
    qtbot.keyClick(dialog.value, Qt.Key.Key_Down)
    assert dialog.highlighted() == first
    qtbot.keyClick(dialog.value, Qt.Key.Key_Return)
    assert selling.dialog is None
    document, duplicate = printer.receipts[-1]
    assert (document.number, duplicate) == (first, True)


def test_a_supervisor_voids_a_completed_sale_from_the_history_screen(
    qtbot: QtBot, selling: MainWindow, till: Till
) -> None:
    kept = sell(qtbot, selling, 1)
    voided = sell(qtbot, selling, 9)
    dialog = history(qtbot, selling)
    qtbot.keyClick(dialog.value, Qt.Key.Key_Delete, CTRL)
    assert "Say why" in dialog.message.text(), "no reason, no PIN asked"
    assert selling.pin_dialog is None
    qtbot.keyClicks(dialog.reason, "customer changed mind")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Delete, CTRL)
    pin = selling.pin_dialog
    assert isinstance(pin, PinDialog)
    type_into(qtbot, pin.pin, "1234")
    assert "not a supervisor" in pin.message.text()
    type_into(qtbot, pin.pin, "9999")
    assert f"Invoice {voided} voided: give back ₹365.00." == dialog.message.text()
    assert dialog.table.item(0, 4).text() == "VOIDED"  # type: ignore[union-attr]
    assert dialog.reason.text() == ""
    [event] = [e for e in till.store.outbox_events() if e.kind == "sale_voided"]
    assert event.payload.invoice_number == voided  # type: ignore[union-attr]
    assert event.payload.reason == "customer changed mind"  # type: ignore[union-attr]
    assert str(event.payload.supervisor_id) == SUPERVISOR.user_id  # type: ignore[union-attr]

    qtbot.keyClicks(dialog.reason, "again")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert f"Invoice {voided} was already voided." in dialog.message.text()
    dialog.reject()

    press(qtbot, selling, Qt.Key.Key_R, CTRL)
    report = selling.dialog
    assert isinstance(report, ReportDialog)
    text = report.text.toPlainText()
    assert "Voided invoices      1   ₹365.00" in text
    assert f"Invoices             1   {kept} .. {voided}" in text
    report.reject()

    press(qtbot, selling, Qt.Key.Key_F10)
    returns = selling.dialog
    assert isinstance(returns, ReturnDialog)
    type_into(qtbot, returns.number, voided)
    assert f"Invoice {voided} was voided; nothing can be returned" in returns.message.text()


def test_an_unknown_receipt_number_is_explained_in_the_history_screen(
    qtbot: QtBot, selling: MainWindow
) -> None:
    dialog = history(qtbot, selling)
    assert dialog.message.text() == "No receipts yet."
    qtbot.keyClick(dialog.value, Qt.Key.Key_Return)
    assert dialog.message.text() == "Type a receipt number first."
    qtbot.keyClicks(dialog.reason, "x")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.message.text() == "Type or pick the receipt to void first."
    type_into(qtbot, dialog.value, "DEMOT1/27/999999")
    assert "No receipt has the number 'DEMOT1/27/999999'" in dialog.message.text()
