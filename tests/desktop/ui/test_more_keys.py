"""Every sale-screen key, driven through the real window."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from pytestqt.qtbot import QtBot

from desktop.bootstrap import Till
from desktop.demo import ean13
from desktop.ui.dialogs import (
    AmountDialog,
    CustomerDialog,
    HistoryDialog,
    RecallDialog,
    ReportDialog,
    parse_money,
    parse_quantity,
)
from desktop.ui.main_window import MainWindow, _age
from desktop.ui.qt import Qt

from .conftest import log_in, open_shift, press, type_into

pytestmark = pytest.mark.qt
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def selling(qtbot: QtBot, window: MainWindow) -> MainWindow:
    log_in(qtbot, window)
    open_shift(qtbot, window)
    return window


def amount(qtbot: QtBot, window: MainWindow, value: str, reason: str | None = None) -> None:
    dialog = window.dialog
    assert isinstance(dialog, AmountDialog)
    if reason is not None:
        qtbot.keyClicks(dialog.reason, reason)
    type_into(qtbot, dialog.value, value)


def supervisor(qtbot: QtBot, window: MainWindow, pin: str = "9999") -> None:
    assert window.pin_dialog is not None
    type_into(qtbot, window.pin_dialog.pin, pin)


def test_f3_changes_the_quantity_and_refuses_nonsense(qtbot: QtBot, selling: MainWindow) -> None:
    type_into(qtbot, selling.sale.search, ean13(1))
    press(qtbot, selling, Qt.Key.Key_F3)
    amount(qtbot, selling, "abc")
    assert "as a number" in selling.dialog.message.text()  # type: ignore[union-attr]
    selling.dialog.value.clear()  # type: ignore[union-attr]
    amount(qtbot, selling, "3")
    assert selling.sale.model.row_at(0).quantity == "3"
    assert selling.sale.total.text() == "₹81.00"


def test_f6_voids_the_selected_line_after_a_supervisor_pin(
    qtbot: QtBot, selling: MainWindow, till: Till
) -> None:
    type_into(qtbot, selling.sale.search, ean13(1))
    type_into(qtbot, selling.sale.search, ean13(9))
    qtbot.keyClick(selling.sale.search, Qt.Key.Key_Up)  # select the first line
    press(qtbot, selling, Qt.Key.Key_F6)
    supervisor(qtbot, selling, "0000")
    assert "not a supervisor's PIN" in selling.pin_dialog.message.text()  # type: ignore[union-attr]
    supervisor(qtbot, selling)
    assert [selling.sale.model.row_at(0).name] == ["Sona masoori rice 5 kg"]
    assert "Line voided" in selling.sale.banner.text()


def test_f8_discounts_within_the_limit_without_a_pin(qtbot: QtBot, selling: MainWindow) -> None:
    type_into(qtbot, selling.sale.search, ean13(9))  # ₹365
    press(qtbot, selling, Qt.Key.Key_F8)
    amount(qtbot, selling, "15")
    assert selling.pin_dialog is None
    assert selling.sale.total.text() == "₹350.00"
    press(qtbot, selling, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    amount(qtbot, selling, "300")  # beyond every role's limit: no PIN can help
    assert selling.pin_dialog is None
    assert "more than the 50% limit" in selling.sale.banner.text()
    assert selling.sale.total.text() == "₹350.00"
    press(qtbot, selling, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    amount(qtbot, selling, "10")  # a bill discount within the cashier's limit
    assert selling.sale.total.text() == "₹340.00"
    press(qtbot, selling, Qt.Key.Key_F12)
    qtbot.keyClick(selling.dialog.cash, Qt.Key.Key_Return)  # type: ignore[union-attr]
    assert "saved" in selling.sale.banner.text(), "a sale with a bill discount completes"
    [sale] = selling.till.store.recent_documents()
    assert sale.grand_total.paise == 34000


def test_f9_attaches_a_customer_and_rejects_a_bad_gstin(qtbot: QtBot, selling: MainWindow) -> None:
    type_into(qtbot, selling.sale.search, ean13(1))
    press(qtbot, selling, Qt.Key.Key_F9)
    dialog = selling.dialog
    assert isinstance(dialog, CustomerDialog)
    qtbot.keyClicks(dialog.phone, "9845012345")
    type_into(qtbot, dialog.gstin, "29AAACH7409R1ZY")
    assert "GSTIN is not valid" in dialog.message.text()
    dialog.gstin.setText("29AAACH7409R1ZX")
    qtbot.keyClick(dialog.gstin, Qt.Key.Key_Return)
    assert "9845012345" in selling.sale.customer.text()


def test_f11_reprints_the_last_receipt(qtbot: QtBot, selling: MainWindow, till: Till) -> None:
    type_into(qtbot, selling.sale.search, ean13(1))
    press(qtbot, selling, Qt.Key.Key_F12)
    qtbot.keyClick(selling.dialog.cash, Qt.Key.Key_Return)  # type: ignore[union-attr]
    press(qtbot, selling, Qt.Key.Key_F11)
    history = selling.dialog
    assert isinstance(history, HistoryDialog)
    qtbot.keyClick(history.value, Qt.Key.Key_Return)  # Enter = the highlighted (newest) one
    assert "Reprinted DEMOT1/27/000001 (DUPLICATE)" in selling.sale.banner.text()
    assert till.context.printer.receipts[-1][1] is True  # type: ignore[attr-defined]
    press(qtbot, selling, Qt.Key.Key_F11)
    type_into(qtbot, selling.dialog.value, "NOPE")  # type: ignore[union-attr]
    assert "No receipt" in selling.dialog.message.text()  # type: ignore[union-attr]


def test_cash_in_out_and_no_sale_need_a_supervisor(
    qtbot: QtBot, selling: MainWindow, till: Till
) -> None:
    press(qtbot, selling, Qt.Key.Key_O, CTRL)
    amount(qtbot, selling, "500", reason="bank drop")
    supervisor(qtbot, selling)
    assert "Cash out of ₹500.00 recorded" in selling.sale.banner.text()
    press(qtbot, selling, Qt.Key.Key_I, CTRL)
    amount(qtbot, selling, "100", reason="")
    supervisor(qtbot, selling)
    assert "Say why" in selling.sale.banner.text()
    press(qtbot, selling, Qt.Key.Key_D, CTRL)
    supervisor(qtbot, selling)
    assert "Drawer opened" in selling.sale.banner.text()
    report = till.shifts.report()
    assert report.cash_out.paise == 50000
    assert report.cash_in.paise == 0
    assert report.no_sales == 1


def test_x_report_and_help_open_as_text(qtbot: QtBot, selling: MainWindow) -> None:
    press(qtbot, selling, Qt.Key.Key_R, CTRL)
    assert isinstance(selling.dialog, ReportDialog)
    assert "X REPORT (no reset)" in selling.dialog.text.toPlainText()
    assert "Expected cash" in selling.dialog.text.toPlainText()
    selling.dialog.reject()
    press(qtbot, selling, Qt.Key.Key_F1)
    assert "F12" in selling.dialog.text.toPlainText()  # type: ignore[union-attr]


def test_search_results_follow_the_arrow_keys(qtbot: QtBot, selling: MainWindow) -> None:
    qtbot.keyClicks(selling.sale.search, "milk")
    assert selling.sale.results.isVisible()
    assert selling.sale.results.count() == 3
    qtbot.keyClick(selling.sale.search, Qt.Key.Key_Down)
    qtbot.keyClick(selling.sale.search, Qt.Key.Key_Down)
    picked = selling.sale.highlighted_result()
    qtbot.keyClick(selling.sale.search, Qt.Key.Key_Return)
    assert picked is not None
    assert selling.sale.model.row_at(0).name == picked.name
    qtbot.keyClicks(selling.sale.search, "zz")
    qtbot.keyClick(selling.sale.search, Qt.Key.Key_Escape)
    assert selling.sale.search.text() == ""
    assert not selling.sale.results.isVisible()


def test_void_sale_hold_errors_and_lock(qtbot: QtBot, selling: MainWindow, till: Till) -> None:
    press(qtbot, selling, Qt.Key.Key_F4)
    assert "nothing to hold" in selling.sale.banner.text()
    press(qtbot, selling, Qt.Key.Key_F6)
    assert "no items yet" in selling.sale.banner.text()
    press(qtbot, selling, Qt.Key.Key_F12)
    assert "Scan or search" in selling.sale.banner.text()
    press(qtbot, selling, Qt.Key.Key_F5)
    assert isinstance(selling.dialog, RecallDialog)
    assert "No sales are on hold" in selling.dialog.message.text()
    selling.dialog.reject()
    type_into(qtbot, selling.sale.search, ean13(1))
    press(qtbot, selling, Qt.Key.Key_Delete, CTRL)
    supervisor(qtbot, selling)
    assert selling.sale.model.rowCount() == 0
    press(qtbot, selling, Qt.Key.Key_L, CTRL)
    assert selling.stack.currentWidget() is selling.login
    assert selling.session is None


def test_a_scanner_feeds_the_sale_screen(qtbot: QtBot, selling: MainWindow) -> None:
    selling.scan(ean13(2))
    assert selling.sale.model.row_at(0).name == "Full cream milk 1 l"


def test_the_status_bar_shows_what_waits_to_be_sent(selling: MainWindow, till: Till) -> None:
    selling.refresh_status()
    text = selling.status.text()
    assert "Asha" in text
    assert "shift open since 10:00" in text
    assert "outbox" in text
    now = datetime(2026, 5, 9, 12, 0)
    assert _age(None, now) == ""
    assert _age(now - timedelta(seconds=30), now) == ", oldest under a minute"
    assert _age(now - timedelta(minutes=7), now) == ", oldest 7 min"
    assert _age(now - timedelta(hours=3), now) == ", oldest 3 h"


def test_the_idle_timer_locks_the_till(
    qtbot: QtBot, selling: MainWindow, till: Till, clock
) -> None:
    clock.advance(timedelta(seconds=till.settings.idle_lock_seconds))
    selling._tick()
    assert selling.stack.currentWidget() is selling.login


def test_typed_amounts_are_read_as_rupees() -> None:
    assert parse_money("₹1,234.50").paise == 123450
    assert parse_quantity(" 1.250 ") == Decimal("1.250")
    with pytest.raises(ValueError, match="in rupees"):
        parse_money("12.345")
    with pytest.raises(ValueError, match="as a number"):
        parse_quantity("Infinity")


def test_run_shows_the_window_and_closes_the_database_on_exit(qtbot: QtBot, till: Till) -> None:
    from desktop.ui.app import run
    from desktop.ui.qt import QApplication, QTimer

    shown: list[bool] = []

    def quit_soon() -> None:
        shown.extend(
            isinstance(w, MainWindow) and w.isVisible() for w in QApplication.topLevelWidgets()
        )
        app = QApplication.instance()
        assert app is not None
        app.quit()

    QTimer.singleShot(50, quit_soon)
    assert run(till) == 0
    assert any(shown)
    with pytest.raises(RuntimeError, match="closed"):
        till.store.write(lambda conn: None)
