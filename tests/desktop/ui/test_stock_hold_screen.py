"""The stock screen (Shift+F2), driven by keyboard through the real window, on a fake server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from pytestqt.qtbot import QtBot

from desktop.bootstrap import Till
from desktop.demo import demo_items, ean13
from desktop.services.fakes import FakeClock
from desktop.services.stock_hold import (
    OFFLINE_MESSAGE,
    FakeStockServer,
    HoldRecord,
    HoldRequest,
    StockHolds,
)
from desktop.ui.dialogs import ReportDialog, TenderDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.qt import QApplication, QLabel, Qt
from desktop.ui.stock_hold import StockHoldDialog
from shared.ids import IdFactory

from .conftest import log_in, open_shift, press, type_into

pytestmark = pytest.mark.qt
SHIFT = Qt.KeyboardModifier.ShiftModifier
FIRST = next(item for item, _ in demo_items())  # ean13(1)
SECOND = [item for item, _ in demo_items()][1]  # ean13(2)
ASKING = "Asking the server…"


class SlowServer(FakeStockServer):
    """A fake whose calls wait until the test lets them through (a slow network)."""

    def __init__(self, clock: FakeClock, on_hand: dict[str, Decimal]) -> None:
        super().__init__(clock, on_hand=on_hand)
        self.gate = threading.Event()

    def reserve(self, request: HoldRequest) -> HoldRecord:
        assert self.gate.wait(10)
        return super().reserve(request)


@pytest.fixture
def server(clock: FakeClock) -> FakeStockServer:
    return FakeStockServer(clock, on_hand={FIRST.item_id: Decimal(5), SECOND.item_id: Decimal(1)})


def holds_on(server: FakeStockServer, till: Till, clock: FakeClock) -> StockHolds:
    counter = iter(range(1, 1_000_000))
    ids = IdFactory(
        clock_ms=lambda: int(clock.now().timestamp() * 1000),
        entropy=lambda n: next(counter).to_bytes(n, "big"),
    )
    return StockHolds(server, store_id=till.settings.store_id, ids=ids, clock=clock)


@pytest.fixture
def selling(
    qtbot: QtBot, window: MainWindow, server: FakeStockServer, clock: FakeClock
) -> Iterator[MainWindow]:
    window.till.stock = holds_on(server, window.till, clock)
    log_in(qtbot, window)
    open_shift(qtbot, window)
    yield window
    if isinstance(window.dialog, StockHoldDialog):
        window.dialog.wait()


def stock_screen(qtbot: QtBot, window: MainWindow) -> StockHoldDialog:
    press(qtbot, window, Qt.Key.Key_F2, SHIFT)
    dialog = window.dialog
    assert isinstance(dialog, StockHoldDialog)
    return dialog


def until(condition: Callable[[], bool], seconds: float = 3.0) -> None:
    """Run the Qt event loop until ``condition`` holds.

    Plain ``processEvents`` rather than ``qtbot.waitUntil``: once a test in the same process
    has run ``app.exec()`` with a window shown (test_more_keys runs the real ``run()``),
    ``QTest.qWait`` stops delivering posted events and timers, while ``processEvents`` goes on.
    """
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the screen did not get there in time"
        QApplication.processEvents()
        time.sleep(0.005)


def settle(qtbot: QtBot, dialog: StockHoldDialog) -> None:
    """Let the background request finish and its answer reach the screen."""
    dialog.wait()
    until(lambda: dialog.message.text() != ASKING)


def numbers(dialog: StockHoldDialog) -> tuple[str, str, str]:
    return dialog.on_hand.text(), dialog.reserved.text(), dialog.available.text()


def test_shift_f2_checks_the_selected_line_then_holds_and_releases_by_keyboard(
    qtbot: QtBot, selling: MainWindow, server: FakeStockServer
) -> None:
    type_into(qtbot, selling.sale.search, ean13(1))
    dialog = stock_screen(qtbot, selling)
    settle(qtbot, dialog)
    assert numbers(dialog) == ("5", "0", "5")
    assert dialog.message.text() == "5 available to sell or hold."
    assert dialog.title.text() == f"{FIRST.name} · {FIRST.code}"
    until(lambda: QApplication.focusWidget() is dialog.quantity)
    type_into(qtbot, dialog.quantity, "2", enter=False)  # replaces the selected "1"
    qtbot.keyClick(dialog.quantity, Qt.Key.Key_Tab)
    type_into(qtbot, dialog.reference, "Mrs Rao")
    settle(qtbot, dialog)
    assert dialog.message.text() == "Held 2 for Mrs Rao until 12:00."
    assert numbers(dialog) == ("5", "2", "3")
    assert dialog.holds_list.count() == 1
    assert dialog.holds_list.item(0).text().startswith("2 for Mrs Rao · until ")
    assert dialog.reference.text() == ""
    [record] = server.records.values()
    assert (record.reference, record.quantity_of(FIRST.item_id)) == ("Mrs Rao", Decimal(2))
    dialog.holds_list.setFocus()
    qtbot.keyClick(dialog.holds_list, Qt.Key.Key_Delete)
    settle(qtbot, dialog)
    assert dialog.message.text() == "Released the hold for Mrs Rao: the stock is free again."
    assert numbers(dialog) == ("5", "0", "5")
    assert dialog.holds_list.count() == 0
    qtbot.keyClick(dialog, Qt.Key.Key_F5)
    settle(qtbot, dialog)
    assert dialog.message.text() == "5 available to sell or hold."
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert selling.dialog is None
    assert selling.session is not None
    assert len(selling.session.cart.lines) == 1


def test_holding_more_than_there_is_says_how_many_are_available(
    qtbot: QtBot, selling: MainWindow, server: FakeStockServer
) -> None:
    type_into(qtbot, selling.sale.search, ean13(1))
    dialog = stock_screen(qtbot, selling)
    settle(qtbot, dialog)
    dialog.quantity.clear()
    qtbot.keyClicks(dialog.quantity, "9")
    dialog.reference.setFocus()
    type_into(qtbot, dialog.reference, "9876543210")
    settle(qtbot, dialog)
    assert dialog.message.text() == "Only 5 available; cannot hold 9."
    assert dialog.available.text() == "5"
    assert server.records == {}


def test_offline_it_says_so_and_the_sale_still_goes_through(
    qtbot: QtBot, selling: MainWindow, server: FakeStockServer
) -> None:
    server.offline = True
    type_into(qtbot, selling.sale.search, ean13(1))
    dialog = stock_screen(qtbot, selling)
    settle(qtbot, dialog)
    assert dialog.message.text() == OFFLINE_MESSAGE
    assert "fake is offline" in dialog.message.toolTip()
    assert numbers(dialog) == ("—", "—", "—")
    type_into(qtbot, dialog.reference, "Mrs Rao")
    settle(qtbot, dialog)
    assert dialog.message.text() == OFFLINE_MESSAGE
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    press(qtbot, selling, Qt.Key.Key_F12)
    tender = selling.dialog
    assert isinstance(tender, TenderDialog)
    qtbot.keyClick(tender.cash, Qt.Key.Key_Return)  # exact cash
    assert selling.dialog is None
    assert "saved" in selling.sale.banner.text()
    assert selling.till.store.outbox_stats().pending > 0


def test_with_an_empty_cart_the_product_is_searched_by_name(
    qtbot: QtBot, selling: MainWindow, server: FakeStockServer
) -> None:
    dialog = stock_screen(qtbot, selling)
    until(lambda: QApplication.focusWidget() is dialog.product)
    assert "Type a product name" in dialog.message.text()
    type_into(qtbot, dialog.product, "no such thing here")
    assert dialog.message.text() == "No product matches 'no such thing here'."
    assert server.calls == []
    dialog.quantity.setFocus()
    type_into(qtbot, dialog.reference, "Asha")
    assert dialog.message.text().startswith("Pick a product first")
    dialog.product.clear()
    type_into(qtbot, dialog.product, SECOND.name.split()[0])
    settle(qtbot, dialog)
    assert dialog.item == SECOND
    assert numbers(dialog) == ("1", "0", "1")
    assert dialog.message.text() == "1 available to sell or hold."


def test_a_scan_while_the_screen_is_open_picks_that_product(
    qtbot: QtBot, selling: MainWindow
) -> None:
    type_into(qtbot, selling.sale.search, ean13(1))
    dialog = stock_screen(qtbot, selling)
    settle(qtbot, dialog)
    selling.scan(ean13(2))  # focus is in the quantity box: the scan must not land there
    settle(qtbot, dialog)
    assert dialog.item == SECOND
    assert dialog.quantity.text() == "1"
    assert numbers(dialog) == ("1", "0", "1")
    assert selling.session is not None
    assert len(selling.session.cart.lines) == 1


def test_bad_input_is_named_in_the_screen_and_nothing_is_sent(
    qtbot: QtBot, selling: MainWindow, server: FakeStockServer
) -> None:
    type_into(qtbot, selling.sale.search, ean13(1))
    dialog = stock_screen(qtbot, selling)
    settle(qtbot, dialog)
    sent = list(server.calls)
    type_into(qtbot, dialog.quantity, "")  # no customer yet
    assert dialog.message.text() == "Type the customer's name or phone number for the hold."
    dialog.quantity.setText("two")
    type_into(qtbot, dialog.reference, "Asha")
    assert dialog.message.text() == "Type the quantity and the hours as numbers, like 2 or 1.5."
    dialog.quantity.setText("1.5")
    qtbot.keyClick(dialog.reference, Qt.Key.Key_Return)
    assert dialog.message.text() == "This item is sold by the piece: hold a whole number."
    dialog.quantity.setText("1")
    dialog.hours.setText("500")
    qtbot.keyClick(dialog.hours, Qt.Key.Key_Return)
    assert dialog.message.text() == "A hold lasts from one minute to seven days."
    assert server.calls == sent
    assert not dialog.busy


def test_the_window_stays_responsive_while_the_server_is_slow(
    qtbot: QtBot, window: MainWindow, clock: FakeClock
) -> None:
    slow = SlowServer(clock, {FIRST.item_id: Decimal(5)})
    window.till.stock = holds_on(slow, window.till, clock)
    log_in(qtbot, window)
    open_shift(qtbot, window)
    type_into(qtbot, window.sale.search, ean13(1))
    dialog = stock_screen(qtbot, window)
    settle(qtbot, dialog)
    try:
        dialog.reference.setFocus()
        type_into(qtbot, dialog.reference, "Mrs Rao")
        assert dialog.busy
        assert dialog.message.text() == ASKING
        # the GUI thread is free: keys still land and a second Enter is turned away politely
        qtbot.keyClicks(dialog.hours, "5")
        assert dialog.hours.text() == "25"
        qtbot.keyClick(dialog.reference, Qt.Key.Key_Return)
        assert dialog.message.text() == "Still waiting for the server's answer…"
    finally:
        slow.gate.set()
    settle(qtbot, dialog)
    until(lambda: dialog.message.text().startswith("Held 1 for Mrs Rao"))
    assert len(slow.records) == 1


def test_a_retry_after_a_lost_answer_holds_once(
    qtbot: QtBot, selling: MainWindow, server: FakeStockServer
) -> None:
    type_into(qtbot, selling.sale.search, ean13(1))
    dialog = stock_screen(qtbot, selling)
    settle(qtbot, dialog)
    server.lose_next_answer = True
    dialog.reference.setFocus()
    type_into(qtbot, dialog.reference, "Mrs Rao")
    settle(qtbot, dialog)
    assert dialog.message.text() == OFFLINE_MESSAGE
    assert dialog.reference.text() == "Mrs Rao"  # kept, so Enter again retries the same ask
    qtbot.keyClick(dialog.reference, Qt.Key.Key_Return)
    settle(qtbot, dialog)
    assert dialog.message.text() == "Held 1 for Mrs Rao until 12:00."
    reserves = [c for c in server.calls if c[0] == "reserve"]
    assert len(reserves) == 2
    assert reserves[0] == reserves[1]
    assert len(server.records) == 1
    assert numbers(dialog) == ("5", "1", "4")


def test_the_key_is_in_f1_help_and_in_the_legend(qtbot: QtBot, selling: MainWindow) -> None:
    press(qtbot, selling, Qt.Key.Key_F1)
    help_dialog = selling.dialog
    assert isinstance(help_dialog, ReportDialog)
    assert "Shift+F2   Stock/hold" in help_dialog.text.toPlainText()
    legend = [label.text() for label in selling.sale.findChildren(QLabel)]
    assert "<b>Shift+F2</b> Stock/hold" in legend


def test_without_a_stock_service_the_key_says_so(qtbot: QtBot, selling: MainWindow) -> None:
    selling.till.stock = None
    press(qtbot, selling, Qt.Key.Key_F2, SHIFT)
    assert selling.dialog is None
    assert selling.sale.banner.text() == "Stock checks are not set up on this till."
