"""Shift figures: the X report (a snapshot) and the Z close (blind count, over/short).

The X and the Z come from one function, :func:`shift_report`, so the expected cash can never
differ between them. The cashier counts the drawer by denomination without being shown the
expected figure; :func:`close_count` then works out the over/short, which the UI shows only
to a supervisor.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

import msgspec

from desktop.domain.document import DocumentKind, RateRow
from desktop.domain.tender import Method
from desktop.errors import InvalidCashCount
from shared.money import Money

__all__ = (
    "DENOMINATIONS",
    "Amount",
    "CashCount",
    "CashMovement",
    "LeanAmount",
    "LeanPayment",
    "LeanRate",
    "MovementKind",
    "Paid",
    "ReportDocument",
    "ShiftReport",
    "Taxed",
    "Totalled",
    "VoidRecord",
    "close_count",
    "count_cash",
    "shift_report",
)

DENOMINATIONS: tuple[int, ...] = (500, 200, 100, 50, 20, 10, 5, 2, 1)
"""Rupee notes and coins counted at close, largest first (₹10 and ₹20 notes and coins
are counted together)."""


class MovementKind(StrEnum):
    """A non-sale cash movement."""

    CASH_IN = "in"
    CASH_OUT = "out"
    NO_SALE = "no_sale"


@dataclass(frozen=True, slots=True)
class CashMovement:
    """Cash put in or taken out of the drawer outside a sale (or a no-sale opening).

    Attributes:
        kind: in, out or no-sale.
        amount: how much (zero for a no-sale).
        reason: why, as typed.
        at: when.
    """

    kind: MovementKind
    amount: Money
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class VoidRecord:
    """A voided line or a voided (abandoned) sale, for the reports.

    Attributes:
        kind: ``"line"`` or ``"sale"``.
        amount: the value voided.
    """

    kind: str
    amount: Money


class Amount(Protocol):
    """Anything with whole paise: :class:`Money`, or a report's lean amount."""

    @property
    def paise(self) -> int:
        """The amount in paise."""
        ...


class Paid(Protocol):
    """A payment as a report reads it."""

    @property
    def method(self) -> Method:
        """Cash, card or UPI."""
        ...

    @property
    def amount(self) -> Amount:
        """What it paid (negative on a credit note)."""
        ...


class Taxed(Protocol):
    """One GST rate's row as a report reads it."""

    @property
    def rate(self) -> Decimal:
        """The rate in percent."""
        ...

    @property
    def taxable(self) -> Amount:
        """Taxable value."""
        ...

    @property
    def cgst(self) -> Amount:
        """Central tax."""
        ...

    @property
    def sgst(self) -> Amount:
        """State tax."""
        ...

    @property
    def igst(self) -> Amount:
        """Integrated tax."""
        ...

    @property
    def cess(self) -> Amount:
        """Cess."""
        ...


class Totalled(Protocol):
    """What a shift report reads from a document (a :class:`SaleDocument` has it all)."""

    @property
    def sale_id(self) -> str:
        """The document's id."""
        ...

    @property
    def number(self) -> str:
        """Its invoice or credit-note number."""
        ...

    @property
    def kind(self) -> DocumentKind:
        """Sale or return."""
        ...

    @property
    def grand_total(self) -> Amount:
        """The amount paid or refunded."""
        ...

    @property
    def discount(self) -> Amount:
        """Discounts given on it."""
        ...

    @property
    def round_off(self) -> Amount:
        """Its rupee round-off."""
        ...

    @property
    def payments(self) -> Sequence[Paid]:
        """What each payment paid."""
        ...

    @property
    def rate_summary(self) -> Sequence[Taxed]:
        """Taxable value and taxes per GST rate."""
        ...


class LeanAmount(msgspec.Struct, frozen=True):
    """Money as stored (``{"paise": n}``), decoded without building a :class:`Money`."""

    paise: int


class LeanPayment(msgspec.Struct, frozen=True):
    """A stored payment's method and amount."""

    method: Method
    amount: LeanAmount


class LeanRate(msgspec.Struct, frozen=True):
    """A stored GST rate row."""

    rate: Decimal
    taxable: LeanAmount
    cgst: LeanAmount
    sgst: LeanAmount
    igst: LeanAmount
    cess: LeanAmount


class ReportDocument(msgspec.Struct, frozen=True):
    """Just the parts of a stored document that the X/Z report totals.

    The store decodes documents into this (C-built structs, unknown fields skipped) rather
    than a whole :class:`~desktop.domain.document.SaleDocument` for reports, which is what
    makes a Z report over 10,000 sales quick. Its values are read-only report inputs.
    """

    sale_id: str
    number: str
    kind: DocumentKind
    grand_total: LeanAmount
    discount: LeanAmount
    round_off: LeanAmount
    payments: tuple[LeanPayment, ...]
    rate_summary: tuple[LeanRate, ...]


