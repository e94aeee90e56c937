"""pytest-qt drives the real till window with the keyboard, and checks the database."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop.bootstrap import Till
from desktop.demo import ean13
from desktop.ui.dialogs import CloseShiftDialog, PinDialog, ReturnDialog, TenderDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.qt import Qt
from shared.barcode import gs1_check_digit

from .conftest import SUPERVISOR, log_in, open_shift, press, type_into

pytestmark = pytest.mark.qt


def test_a_cashier_logs_in_opens_a_shift_and_sells_with_split_tender(
    qtbot: QtBot, window: MainWindow, till: Till
) -> None:
    log_in(qtbot, window)
    assert window.stack.currentWidget() is window.sale
    open_shift(qtbot, window)
    assert till.shifts.current() is not None

    type_into(qtbot, window.sale.search, ean13(1))  # toned milk ₹27
    type_into(qtbot, window.sale.search, ean13(1))
    type_into(qtbot, window.sale.search, "gluco")  # search-as-you-type, Enter takes the top hit
    assert window.sale.model.rowCount() == 2
    assert window.sale.total.text() == "₹64.00"

    press(qtbot, window, Qt.Key.Key_F12)
    tender = window.dialog
    assert isinstance(tender, TenderDialog)
    qtbot.keyClicks(tender.card, "50")
    qtbot.keyClicks(tender.card_ref, "SLIP42")
    qtbot.keyClicks(tender.cash, "20")
    qtbot.keyClick(tender.cash, Qt.Key.Key_Return)

    assert window.dialog is None
    assert "saved" in window.sale.banner.text()
    assert "Change ₹6.00" in window.sale.banner.text()
    [doc] = till.store.recent_documents()
    assert doc.grand_total.paise == 6400
    assert [(p.method.value, p.amount.paise, p.reference) for p in doc.payments] == [
        ("cash", 1400, None),
        ("card", 5000, "SLIP42"),
    ]
    kinds = [e.kind for e in till.store.outbox_events()]
    assert "sale_completed" in kinds
    assert window.sale.model.rowCount() == 0


def test_a_short_tender_keeps_the_dialog_open_and_stores_nothing(
    qtbot: QtBot, window: MainWindow, till: Till
) -> None:
    log_in(qtbot, window)
    open_shift(qtbot, window)
    type_into(qtbot, window.sale.search, ean13(9))  # rice ₹365
    press(qtbot, window, Qt.Key.Key_F12)
    tender = window.dialog
    assert isinstance(tender, TenderDialog)
    type_into(qtbot, tender.cash, "300")
    assert window.dialog is tender
    assert "₹65.00 is still due" in tender.message.text()
    assert till.store.recent_documents() == []


def test_an_unknown_barcode_and_a_wrong_check_digit_are_explained(
    qtbot: QtBot, window: MainWindow
) -> None:
    log_in(qtbot, window)
    open_shift(qtbot, window)
    good = ean13(1)
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    type_into(qtbot, window.sale.search, wrong)
    assert "check digit" in window.sale.banner.text()
    unknown = "890123499999" + str(gs1_check_digit("890123499999"))
    type_into(qtbot, window.sale.search, unknown)
    assert f"No item has the code '{unknown}'" in window.sale.banner.text()
    type_into(qtbot, window.sale.search, "NOSUCHCODE")
    assert "No item has the code 'NOSUCHCODE'" in window.sale.banner.text()
    assert window.sale.model.rowCount() == 0


def test_hold_and_recall_bring_the_same_sale_back(
    qtbot: QtBot, window: MainWindow, till: Till
) -> None:
    log_in(qtbot, window)
    open_shift(qtbot, window)
    type_into(qtbot, window.sale.search, ean13(5))
    press(qtbot, window, Qt.Key.Key_F4)
    assert window.sale.model.rowCount() == 0
    assert len(till.store.held_sales()) == 1
    type_into(qtbot, window.sale.search, ean13(1))
    press(qtbot, window, Qt.Key.Key_F4)
    press(qtbot, window, Qt.Key.Key_F5)
    recall = window.dialog
    assert recall is not None
    qtbot.keyClick(recall, Qt.Key.Key_Return)  # the oldest first: the paneer sale
    assert window.sale.model.row_at(0).name == "Paneer 200 g"
    assert len(till.store.held_sales()) == 1


def test_a_supervisor_pin_approves_a_price_override(
    qtbot: QtBot, window: MainWindow, till: Till
) -> None:
    log_in(qtbot, window)
    open_shift(qtbot, window)
    type_into(qtbot, window.sale.search, ean13(9))
    press(qtbot, window, Qt.Key.Key_F7)
    type_into(qtbot, window.dialog.value, "300")  # type: ignore[union-attr]
    pin = window.pin_dialog
    assert isinstance(pin, PinDialog)
    type_into(qtbot, pin.pin, "1234")  # the cashier's own PIN is refused
    assert "not a supervisor" in pin.message.text()
    type_into(qtbot, pin.pin, "9999")
    assert window.sale.total.text() == "₹300.00"
    actions = [e.action for e in till.store.audit_entries()]
    assert "price_overridden" in actions
    entry = next(e for e in till.store.audit_entries() if e.action == "price_overridden")
    assert entry.detail["approved_by"] == SUPERVISOR.user_id


def test_a_return_issues_a_credit_note_with_supervisor_approval(
    qtbot: QtBot, window: MainWindow, till: Till
) -> None:
    log_in(qtbot, window)
    open_shift(qtbot, window)
    type_into(qtbot, window.sale.search, ean13(1))
    type_into(qtbot, window.sale.search, ean13(1))
    press(qtbot, window, Qt.Key.Key_F12)
    qtbot.keyClick(window.dialog.cash, Qt.Key.Key_Return)  # type: ignore[union-attr]  exact cash
    [sale] = till.store.recent_documents()

    press(qtbot, window, Qt.Key.Key_F10)
    returns = window.dialog
    assert isinstance(returns, ReturnDialog)
    type_into(qtbot, returns.number, sale.number)
    returns.set_quantity(0, "3")  # more than was sold: refused before any PIN is asked
    qtbot.keyClick(returns.reason, Qt.Key.Key_Return)
    assert "Only 2 pcs" in returns.message.text()
    assert window.pin_dialog is None
    returns.set_quantity(0, "1")
    qtbot.keyClick(returns.reason, Qt.Key.Key_Return)
    type_into(qtbot, window.pin_dialog.pin, "9999")  # type: ignore[union-attr]
    assert window.dialog is None
    credit = till.store.recent_documents(1)[0]
    assert credit.kind.value == "return"
    assert credit.original_number == sale.number
    assert credit.grand_total.paise == 2700
    assert [e.kind for e in till.store.outbox_events()].count("refund_issued") == 1


def test_a_blind_z_close_hides_over_short_until_a_supervisor_looks(
    qtbot: QtBot, window: MainWindow, till: Till
) -> None:
    log_in(qtbot, window)
    open_shift(qtbot, window, "1000")
    type_into(qtbot, window.sale.search, ean13(9))
    press(qtbot, window, Qt.Key.Key_F12)
    qtbot.keyClick(window.dialog.cash, Qt.Key.Key_Return)  # type: ignore[union-attr]
    press(qtbot, window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    close = window.dialog
    assert isinstance(close, CloseShiftDialog)
    close.set_count(500, 2)
    close.set_count(200, 1)
    close.set_count(100, 1)
    qtbot.keyClick(close, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    blind = close.outcome.toPlainText()
    assert "Z REPORT No. 1" in blind
    assert "Counted cash" in blind
    assert "Expected" not in blind
    assert "Over/short" not in blind
    close.reveal.click()
    type_into(qtbot, window.pin_dialog.pin, "9999")  # type: ignore[union-attr]
    revealed = close.outcome.toPlainText()
    assert "Expected cash          ₹1,365.00" in revealed
    assert "Over/short" in revealed
    assert "-₹65.00" in revealed
    assert "SHORT" in revealed
    assert till.shifts.current() is None
    assert "shift_closed" in [e.kind for e in till.store.outbox_events()]


def test_the_till_locks_itself_when_idle_and_keeps_the_sale(
    qtbot: QtBot, window: MainWindow, till: Till, clock
) -> None:
    from datetime import timedelta

    log_in(qtbot, window)
    open_shift(qtbot, window)
    type_into(qtbot, window.sale.search, ean13(1))
    clock.advance(timedelta(seconds=till.settings.idle_lock_seconds + 1))
    type_into(qtbot, window.sale.search, ean13(1))  # the expired session refuses the scan
    assert window.stack.currentWidget() is window.login
    assert "idle" in window.login.message.text()
    assert len(till.store.held_sales()) == 1


def test_wrong_pins_lock_the_user_out(qtbot: QtBot, window: MainWindow, till: Till) -> None:
    for _ in range(till.settings.max_pin_attempts):
        log_in(qtbot, window, pin="0000")
    assert "locked out" in window.login.message.text()
    log_in(qtbot, window, pin="1234")
    assert window.stack.currentWidget() is window.login
    assert "user_locked_out" in [e.action for e in till.store.audit_entries()]
