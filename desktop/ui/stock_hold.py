"""The stock screen (Shift+F2): how many are here, and holding some for a customer.

:class:`StockHoldDialog` shows one product's on hand, reserved and available stock in big
numbers, holds a quantity for a customer (a name or phone as the reference) and releases a
hold. Every server call runs on a background thread (as the enrolment screen does); the
answer comes back to the GUI thread through a queued signal, so the window never freezes
while the network is slow. Offline it says so plainly; the sale in progress is not touched.

Keys: Enter in the product box looks the product up (a name, code or barcode) and checks
it; Enter in the quantity, customer or hours box holds; F5 checks again; in the list of
holds ↑/↓ pick one and Delete releases it; Esc closes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from desktop.domain.catalog import Item
from desktop.errors import TillError
from desktop.services.context import log
from desktop.services.stock_hold import (
    Checked,
    Held,
    HoldRecord,
    Offline,
    Refused,
    Released,
    StockHolds,
    quantity_text,
)
from desktop.ui.qt import (
    QDialog,
    QEvent,
    QFont,
    QFormLayout,
    QGridLayout,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QObject,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

__all__ = ("Answer", "StockHoldDialog")

_RED = "color: white; background: #b00020; padding: 6px;"
_GREEN = "color: white; background: #1b5e20; padding: 6px;"
_AMBER = "color: black; background: #ffb300; padding: 6px;"
_GREY = "padding: 6px;"


@dataclass(frozen=True, slots=True)
class Answer:
    """What one background job brought back.

    Attributes:
        outcome: the main result (a check, hold or release), or the error that escaped.
        level: a stock check made after a hold or release, if any.
        holds: the product's holds after the job, or why they could not be listed.
    """

    outcome: object
    level: Checked | Refused | Offline | None = None
    holds: list[HoldRecord] | Refused | Offline | None = None


class StockHoldDialog(QDialog):
    """One product's stock at this store, and its customer holds.

    Args:
        parent: the main window.
        stock: the stock-hold service.
        item: the product to check at once (the cart's selected line), or ``None``.
        find: items matching what the cashier typed (name, code or barcode), best first.
    """

    answered = Signal(object)
    """An :class:`Answer`, re-emitted on the GUI thread."""

    def __init__(
        self,
        parent: QWidget | None,
        stock: StockHolds,
        item: Item | None,
        find: Callable[[str], Sequence[Item]],
    ) -> None:
        super().__init__(parent)
        self.stock = stock
        self.item = item
        self._find = find
        self.worker_thread: threading.Thread | None = None
        self.setWindowTitle("Stock and holds")
        self.setModal(True)
        layout = QVBoxLayout(self)
        mid = QFont()
        mid.setPointSize(14)
        big = QFont()
        big.setPointSize(36)
        big.setBold(True)
        self.product = QLineEdit(item.name if item else "")
        self.product.setPlaceholderText("Product name, code or barcode, then Enter")
        self.product.setFont(mid)
        layout.addWidget(self.product)
        self.title = QLabel("")
        self.title.setFont(mid)
        layout.addWidget(self.title)
        grid = QGridLayout()
        self.on_hand = QLabel("—")
        self.reserved = QLabel("—")
        self.available = QLabel("—")
        for column, (caption, label) in enumerate(
            (("ON HAND", self.on_hand), ("RESERVED", self.reserved), ("AVAILABLE", self.available))
        ):
            head = QLabel(caption)
            head.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setFont(big)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(head, 0, column)
            grid.addWidget(label, 1, column)
        layout.addLayout(grid)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setFont(mid)
        layout.addWidget(self.message)
        form = QFormLayout()
        self.quantity = QLineEdit("1")
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("Customer name or phone")
        self.hours = QLineEdit(_hours_text(stock.default_ttl))
        form.addRow("Hold quantity", self.quantity)
        form.addRow("For customer", self.reference)
        form.addRow("Hold for (hours)", self.hours)
        layout.addLayout(form)
        layout.addWidget(QLabel("Holds on this product (Delete releases the highlighted one):"))
        self.holds_list = QListWidget()
        self.holds_list.setMaximumHeight(140)
        layout.addWidget(self.holds_list)
        layout.addWidget(
            QLabel("Enter: check / hold · F5: check again · Delete: release · Esc: close")
        )
        self.product.returnPressed.connect(self.look_up)
        for edit in (self.quantity, self.reference, self.hours):
            edit.returnPressed.connect(self.hold)
        self.holds_list.installEventFilter(self)
        self.answered.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._first = self.quantity if item is not None else self.product
        if item is not None:
            self.check()
            self.quantity.selectAll()
        else:
            self._say("Type a product name, code or barcode and press Enter.", _GREY)

    # ------------------------------------------------------------------ state
    @property
    def busy(self) -> bool:
        """Whether a request is on its way to the server."""
        return self.worker_thread is not None and self.worker_thread.is_alive()

    def wait(self, timeout: float = 10.0) -> None:
        """Wait for the background request to end (tests, and closing)."""
        if self.worker_thread is not None:
            self.worker_thread.join(timeout)

    def _say(self, text: str, style: str) -> None:
        self.message.setStyleSheet(style)
        self.message.setText(text)

    def _start(self, work: Callable[[], Answer]) -> bool:
        if self.busy:
            self._say("Still waiting for the server's answer…", _AMBER)
            return False

        def run() -> None:
            try:
                answer = work()
            except Exception as exc:  # never let a surprise kill the thread silently
                log.exception("stock request failed")
                answer = Answer(exc)
            with contextlib.suppress(RuntimeError):  # the dialog was closed and deleted
                self.answered.emit(answer)

        self._say("Asking the server…", _GREY)
        self.worker_thread = threading.Thread(target=run, name="galla-stock", daemon=True)
        self.worker_thread.start()
        return True

    # ------------------------------------------------------------------ actions
    def look_up(self) -> None:
        """Find the product the cashier typed and check its stock."""
        text = self.product.text().strip()
        if not text:
            self._say("Type a product name, code or barcode.", _RED)
            return
        if self.item is not None and text == self.item.name:
            self.check()
            return
        found = list(self._find(text))
        if not found:
            self._say(f"No product matches {text!r}.", _RED)
            self.product.selectAll()
            return
        self.item = found[0]
        self.product.setText(self.item.name)
        self.check()
        self.quantity.setFocus()
        self.quantity.selectAll()

    def scanned(self, code: str) -> None:
        """A barcode from the scanner: look that product up, whichever box has focus."""
        self.product.setText(code)
        self.look_up()

    def check(self) -> None:
        """Ask the server for the product's stock and holds (off the GUI thread)."""
        item = self.item
        if item is None:
            self._say("Pick a product first: type its name and press Enter.", _RED)
            return
        self.title.setText(f"{item.name} · {item.code}")
        stock = self.stock
        self._start(lambda: Answer(stock.check(item.item_id), holds=stock.holds(item.item_id)))

    def hold(self) -> None:
        """Hold the typed quantity for the typed customer (off the GUI thread)."""
        item = self.item
        if item is None:
            self._say("Pick a product first: type its name and press Enter.", _RED)
            self.product.setFocus()
            return
        try:
            quantity = Decimal(self.quantity.text().strip())
            hours = Decimal(self.hours.text().strip() or "0")
        except InvalidOperation:
            self._say("Type the quantity and the hours as numbers, like 2 or 1.5.", _RED)
            return
        if not hours.is_finite():
            self._say("Type the hours as a number, like 2 or 1.5.", _RED)
            return
        try:
            request = self.stock.request(
                item.item_id,
                quantity,
                self.reference.text(),
                # the service names a time out of range; min() only keeps timedelta finite
                timedelta(seconds=int(min(hours, Decimal(10**6)) * 3600)),
                weighed=item.weighed,
            )
        except TillError as exc:  # InvalidHold: nothing was sent
            self._say(str(exc), _RED)
            return
        stock = self.stock

        def work() -> Answer:
            outcome = stock.hold(request)
            if isinstance(outcome, Offline):
                return Answer(outcome)
            return Answer(outcome, stock.check(item.item_id), stock.holds(item.item_id))

        self._start(work)

    def release_selected(self) -> None:
        """Release the hold highlighted in the list (off the GUI thread)."""
        current = self.holds_list.currentItem()
        if current is None:
            self._say("Pick a hold in the list first (↑/↓), then press Delete.", _RED)
            return
        record: HoldRecord = current.data(Qt.ItemDataRole.UserRole)
        item = self.item
        stock = self.stock

        def work() -> Answer:
            outcome = stock.release(record.hold_id)
            if isinstance(outcome, Offline) or item is None:
                return Answer(outcome)
            return Answer(outcome, stock.check(item.item_id), stock.holds(item.item_id))

        self._start(work)

    # ------------------------------------------------------------------ answers
    def _show(self, answer: Answer) -> None:
        outcome = answer.outcome
        if isinstance(outcome, Checked):
            self._show_level(outcome)
        elif isinstance(outcome, Held | Released):
            self._say(outcome.message, _GREEN)
            if isinstance(outcome, Held):
                self.reference.clear()
            if isinstance(answer.level, Checked):
                self._show_level(answer.level, say=False)
        elif isinstance(outcome, Refused):
            self._say(outcome.message, _RED)
            if outcome.available is not None:
                self.available.setText(quantity_text(outcome.available))
        elif isinstance(outcome, Offline):
            self._show_offline(outcome)
        else:
            self._say(f"The stock check failed: {outcome}. Selling goes on.", _RED)
        if isinstance(answer.holds, list):
            self._show_holds(answer.holds)

    def _show_level(self, checked: Checked, *, say: bool = True) -> None:
        level = checked.level
        self.on_hand.setText(quantity_text(level.on_hand))
        self.reserved.setText(quantity_text(level.reserved))
        self.available.setText(quantity_text(level.available))
        if say:
            self._say(checked.message, _GREEN if level.available > 0 else _AMBER)

    def _show_offline(self, offline: Offline) -> None:
        for label in (self.on_hand, self.reserved, self.available):
            label.setText("—")
        self._say(offline.message, _AMBER)
        self.message.setToolTip(offline.reason)

    def _show_holds(self, holds: list[HoldRecord]) -> None:
        self.holds_list.clear()
        item = self.item
        for record in holds:
            quantity = record.quantity_of(item.item_id) if item else record.quantity
            when = self.stock.local_time(record.expires_at)
            entry = QListWidgetItem(
                f"{quantity_text(quantity)} for {record.reference} · until {when:%d %b %H:%M}"
            )
            entry.setData(Qt.ItemDataRole.UserRole, record)
            self.holds_list.addItem(entry)
        if holds:
            self.holds_list.setCurrentRow(0)

    # ------------------------------------------------------------------ keys
    def showEvent(self, event: Any) -> None:  # noqa: N802
        """Start in the quantity box when a product is known, else in the product box."""
        super().showEvent(event)
        self._first.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """F5 checks again; the rest as any dialog (Esc closes)."""
        if event.key() == Qt.Key.Key_F5:
            self.check()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Delete in the list of holds releases the highlighted one."""
        if (
            watched is self.holds_list
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Delete
        ):
            self.release_selected()
            return True
        return super().eventFilter(watched, event)


def _hours_text(ttl: timedelta) -> str:
    hours = Decimal(int(ttl.total_seconds())) / 3600
    return quantity_text(hours.quantize(Decimal("0.01")))