@dataclass(frozen=True, slots=True)
class ShiftReport:
    """What happened in a shift so far; the same figures back the X and the Z.

    Attributes:
        opening_float: cash in the drawer at open.
        sales_count: invoices issued.
        returns_count: credit notes issued.
        first_number: the first invoice number, or ``None``.
        last_number: the last invoice number, or ``None``.
        gross_sales: total of invoices.
        returns_total: total of credit notes.
        net_sales: gross sales less returns.
        discounts: discounts given on invoices.
        round_off: the sum of invoice and credit-note round-offs.
        tenders: method -> net amount taken (sales less refunds), every method listed.
        gst_by_rate: taxable value and taxes per rate, net of credit notes.
        cash_in: cash put in.
        cash_out: cash taken out.
        no_sales: how many times the drawer was opened without a sale.
        voided_lines: how many lines were voided.
        voided_sales: how many sales were voided.
        voided_amount: the value of the voided lines and abandoned sales.
        expected_cash: float + cash taken - cash refunded + cash in - cash out.
        voided_invoices: completed sales voided afterwards (left out of every total above,
            except the invoice number range).
        voided_invoices_total: their value.
    """

    opening_float: Money
    sales_count: int
    returns_count: int
    first_number: str | None
    last_number: str | None
    gross_sales: Money
    returns_total: Money
    net_sales: Money
    discounts: Money
    round_off: Money
    tenders: tuple[tuple[Method, Money], ...]
    gst_by_rate: tuple[RateRow, ...]
    cash_in: Money
    cash_out: Money
    no_sales: int
    voided_lines: int
    voided_sales: int
    voided_amount: Money
    expected_cash: Money
    voided_invoices: int = 0
    voided_invoices_total: Money = Money(0)  # noqa: RUF009 - Money is immutable


def shift_report(
    opening_float: Money,
    documents: Iterable[Totalled],
    movements: Iterable[CashMovement] = (),
    voids: Iterable[VoidRecord] = (),
    voided_sales: Collection[str] = (),
) -> ShiftReport:
    """Total a shift from its documents, cash movements and voids.

    ``voided_sales`` are the ids of invoices voided after completion: the money went back,
    so they count as voids and in the invoice number range, and nowhere else.
    """
    sales: list[Totalled] = []
    returns: list[Totalled] = []
    cancelled: list[Totalled] = []
    numbers: list[str] = []
    for document in documents:
        if document.kind is not DocumentKind.SALE:
            returns.append(document)
            continue
        numbers.append(document.number)
        (cancelled if document.sale_id in voided_sales else sales).append(document)
    tenders = dict.fromkeys(Method, 0)
    rates: dict[Decimal, list[int]] = {}
    for document in (*sales, *returns):
        sign = 1 if document.kind is DocumentKind.SALE else -1
        for payment in document.payments:
            # a credit note's payments are already negative
            tenders[payment.method] += payment.amount.paise
        for row in document.rate_summary:
            acc = rates.setdefault(row.rate, [0, 0, 0, 0, 0])
            for index, value in enumerate((row.taxable, row.cgst, row.sgst, row.igst, row.cess)):
                acc[index] += sign * value.paise
    move_list = list(movements)
    void_list = list(voids)
    cash_in = sum(m.amount.paise for m in move_list if m.kind is MovementKind.CASH_IN)
    cash_out = sum(m.amount.paise for m in move_list if m.kind is MovementKind.CASH_OUT)
    gross = sum(d.grand_total.paise for d in sales)
    back = sum(d.grand_total.paise for d in returns)
    numbers.sort()
    return ShiftReport(
        opening_float=opening_float,
        sales_count=len(sales),
        returns_count=len(returns),
        first_number=numbers[0] if numbers else None,
        last_number=numbers[-1] if numbers else None,
        gross_sales=Money(gross),
        returns_total=Money(back),
        net_sales=Money(gross - back),
        discounts=Money(sum(d.discount.paise for d in sales)),
        round_off=Money(
            sum(d.round_off.paise for d in sales) - sum(d.round_off.paise for d in returns)
        ),
        tenders=tuple((method, Money(tenders[method])) for method in Method),
        gst_by_rate=tuple(
            RateRow(rate, *(Money(v) for v in values)) for rate, values in sorted(rates.items())
        ),
        cash_in=Money(cash_in),
        cash_out=Money(cash_out),
        no_sales=sum(1 for m in move_list if m.kind is MovementKind.NO_SALE),
        voided_lines=sum(1 for v in void_list if v.kind == "line"),
        voided_sales=sum(1 for v in void_list if v.kind == "sale"),
        voided_amount=Money(sum(v.amount.paise for v in void_list)),
        expected_cash=Money(opening_float.paise + tenders[Method.CASH] + cash_in - cash_out),
        voided_invoices=len(cancelled),
        voided_invoices_total=Money(sum(d.grand_total.paise for d in cancelled)),
    )


@dataclass(frozen=True, slots=True)
class CashCount:
    """A blind count of the drawer and what it means.

    Attributes:
        counts: rupee denomination -> how many notes/coins.
        counted: the total counted.
        expected: what the drawer should hold.
        over_short: counted - expected (negative when cash is missing).
    """

    counts: tuple[tuple[int, int], ...]
    counted: Money
    expected: Money
    over_short: Money


def count_cash(counts: Mapping[int, int]) -> Money:
    """Total a count of notes and coins by denomination (rupees -> pieces).

    Raises:
        InvalidCashCount: an unknown denomination or a negative or non-whole count.
    """
    total = 0
    for denomination, pieces in counts.items():
        if denomination not in DENOMINATIONS:
            raise InvalidCashCount(f"₹{denomination} is not a note or coin the till counts.")
        if isinstance(pieces, bool) or not isinstance(pieces, int) or pieces < 0:
            raise InvalidCashCount(f"The count of ₹{denomination} must be a whole number ≥ 0.")
        total += denomination * 100 * pieces
    return Money(total)


def close_count(report: ShiftReport, counts: Mapping[int, int]) -> CashCount:
    """Compare a blind count with the report's expected cash.

    Raises:
        InvalidCashCount: see :func:`count_cash`.
    """
    counted = count_cash(counts)
    return CashCount(
        counts=tuple((d, counts[d]) for d in DENOMINATIONS if counts.get(d)),
        counted=counted,
        expected=report.expected_cash,
        over_short=counted - report.expected_cash,
    )
