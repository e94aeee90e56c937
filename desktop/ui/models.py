"""Qt item models that adapt plain values: the cart table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from desktop.domain.cart import Cart
from desktop.ui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from shared.gst import Invoice
from shared.money import format_inr

__all__ = ("CartModel", "CartRow", "cart_rows")

_HEADERS = ("#", "Item", "Qty", "Price", "Discount", "Amount")


@dataclass(frozen=True, slots=True)
class CartRow:
    """One row of the cart table, already formatted for display."""

    line_no: int
    name: str
    quantity: str
    price: str
    discount: str
    amount: str


def cart_rows(cart: Cart, invoice: Invoice) -> list[CartRow]:
    """Format the cart's lines with the amounts GST worked out for them."""
    rows = []
    for line, computed in zip(cart.lines, invoice.lines, strict=True):
        qty = f"{line.quantity.normalize():f}" + (f" {line.item.unit}" if line.item.weighed else "")
        rows.append(
            CartRow(
                line_no=line.line_no,
                name=line.item.name + (" *" if line.price_overridden_by else ""),
                quantity=qty,
                price=format_inr(line.unit_price),
                discount=format_inr(computed.discount) if computed.discount else "",
                amount=format_inr(computed.gross),
            )
        )
    return rows


class CartModel(QAbstractTableModel):
    """The cart as a read-only table; :meth:`set_rows` replaces it all."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[CartRow] = []

    def set_rows(self, rows: Sequence[CartRow]) -> None:
        """Show ``rows`` instead of what was shown."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> CartRow:
        """The row at a table position."""
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Number of cart lines."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Number of columns."""
        return 0 if parent.isValid() else len(_HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        """Cell text, right-aligned for numbers."""
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(row.line_no),
                row.name,
                row.quantity,
                row.price,
                row.discount,
                row.amount,
            )[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> Any:
        """Column titles."""
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _HEADERS[section]
        return None
