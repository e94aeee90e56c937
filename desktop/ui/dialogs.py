"""The till's dialogs. Each opens non-blocking (``open()``) and reports through signals.

Dialogs decide nothing: they collect what the cashier typed and show the message of any
error the services raise, staying open so the cashier can correct it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from desktop.domain.document import SaleDocument
from desktop.domain.shift import DENOMINATIONS
from desktop.domain.tender import Method, Payment
from desktop.services.history import HistoryEntry
from desktop.services.ports import HeldSale
from desktop.ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QEvent,
    QFont,
    QFormLayout,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QObject,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from shared.errors import MoneyError
from shared.money import Money, format_inr

__all__ = (
    "AmountDialog",
    "CloseShiftDialog",
    "CustomerDialog",
    "HistoryDialog",
    "PinDialog",
    "RecallDialog",
    "ReportDialog",
    "ReturnDialog",
    "TenderDialog",
    "parse_money",
    "parse_quantity",
)


def parse_money(text: str, what: str = "amount") -> Money:
    """Read rupees typed by the cashier (``"120"``, ``"99.50"``).

    Raises:
        ValueError: not an amount, with a message for the cashier.
    """
    try:
        return Money.of_rupees(text.strip().replace(",", "").removeprefix("₹"))
    except MoneyError:
        raise ValueError(f"Type the {what} in rupees, like 120 or 99.50.") from None


def parse_quantity(text: str) -> Decimal:
    """Read a quantity typed by the cashier (``"2"``, ``"1.250"``).

    Raises:
        ValueError: not a number.
    """
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("Type the quantity as a number, like 2 or 1.250.") from None
    if not value.is_finite():
        raise ValueError("Type the quantity as a number, like 2 or 1.250.")
    return value


class _Dialog(QDialog):
    """A dialog with a red message line for errors."""

    def __init__(self, parent: QWidget | None, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.layout_ = QVBoxLayout(self)
        self.message = QLabel("")
        self.message.setObjectName("error")
        self.message.setStyleSheet("color: #b00020; font-weight: bold;")
        self.message.setWordWrap(True)

    def fail(self, text: str) -> None:
        """Show what went wrong and stay open."""
        self.message.setStyleSheet("color: #b00020; font-weight: bold;")
        self.message.setText(text)

    def note(self, text: str) -> None:
        """Show that something worked and stay open."""
        self.message.setStyleSheet("color: #1b5e20; font-weight: bold;")
        self.message.setText(text)


class PinDialog(_Dialog):
    """Asks a supervisor for their PIN. Emits :attr:`submitted` with the PIN."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None, reason: str) -> None:
        super().__init__(parent, "Supervisor PIN")
        self.layout_.addWidget(QLabel(reason))
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("Supervisor PIN, then Enter")
        self.layout_.addWidget(self.pin)
        self.layout_.addWidget(self.message)
        self.pin.returnPressed.connect(lambda: self.submitted.emit(self.pin.text()))

    def fail(self, text: str) -> None:
        """Show the error and clear the PIN for another try."""
        super().fail(text)
        self.pin.clear()


class AmountDialog(_Dialog):
    """Asks for one value (an amount or a quantity) and optionally a reason."""

    submitted = Signal(str, str)

    def __init__(
        self, parent: QWidget | None, title: str, label: str, *, reason: bool = False
    ) -> None:
        super().__init__(parent, title)
        form = QFormLayout()
        self.value = QLineEdit()
        form.addRow(label, self.value)
        self.reason = QLineEdit()
        if reason:
            form.addRow("Reason", self.reason)
        self.layout_.addLayout(form)
        self.layout_.addWidget(self.message)
        self.value.returnPressed.connect(self._submit)
        self.reason.returnPressed.connect(self._submit)

    def _submit(self) -> None:
        self.submitted.emit(self.value.text(), self.reason.text())


class CustomerDialog(_Dialog):
    """Asks for the customer's mobile number and GSTIN (B2B)."""

    submitted = Signal(str, str)

    def __init__(self, parent: QWidget | None, phone: str, gstin: str) -> None:
        super().__init__(parent, "Customer")
        form = QFormLayout()
        self.phone = QLineEdit(phone)
        self.gstin = QLineEdit(gstin)
        form.addRow("Mobile", self.phone)
        form.addRow("GSTIN (B2B)", self.gstin)
        self.layout_.addLayout(form)
        self.layout_.addWidget(self.message)
        for edit in (self.phone, self.gstin):
            edit.returnPressed.connect(
                lambda: self.submitted.emit(self.phone.text(), self.gstin.text())
            )


