"""The plain values a receipt is printed from: a GST document, a shift report, a test page.

:class:`ReceiptData` holds every particular a GST tax invoice (CGST Rule 46), a bill of supply
(Rule 49), an invoice-cum-bill of supply (Rule 46A, a basket with exempt lines) or a credit
note (Rule 53) must show. It holds no behaviour and no formatting: :mod:`.layout` turns it into
printable lines. Amounts are :class:`~shared.money.Money` (whole paise); rates are ``Decimal``
percentages. For a credit note every amount is the positive value credited.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from shared.gst import Invoice
from shared.money import Money, sum_money

_ZERO = Money(0)

__all__ = (
    "ReceiptData",
    "ReceiptKind",
    "ReceiptLine",
    "ReportKind",
    "ShiftReport",
    "StoreInfo",
    "TaxRateRow",
    "Tender",
)


class ReceiptKind(enum.Enum):
    """Which GST document a receipt is."""

    TAX_INVOICE = "tax_invoice"
    """Every line is taxed (Rule 46)."""
    BILL_OF_SUPPLY = "bill_of_supply"
    """A composition dealer's sale, or a sale of exempt goods only: no tax is charged."""
    INVOICE_CUM_BILL_OF_SUPPLY = "invoice_cum_bill_of_supply"
    """Taxed and exempt lines together to an unregistered buyer (Rule 46A)."""
    CREDIT_NOTE = "credit_note"
    """A return against an earlier invoice."""


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """The supplier's particulars printed at the top of every document.

    Attributes:
        name: the trade or legal name.
        address_lines: the address, one printed line each.
        gstin: the store's 15-character GSTIN.
        state_name: the state the store is registered in, e.g. ``"Karnataka"``.
        state_code: its two-digit GST state code, e.g. ``"29"``.
        phone: a contact number, or ``""``.
        composition: whether the store is a composition dealer (its bills of supply carry the
            Rule 49 declaration).
    """

    name: str
    address_lines: tuple[str, ...]
    gstin: str
    state_name: str
    state_code: str
    phone: str = ""
    composition: bool = False


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One line of the basket as charged.

    Attributes:
        name: the item's description.
        hsn: its HSN (or SAC) code.
        quantity: units or measure sold (``Decimal("1.250")`` kg for a weighed item).
        unit: the unit quantity code, e.g. ``"PCS"`` or ``"KG"``.
        rate: the price of one unit as charged, tax included when the store prices that way.
        amount: the line's value after discount, as it adds up to the total.
        tax_rate: the GST rate in percent (``Decimal(0)`` for an exempt line).
        discount: the discount given on this line (already taken off ``amount``).
    """

    name: str
    hsn: str
    quantity: Decimal
    unit: str
    rate: Money
    amount: Money
    tax_rate: Decimal
    discount: Money = _ZERO


@dataclass(frozen=True, slots=True)
class TaxRateRow:
    """The GST charged at one rate across the document (its per-rate summary row).

    Attributes:
        rate: the GST rate in percent.
        taxable: the taxable value at that rate.
        cgst: central tax (intra-state), else zero.
        sgst: state or UT tax (intra-state), else zero.
        igst: integrated tax (inter-state), else zero.
        cess: compensation cess, usually zero.
    """

    rate: Decimal
    taxable: Money
    cgst: Money = _ZERO
    sgst: Money = _ZERO
    igst: Money = _ZERO
    cess: Money = _ZERO


@dataclass(frozen=True, slots=True)
class Tender:
    """One payment (or refund) and its reference.

    Attributes:
        method: how it was paid as printed, e.g. ``"Cash"``, ``"UPI"``, ``"Card"``.
        amount: the amount tendered (for cash, what the customer handed over).
        reference: a card or UPI reference, or ``""``.
        is_cash: whether it goes into the drawer (a cash tender opens the drawer).
    """

    method: str
    amount: Money
    reference: str = ""
    is_cash: bool = False


@dataclass(frozen=True, slots=True)
class ReceiptData:
    """Everything a GST receipt shows; the till builds it after the sale is committed.

    Attributes:
        kind: tax invoice, bill of supply or credit note.
        store: the supplier's particulars.
        number: the invoice (or credit-note) number, at most 16 characters.
        issued_at: the document's local date and time.
        cashier: who made the sale.
        terminal: the till's code.
        lines: the basket.
        tax_rows: the per-rate GST summary, one row per rate (exempt rates included).
        taxable_total: the sum of taxable values.
        tax_total: the sum of all GST charged.
        round_off: the invoice round-off to the rupee (may be negative or zero).
        total: the amount payable (or credited), after round-off.
        tenders: the payments (for a credit note: the refunds).
        change: the change handed back (zero when none).
        inter_state: IGST instead of CGST + SGST.
        customer_name: the recipient's name, or ``""`` for a walk-in customer.
        customer_gstin: the recipient's GSTIN for a B2B sale, or ``""``.
        customer_state: the recipient's state name and code when registered, or ``""``.
        place_of_supply: printed for inter-state supplies, e.g. ``"Kerala (32)"``.
        original_number: for a credit note, the invoice it reverses.
        original_issued_at: for a credit note, that invoice's date.
        duplicate: a reprint; printed as DUPLICATE and never opens the drawer.
        footer_lines: closing text such as a returns policy or thank-you.
        total_discount: the discount given on the whole document, printed when non-zero.
    """

    kind: ReceiptKind
    store: StoreInfo
    number: str
    issued_at: datetime
    cashier: str
    terminal: str
    lines: tuple[ReceiptLine, ...]
    tax_rows: tuple[TaxRateRow, ...]
    taxable_total: Money
    tax_total: Money
    round_off: Money
    total: Money
    tenders: tuple[Tender, ...] = ()
    change: Money = _ZERO
    inter_state: bool = False
    customer_name: str = ""
    customer_gstin: str = ""
    customer_state: str = ""
    place_of_supply: str = ""
    original_number: str = ""
    original_issued_at: datetime | None = None
    duplicate: bool = False
    footer_lines: tuple[str, ...] = ()
    total_discount: Money = _ZERO

    @property
    def opens_drawer(self) -> bool:
        """Whether printing this receipt should kick the cash drawer.

        A first print with a cash tender does; a reprint never does, because a duplicate
        must not give anyone access to the cash.
        """
        return not self.duplicate and any(t.is_cash for t in self.tenders)

    @classmethod
    def from_invoice(
        cls,
        invoice: Invoice,
        *,
        store: StoreInfo,
        number: str,
        issued_at: datetime,
        cashier: str,
        terminal: str,
        tenders: tuple[Tender, ...] = (),
        change: Money = _ZERO,
        units: tuple[str, ...] = (),
        credit_note: bool = False,
        **details: Any,
    ) -> ReceiptData:
        """Build the receipt of a sale (or a credit note) from its computed invoice.

        Args:
            invoice: the result of :func:`shared.gst.compute_invoice` for the sale (for a
                credit note: for the lines returned).
            store: the supplier's particulars.
            number: the invoice or credit-note number.
            issued_at: the document's local date and time.
            cashier: who made the sale.
            terminal: the till's code.
            tenders: payments (refunds for a credit note).
            change: the change handed back.
            units: one unit code per line (``"PCS"``, ``"KG"``); missing ones print ``PCS``.
            credit_note: print it as a credit note.
            **details: any other :class:`ReceiptData` field (customer, original invoice,
                footer, duplicate...).

        Returns:
            The receipt; its kind follows the invoice's lines (a composition dealer's is
            always a bill of supply).
        """
        if credit_note:
            kind = ReceiptKind.CREDIT_NOTE
        elif store.composition:
            kind = ReceiptKind.BILL_OF_SUPPLY
        else:
            kind = ReceiptKind(invoice.document_kind.value)
        lines = tuple(
            ReceiptLine(
                name=computed.line.description,
                hsn=computed.line.hsn,
                quantity=computed.line.quantity,
                unit=units[index] if index < len(units) else "PCS",
                rate=computed.line.unit_price,
                amount=computed.gross,
                tax_rate=computed.line.rate,
                discount=computed.discount,
            )
            for index, computed in enumerate(invoice.lines)
        )
        rows = tuple(
            TaxRateRow(
                rate=row.rate,
                taxable=row.breakdown.taxable,
                cgst=row.breakdown.cgst,
                sgst=row.breakdown.sgst,
                igst=row.breakdown.igst,
                cess=row.breakdown.cess,
            )
            for row in invoice.rate_summary
        )
        return cls(
            kind=kind,
            store=store,
            number=number,
            issued_at=issued_at,
            cashier=cashier,
            terminal=terminal,
            lines=lines,
            tax_rows=rows,
            taxable_total=invoice.totals.taxable,
            tax_total=invoice.totals.tax,
            round_off=invoice.round_off,
            total=invoice.grand_total,
            tenders=tenders,
            change=change,
            inter_state=invoice.inter_state,
            total_discount=sum_money(line.discount for line in invoice.lines),
            **details,
        )


class ReportKind(enum.Enum):
    """X (snapshot, no reset) or Z (close, numbered) report."""

    X = "X"
    Z = "Z"


@dataclass(frozen=True, slots=True)
class ShiftReport:
    """The figures of an X or Z report, computed by the till from its own database.

    Attributes:
        kind: X or Z.
        store: the store's particulars.
        terminal: the till's code.
        cashier: whose shift it is.
        opened_at: when the shift opened, or ``None`` when not known.
        printed_at: when the report was made (the close time for a Z).
        z_number: the Z report's sequence number (``0`` for an X report).
        first_invoice: the first invoice number of the shift, or ``""``.
        last_invoice: the last invoice number of the shift, or ``""``.
        invoice_count: how many invoices were issued.
        gross_sales: sales before discounts and returns.
        discounts: discounts given.
        returns: credit notes issued.
        net_sales: gross less discounts and returns.
        round_off: the sum of round-offs.
        tax_rows: GST by rate over the shift.
        tenders: sales by tender, as (method, amount) pairs.
        opening_float: cash in the drawer at the start.
        cash_sales: cash taken for sales (net of change).
        cash_refunds: cash paid out for returns (zero when already netted into cash sales;
            the line is then left out).
        cash_in: other cash put in.
        cash_out: cash taken out (drops, petty expenses).
        expected_cash: what the drawer should hold.
        counted_cash: what was counted at a blind close, or ``None`` (X report, or a report
            printed for the cashier, who must not see the over/short).
        voids: how many lines or sales were voided.
        no_sales: how many times the drawer was opened without a sale.
    """

    kind: ReportKind
    store: StoreInfo
    terminal: str
    cashier: str
    opened_at: datetime | None
    printed_at: datetime
    z_number: int
    first_invoice: str
    last_invoice: str
    invoice_count: int
    gross_sales: Money
    discounts: Money
    returns: Money
    net_sales: Money
    round_off: Money
    tax_rows: tuple[TaxRateRow, ...]
    tenders: tuple[tuple[str, Money], ...]
    opening_float: Money
    cash_sales: Money
    cash_refunds: Money
    cash_in: Money
    cash_out: Money
    expected_cash: Money
    counted_cash: Money | None = None
    voids: int = 0
    no_sales: int = 0

    @property
    def over_short(self) -> Money | None:
        """Counted less expected cash, or ``None`` when nothing was counted."""
        if self.counted_cash is None:
            return None
        return self.counted_cash - self.expected_cash
