"""What a cashier sees when something is wrong, and that nothing was changed by it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import barcode
import pytest
from barcode.writer import ImageWriter
from PIL import Image
from pytestqt.qtbot import QtBot

from desktop.bootstrap import Till
from desktop.demo import ean13
from desktop.services.fakes import FakeClock, FakeDrawer, FakePrinter
from desktop.ui.dialogs import AmountDialog, HistoryDialog, PinDialog, ReturnDialog, TenderDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.qt import Qt
from shared.barcode import gs1_check_digit

from .conftest import SUPERVISOR, log_in, open_shift, press, type_into

pytestmark = pytest.mark.qt
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def selling(qtbot: QtBot, window: MainWindow) -> MainWindow:
    log_in(qtbot, window)
    open_shift(qtbot, window)
    return window


def stored(till: Till) -> tuple[int, int, int]:
    """Documents, outbox events and audit entries: what 'changes nothing' is checked on."""
    return (
        len(till.store.recent_documents(1000)),
        len(till.store.outbox_events()),
        len(till.store.audit_entries()),
    )


def test_a_bad_scan_from_the_scanner_changes_nothing_and_the_next_scan_works(
    selling: MainWindow, till: Till
) -> None:
    before = stored(till)
    good = ean13(5)
    selling.scan(good[:-1] + str((int(good[-1]) + 3) % 10))
    assert "check digit" in selling.sale.banner.text()
    unknown = "890999999999" + str(gs1_check_digit("890999999999"))
    selling.scan(unknown)
    assert f"No item has the code '{unknown}'" in selling.sale.banner.text()
    assert selling.sale.model.rowCount() == 0
    assert selling.sale.search.text() == "", "a failed scan never prefixes the next one"
    assert stored(till) == before
    selling.scan(good)
    assert selling.sale.model.row_at(0).name == "Paneer 200 g"


def test_a_session_that_expired_while_paying_stores_nothing_and_keeps_the_sale(
    qtbot: QtBot, selling: MainWindow, till: Till, clock: FakeClock
) -> None:
    type_into(qtbot, selling.sale.search, ean13(9))
    press(qtbot, selling, Qt.Key.Key_F12)
    tender = selling.dialog
    assert isinstance(tender, TenderDialog)
    before = stored(till)
    clock.advance(timedelta(seconds=till.settings.idle_lock_seconds + 5))
    qtbot.keyClick(tender.cash, Qt.Key.Key_Return)
    assert selling.stack.currentWidget() is selling.login
    assert "idle" in selling.login.message.text()
    documents = stored(till)[0]
    assert documents == before[0], "no sale was completed by the locked till"
    kinds = [e.payload.action for e in till.store.outbox_events()[before[1] :]]  # type: ignore[union-attr]
    assert kinds == ["logout"], "only the lock itself is recorded"
    [held] = till.store.held_sales()
    assert "held when the till locked" in held.label


def test_a_return_larger_than_the_sale_stores_nothing(
    qtbot: QtBot, selling: MainWindow, till: Till
) -> None:
    type_into(qtbot, selling.sale.search, ean13(9))
    press(qtbot, selling, Qt.Key.Key_F12)
    qtbot.keyClick(selling.dialog.cash, Qt.Key.Key_Return)  # type: ignore[union-attr]
    [sale] = till.store.recent_documents()
    till.returns.issue(
        sale.number, {1: Decimal(1)}, cashier=SUPERVISOR, approver=None, reason="damaged"
    )
    before = stored(till)
    press(qtbot, selling, Qt.Key.Key_F10)
    returns = selling.dialog
    assert isinstance(returns, ReturnDialog)
    type_into(qtbot, returns.number, sale.number)
    assert returns.table.item(0, 3).text() == "0"  # type: ignore[union-attr]
    returns.set_quantity(0, "1")
    qtbot.keyClick(returns.reason, Qt.Key.Key_Return)
    assert returns.message.text() == (
        "Only 0 pcs of Sona masoori rice 5 kg can be returned (1 sold, 1 already returned)."
    )
    assert selling.pin_dialog is None
    returns.set_quantity(0, "abc")
    qtbot.keyClick(returns.reason, Qt.Key.Key_Return)
    assert "as a number" in returns.message.text()
    assert stored(till) == before


def test_a_reprint_on_a_dead_printer_says_so_and_the_receipt_stays_in_history(
    qtbot: QtBot, selling: MainWindow, till: Till, printer: FakePrinter
) -> None:
    type_into(qtbot, selling.sale.search, ean13(1))
    press(qtbot, selling, Qt.Key.Key_F12)
    printer.offline = True
    qtbot.keyClick(selling.dialog.cash, Qt.Key.Key_Return)  # type: ignore[union-attr]
    banner = selling.sale.banner.text()
    assert "saved" in banner
    assert "The receipt did not print (printer is offline)" in banner
    assert "reprint it from history" in banner
    printer.offline = False
    press(qtbot, selling, Qt.Key.Key_F11)
    history = selling.dialog
    assert isinstance(history, HistoryDialog)
    qtbot.keyClick(history.value, Qt.Key.Key_Return)
    assert printer.receipts[-1][1] is True, "the reprint is marked DUPLICATE"
    assert [e.action for e in till.store.audit_entries()][-1] == "receipt_reprinted"


def test_a_drawer_that_does_not_open_never_loses_the_sale(
    qtbot: QtBot, selling: MainWindow, till: Till, drawer: FakeDrawer
) -> None:
    drawer.broken = True
    type_into(qtbot, selling.sale.search, ean13(1))
    press(qtbot, selling, Qt.Key.Key_F12)
    qtbot.keyClick(selling.dialog.cash, Qt.Key.Key_Return)  # type: ignore[union-attr]
    assert "The drawer did not open (drawer is not connected). The sale is saved." in (
        selling.sale.banner.text()
    )
    assert len(till.store.recent_documents()) == 1


def test_actions_on_an_empty_sale_are_explained(
    qtbot: QtBot, selling: MainWindow, till: Till
) -> None:
    before = stored(till)
    press(qtbot, selling, Qt.Key.Key_F12)
    assert "Scan or search an item first." in selling.sale.banner.text()
    press(qtbot, selling, Qt.Key.Key_F4)
    assert "There is nothing to hold." in selling.sale.banner.text()
    press(qtbot, selling, Qt.Key.Key_Delete, CTRL)
    assert "There is no sale to void." in selling.sale.banner.text()
    press(qtbot, selling, Qt.Key.Key_F6)
    assert "The sale has no items yet." in selling.sale.banner.text()
    assert selling.dialog is None
    assert stored(till) == before


def test_a_scan_while_a_pin_prompt_is_open_is_never_taken_as_a_pin(
    qtbot: QtBot, selling: MainWindow, till: Till
) -> None:
    type_into(qtbot, selling.sale.search, ean13(1))
    press(qtbot, selling, Qt.Key.Key_F6)  # void line: asks for a supervisor
    pin = selling.pin_dialog
    assert isinstance(pin, PinDialog)
    selling.scan(ean13(2))
    assert pin.pin.text() == ""
    assert pin.message.text() == ""
    assert all(record.failed_attempts == 0 for record in till.store.user_records())
    assert selling.sale.model.rowCount() == 1


def test_ctrl_g_reads_a_barcode_from_a_picture_into_the_cart(
    qtbot: QtBot, selling: MainWindow, tmp_path: Path
) -> None:
    picture = tmp_path / "snap.png"
    code = ean13(9)
    barcode.get("ean13", code[:12], writer=ImageWriter()).render().save(picture)
    press(qtbot, selling, Qt.Key.Key_G, CTRL)
    dialog = selling.dialog
    assert isinstance(dialog, AmountDialog)
    type_into(qtbot, dialog.value, str(tmp_path / "missing.png"))
    assert "Cannot read the picture" in dialog.message.text()
    dialog.value.clear()
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 120), 255).save(blank)
    type_into(qtbot, dialog.value, str(blank))
    assert "No barcode was found in that picture" in dialog.message.text()
    dialog.value.clear()
    type_into(qtbot, dialog.value, str(picture))
    qtbot.waitUntil(lambda: selling.sale.model.rowCount() == 1)
    assert selling.sale.model.row_at(0).name == "Sona masoori rice 5 kg"