class TenderDialog(_Dialog):
    """Takes payment: cash, card and UPI in any mix; Enter with nothing typed is exact cash.

    Emits :attr:`submitted` with the payments; the caller completes the sale or calls
    :meth:`fail`.
    """

    submitted = Signal(object)

    def __init__(self, parent: QWidget | None, total: Money) -> None:
        super().__init__(parent, "Payment")
        self.total = total
        big = QFont()
        big.setPointSize(22)
        big.setBold(True)
        due = QLabel(f"Total {format_inr(total)}")
        due.setFont(big)
        self.layout_.addWidget(due)
        form = QFormLayout()
        self.cash = QLineEdit()
        self.card = QLineEdit()
        self.card_ref = QLineEdit()
        self.upi = QLineEdit()
        self.upi_ref = QLineEdit()
        form.addRow("Cash received", self.cash)
        form.addRow("Card amount", self.card)
        form.addRow("Card slip ref.", self.card_ref)
        form.addRow("UPI amount", self.upi)
        form.addRow("UPI txn ref.", self.upi_ref)
        self.layout_.addLayout(form)
        self.summary = QLabel("")
        self.summary.setFont(big)
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(self.message)
        self.layout_.addWidget(QLabel("Enter: complete sale · Esc: back to the sale"))
        for edit in (self.cash, self.card, self.card_ref, self.upi, self.upi_ref):
            edit.textChanged.connect(self._update)
            edit.returnPressed.connect(self._submit)
        self._update()

    def payments(self) -> list[Payment]:
        """The payments typed so far (nothing typed means exact cash).

        Raises:
            ValueError: an amount that is not rupees.
        """
        payments = []
        for edit, method, ref in (
            (self.cash, Method.CASH, None),
            (self.card, Method.CARD, self.card_ref),
            (self.upi, Method.UPI, self.upi_ref),
        ):
            if edit.text().strip():
                amount = parse_money(edit.text(), f"{method.value} amount")
                payments.append(Payment(method, amount, ref.text().strip() if ref else None))
        if not payments:
            payments.append(Payment(Method.CASH, self.total))
        return payments

    def _update(self) -> None:
        try:
            paid = Money(sum(p.amount.paise for p in self.payments()))
        except ValueError:
            self.summary.setText("")
            return
        if paid >= self.total:
            self.summary.setText(f"Change {format_inr(paid - self.total)}")
        else:
            self.summary.setText(f"Still due {format_inr(self.total - paid)}")

    def _submit(self) -> None:
        try:
            payments = self.payments()
        except ValueError as exc:
            self.fail(str(exc))
            return
        self.submitted.emit(payments)


class RecallDialog(_Dialog):
    """Lists held sales; Enter recalls the selected one."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None, held: Sequence[HeldSale]) -> None:
        super().__init__(parent, "Recall a held sale")
        self.list = QListWidget()
        for sale in held:
            item = QListWidgetItem(sale.label)
            item.setData(Qt.ItemDataRole.UserRole, sale.hold_id)
            self.list.addItem(item)
        if held:
            self.list.setCurrentRow(0)
        else:
            self.message.setText("No sales are on hold.")
        self.layout_.addWidget(self.list)
        self.layout_.addWidget(self.message)
        self.list.itemActivated.connect(self._choose)

    def keyPressEvent(self, event: object) -> None:  # noqa: N802
        """Enter recalls the highlighted sale."""
        key = event.key()  # type: ignore[attr-defined]
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.list.currentItem():
            self._choose(self.list.currentItem())
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]

    def _choose(self, item: QListWidgetItem) -> None:
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))


class ReturnDialog(_Dialog):
    """Find an invoice, choose quantities to return, refund to the original tender or cash.

    Emits :attr:`search` with the typed/scanned number and :attr:`submitted` with
    ``(number, {line_no: quantity}, to_original_tender, reason)``.
    """

    search = Signal(str)
    submitted = Signal(str, object, bool, str)

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent, "Return / credit note")
        form = QFormLayout()
        self.number = QLineEdit()
        self.number.setPlaceholderText("Receipt number or scan its barcode, then Enter")
        form.addRow("Receipt", self.number)
        self.layout_.addLayout(form)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["#", "Item", "Sold", "Can return", "Return"])
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.layout_.addWidget(self.table)
        self.to_original = QCheckBox("Refund to the original payment (else cash)")
        self.to_original.setChecked(True)
        self.reason = QLineEdit("return")
        form2 = QFormLayout()
        form2.addRow("Reason", self.reason)
        self.layout_.addWidget(self.to_original)
        self.layout_.addLayout(form2)
        self.layout_.addWidget(self.message)
        self.issue = QPushButton("Issue credit note (Ctrl+Enter)")
        self.issue.setAutoDefault(False)  # Enter in the number box finds; it never issues
        self.layout_.addWidget(self.issue)
        self.document: SaleDocument | None = None
        self.number.returnPressed.connect(lambda: self.search.emit(self.number.text()))
        self.issue.clicked.connect(self._submit)
        self.reason.returnPressed.connect(self._submit)

    def show_document(self, document: SaleDocument, left: dict[int, Decimal]) -> None:
        """Show the invoice's lines with what may still be returned."""
        self.document = document
        self.message.setText(f"Invoice {document.number}, {format_inr(document.grand_total)}")
        self.table.setRowCount(len(document.lines))
        for row, line in enumerate(document.lines):
            cells = (str(line.line_no), line.name, f"{line.quantity}", f"{left[line.line_no]}", "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col != 4:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, col, item)

    def _cell(self, row: int, col: int) -> QTableWidgetItem:
        item = self.table.item(row, col)
        assert item is not None
        return item

    def set_quantity(self, row: int, text: str) -> None:
        """Type a return quantity into a row (what the cashier does in the table)."""
        self._cell(row, 4).setText(text)

    def quantities(self) -> dict[int, Decimal]:
        """Line number -> quantity typed.

        Raises:
            ValueError: a quantity that is not a number.
        """
        out = {}
        for row in range(self.table.rowCount()):
            text = self._cell(row, 4).text().strip()
            if text:
                out[int(self._cell(row, 0).text())] = parse_quantity(text)
        return out

    def keyPressEvent(self, event: object) -> None:  # noqa: N802
        """Ctrl+Enter issues the credit note."""
        key = event.key()  # type: ignore[attr-defined]
        mods = event.modifiers()  # type: ignore[attr-defined]
        if (
            key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and mods & Qt.KeyboardModifier.ControlModifier
        ):
            self._submit()
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]

    def _submit(self) -> None:
        if self.document is None:
            self.fail("Find the receipt first: type its number and press Enter.")
            return
        try:
            quantities = self.quantities()
        except ValueError as exc:
            self.fail(str(exc))
            return
        self.submitted.emit(
            self.document.number, quantities, self.to_original.isChecked(), self.reason.text()
        )


