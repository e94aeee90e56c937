"""The sale screen's layout: search/scan box, result list, cart table, big totals, F-keys.

This view only lays out and forwards keys; :class:`desktop.ui.main_window.MainWindow` decides
what each key does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop.domain.catalog import Item
from desktop.ui.models import CartModel
from desktop.ui.qt import (
    QAbstractItemView,
    QEvent,
    QFont,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QObject,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from shared.gst import Invoice
from shared.money import format_inr

__all__ = ("KEYS", "Key", "SaleView")


@dataclass(frozen=True, slots=True)
class Key:
    """One keyboard shortcut of the sale screen."""

    key: Qt.Key
    modifiers: Qt.KeyboardModifier
    label: str
    title: str
    action: str


_NONE = Qt.KeyboardModifier.NoModifier
_CTRL = Qt.KeyboardModifier.ControlModifier
_SHIFT = Qt.KeyboardModifier.ShiftModifier

KEYS: tuple[Key, ...] = (
    Key(Qt.Key.Key_F1, _NONE, "F1", "Help", "help"),
    Key(Qt.Key.Key_F1, _SHIFT, "Shift+F1", "Settings", "settings"),
    Key(Qt.Key.Key_F2, _NONE, "F2", "Search", "focus_search"),
    Key(Qt.Key.Key_F2, _SHIFT, "Shift+F2", "Stock/hold", "stock_hold"),
    Key(Qt.Key.Key_F3, _NONE, "F3", "Qty", "quantity"),
    Key(Qt.Key.Key_F4, _NONE, "F4", "Hold", "hold"),
    Key(Qt.Key.Key_F5, _NONE, "F5", "Recall", "recall"),
    Key(Qt.Key.Key_F6, _NONE, "F6", "Void line", "void_line"),
    Key(Qt.Key.Key_F7, _NONE, "F7", "Price", "override_price"),
    Key(Qt.Key.Key_F8, _NONE, "F8", "Discount", "line_discount"),
    Key(Qt.Key.Key_F8, _SHIFT, "Shift+F8", "Bill disc.", "bill_discount"),
    Key(Qt.Key.Key_F9, _NONE, "F9", "Customer", "customer"),
    Key(Qt.Key.Key_F10, _NONE, "F10", "Return", "returns"),
    Key(Qt.Key.Key_F11, _NONE, "F11", "Reprint", "reprint"),
    Key(Qt.Key.Key_F12, _NONE, "F12", "PAY", "tender"),
    Key(Qt.Key.Key_Delete, _CTRL, "Ctrl+Del", "Void sale", "void_sale"),
    Key(Qt.Key.Key_R, _CTRL, "Ctrl+R", "X report", "x_report"),
    Key(Qt.Key.Key_E, _CTRL, "Ctrl+E", "End shift", "close_shift"),
    Key(Qt.Key.Key_I, _CTRL, "Ctrl+I", "Cash in", "cash_in"),
    Key(Qt.Key.Key_O, _CTRL, "Ctrl+O", "Cash out", "cash_out"),
    Key(Qt.Key.Key_D, _CTRL, "Ctrl+D", "Drawer", "no_sale"),
    Key(Qt.Key.Key_L, _CTRL, "Ctrl+L", "Lock", "lock"),
    Key(Qt.Key.Key_P, _CTRL, "Ctrl+P", "Retry print", "retry_print"),
    Key(Qt.Key.Key_G, _CTRL, "Ctrl+G", "Scan picture", "scan_image"),
    Key(Qt.Key.Key_Escape, _NONE, "Esc", "Clear", "clear"),
)
"""Every shortcut, shown in the legend at the bottom of the screen and in F1 help."""


class SaleView(QWidget):
    """Layout of the sale screen. Emits :attr:`action` with a :class:`Key` action name."""

    action = Signal(str)
    entered = Signal(str)
    search_changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        big = QFont()
        big.setPointSize(30)
        big.setBold(True)
        mid = QFont()
        mid.setPointSize(14)
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setFont(mid)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Scan a barcode, or type a name / code (F2)")
        self.search.setFont(mid)
        self.results = QListWidget()
        self.results.setMaximumHeight(180)
        self.results.setVisible(False)
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.model = CartModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setFont(mid)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.total = QLabel("₹0.00")
        self.total.setFont(big)
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.breakdown = QLabel("")
        self.breakdown.setFont(mid)
        self.breakdown.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.customer = QLabel("")
        left = QVBoxLayout()
        for widget in (self.banner, self.search, self.results, self.table):
            left.addWidget(widget)
        right = QVBoxLayout()
        right.addWidget(QLabel("TOTAL"))
        right.addWidget(self.total)
        right.addWidget(self.breakdown)
        right.addWidget(self.customer)
        right.addStretch()
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(right, 1)
        legend = QGridLayout()
        for index, key in enumerate(KEYS):
            label = QLabel(f"<b>{key.label}</b> {key.title}")
            legend.addWidget(label, index // 12, index % 12)
        outer = QVBoxLayout(self)
        outer.addLayout(body)
        outer.addLayout(legend)
        # the line edit and table would eat Ctrl+Del, Ctrl+D, arrows…: catch them first
        self.search.installEventFilter(self)
        self.table.installEventFilter(self)
        self.search.returnPressed.connect(lambda: self.entered.emit(self.search.text()))
        self.search.textChanged.connect(self.search_changed.emit)

    # ------------------------------------------------------------------ display
    def show_error(self, text: str) -> None:
        """A red message the cashier can read from a distance."""
        self.banner.setStyleSheet("color: white; background: #b00020; padding: 6px;")
        self.banner.setText(text)

    def show_info(self, text: str) -> None:
        """A green confirmation."""
        self.banner.setStyleSheet("color: white; background: #1b5e20; padding: 6px;")
        self.banner.setText(text)

    def show_totals(self, invoice: Invoice, items: int) -> None:
        """Show the big total and its parts."""
        self.total.setText(format_inr(invoice.grand_total))
        discount = sum((line.discount.paise for line in invoice.lines), 0)
        self.breakdown.setText(
            f"{items} item line(s)\n"
            f"Discount {format_inr(type(invoice.grand_total)(discount))}\n"
            f"GST {format_inr(invoice.totals.tax)}\n"
            f"Round-off {format_inr(invoice.round_off)}"
        )

    def show_results(self, items: Sequence[Item]) -> None:
        """Show search results under the box (hidden when empty)."""
        self.results.clear()
        for item in items:
            entry = QListWidgetItem(
                f"{item.name}  ·  {item.code}  ·  {format_inr(item.unit_price)}"
            )
            entry.setData(Qt.ItemDataRole.UserRole, item)
            self.results.addItem(entry)
        self.results.setVisible(bool(items))

    def show_notice(self, text: str) -> None:
        """Show a line under the box instead of results (nothing to pick in it)."""
        self.results.clear()
        entry = QListWidgetItem(text)
        entry.setFlags(Qt.ItemFlag.NoItemFlags)
        self.results.addItem(entry)
        self.results.setVisible(True)

    def highlighted_result(self) -> Item | None:
        """The result the cashier moved to with ↓, if any."""
        current = self.results.currentItem()
        if current is None or not self.results.isVisible():
            return None
        item: Item = current.data(Qt.ItemDataRole.UserRole)
        return item

    def first_result(self) -> Item | None:
        """The top search result, if any."""
        if not self.results.isVisible() or self.results.count() == 0:
            return None
        first = self.results.item(0)
        assert first is not None
        item: Item = first.data(Qt.ItemDataRole.UserRole)
        return item

    def selected_line(self) -> int | None:
        """The cart line the cashier selected, or the last line."""
        rows = self.model.rowCount()
        if rows == 0:
            return None
        current = self.table.currentIndex()
        row = current.row() if current.isValid() else rows - 1
        return self.model.row_at(row).line_no

    # ------------------------------------------------------------------ keys
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Handle shortcut keys before the search box or the table sees them."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self._handle_key(event)
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Keys that reach the screen itself."""
        if not self._handle_key(event):
            super().keyPressEvent(event)

    def _handle_key(self, event: QKeyEvent) -> bool:
        """Map function keys to actions; ↑/↓ move through results or cart lines."""
        key = event.key()
        mods = event.modifiers() & (_CTRL | _SHIFT)
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.isVisible():
            step = 1 if key == Qt.Key.Key_Down else -1
            row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
            self.results.setCurrentRow(row)
            return True
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.model.rowCount():
            current = self.table.currentIndex().row()
            step = 1 if key == Qt.Key.Key_Down else -1
            row = max(0, min(self.model.rowCount() - 1, current + step))
            self.table.selectRow(row)
            return True
        for shortcut in KEYS:
            if shortcut.key == key and shortcut.modifiers == mods:
                self.action.emit(shortcut.action)
                return True
        return False