class CloseShiftDialog(_Dialog):
    """Blind Z close: count notes and coins; the expected figure is never shown here.

    Emits :attr:`submitted` with ``{rupees: pieces}``; after the close, :meth:`closed` shows
    the Z number and offers the supervisor-only over/short (:attr:`reveal_requested`).
    """

    submitted = Signal(object)
    reveal_requested = Signal()

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent, "Close shift (Z)")
        self.layout_.addWidget(QLabel("Count the drawer. Type how many of each, Enter to move on."))
        form = QFormLayout()
        self.counts: dict[int, QLineEdit] = {}
        for rupees in DENOMINATIONS:
            edit = QLineEdit()
            edit.setPlaceholderText("0")
            self.counts[rupees] = edit
            form.addRow(f"₹{rupees}", edit)
            edit.textChanged.connect(self._update)
        self.layout_.addLayout(form)
        self.total = QLabel("Counted ₹0.00")
        self.layout_.addWidget(self.total)
        self.layout_.addWidget(self.message)
        self.close_button = QPushButton("Close shift (Ctrl+Enter)")
        self.reveal = QPushButton("Supervisor: show over/short")
        self.reveal.setVisible(False)
        self.outcome = QPlainTextEdit()
        self.outcome.setReadOnly(True)
        self.outcome.setVisible(False)
        self.layout_.addWidget(self.close_button)
        self.layout_.addWidget(self.reveal)
        self.layout_.addWidget(self.outcome)
        self.close_button.clicked.connect(self._submit)
        self.reveal.clicked.connect(self.reveal_requested.emit)
        edits = list(self.counts.values())
        for edit, following in zip(edits, [*edits[1:], None], strict=True):
            if following is None:
                edit.returnPressed.connect(self._submit)
            else:
                edit.returnPressed.connect(following.setFocus)

    def set_count(self, rupees: int, pieces: int) -> None:
        """Type a count (as the cashier would)."""
        self.counts[rupees].setText(str(pieces))

    def values(self) -> dict[int, int]:
        """Rupees -> pieces typed.

        Raises:
            ValueError: a count that is not a whole number.
        """
        out = {}
        for rupees, edit in self.counts.items():
            text = edit.text().strip()
            if text:
                if not text.isdigit():
                    raise ValueError(f"Type the number of ₹{rupees} as a whole number.")
                out[rupees] = int(text)
        return out

    def _update(self) -> None:
        try:
            total = sum(r * 100 * n for r, n in self.values().items())
        except ValueError:
            return
        self.total.setText(f"Counted {format_inr(Money(total))}")

    def keyPressEvent(self, event: object) -> None:  # noqa: N802
        """Ctrl+Enter closes the shift."""
        key = event.key()  # type: ignore[attr-defined]
        mods = event.modifiers()  # type: ignore[attr-defined]
        if (
            key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and mods & Qt.KeyboardModifier.ControlModifier
        ):
            self._submit()
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]

    def _submit(self) -> None:
        try:
            self.submitted.emit(self.values())
        except ValueError as exc:
            self.fail(str(exc))

    def closed(self, summary: str) -> None:
        """Show the blind result (no expected figure) and offer the supervisor view."""
        for edit in self.counts.values():
            edit.setEnabled(False)
        self.close_button.setEnabled(False)
        self.message.setText("")
        self.outcome.setPlainText(summary)
        self.outcome.setVisible(True)
        self.reveal.setVisible(True)
        self.reveal.setFocus()

    def reveal_text(self, text: str) -> None:
        """Show the supervisor's view, with expected cash and over/short."""
        self.outcome.setPlainText(text)


class ReportDialog(_Dialog):
    """Shows an X report (or any text report)."""

    def __init__(self, parent: QWidget | None, title: str, text: str) -> None:
        super().__init__(parent, title)
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.text.setFont(mono)
        self.text.setMinimumWidth(560)
        self.layout_.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.layout_.addWidget(buttons)


class HistoryDialog(_Dialog):
    """Recent receipts: Enter reprints (marked DUPLICATE), Ctrl+Del voids (supervisor).

    Type a receipt number, or move through the list with ↑/↓ (the number box keeps focus).
    Emits :attr:`reprint_requested` with the number and :attr:`void_requested` with
    ``(number, reason)``; the window does the work and calls :meth:`fail`, :meth:`note` or
    :meth:`set_entries`.
    """

    reprint_requested = Signal(str)
    void_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None, entries: Sequence[HistoryEntry]) -> None:
        super().__init__(parent, "Sale history")
        form = QFormLayout()
        self.value = QLineEdit()
        self.value.setPlaceholderText("Receipt number, or Enter for the highlighted one")
        form.addRow("Receipt", self.value)
        self.layout_.addLayout(form)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Number", "Time", "Total", "Cashier", "Status"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setMinimumWidth(640)
        self.layout_.addWidget(self.table)
        form2 = QFormLayout()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why the sale is voided, then Ctrl+Del")
        form2.addRow("Void reason", self.reason)
        self.layout_.addLayout(form2)
        self.layout_.addWidget(self.message)
        self.layout_.addWidget(
            QLabel("Enter: reprint (DUPLICATE) · Ctrl+Del: void the sale (supervisor) · Esc: close")
        )
        self.entries: list[HistoryEntry] = []
        self.set_entries(entries)
        self.value.returnPressed.connect(self._reprint)
        self.reason.returnPressed.connect(self._void)
        # a line edit would eat Ctrl+Del (delete word) and ↑/↓: catch them first
        self.value.installEventFilter(self)
        self.reason.installEventFilter(self)

    def set_entries(self, entries: Sequence[HistoryEntry]) -> None:
        """Show ``entries`` (newest first), keeping the highlighted receipt if it is there."""
        keep = self.highlighted()
        self.entries = list(entries)
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            doc = entry.document
            cells = (
                doc.number,
                f"{doc.created_at:%d %b %H:%M}",
                format_inr(doc.grand_total),
                doc.cashier_name,
                entry.status,
            )
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        numbers = [e.document.number for e in self.entries]
        if self.entries:
            self.table.selectRow(numbers.index(keep) if keep in numbers else 0)
        else:
            self.note("No receipts yet.")

    def highlighted(self) -> str | None:
        """The number of the highlighted receipt, if any."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or not self.entries:
            return None
        return self.entries[rows[0].row()].document.number

    def number(self) -> str:
        """The receipt the cashier means: the typed number, else the highlighted one."""
        return self.value.text().strip() or (self.highlighted() or "")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """↑/↓ and Ctrl+Del reach the list even while a text box has focus."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self._handle_key(event)
        return super().eventFilter(watched, event)

    def _handle_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.entries:
            rows = self.table.selectionModel().selectedRows()
            current = rows[0].row() if rows else 0
            step = 1 if key == Qt.Key.Key_Down else -1
            self.table.selectRow(max(0, min(len(self.entries) - 1, current + step)))
            return True
        if key == Qt.Key.Key_Delete and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._void()
            return True
        return False

    def _reprint(self) -> None:
        number = self.number()
        if not number:
            self.fail("Type a receipt number first.")
            return
        self.reprint_requested.emit(number)

    def _void(self) -> None:
        number = self.number()
        if not number:
            self.fail("Type or pick the receipt to void first.")
            return
        self.void_requested.emit(number, self.reason.text())
