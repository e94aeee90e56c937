"""India GST for a sale: effective-dated rates, per-line tax, invoice totals and summaries.

Rates
    A :class:`GstRate` is one period of one HSN code's rate (and optional compensation cess),
    with an inclusive first and last day. A :class:`RateTable` answers "which rate applied to
    this HSN on this date": the longest HSN prefix with a period covering the date wins, so a
    rate for ``6109`` covers ``61091000`` unless ``61091000`` has its own period that day.
    Periods of one code may not overlap. The 22 Sep 2025 move to 0/5/18/40 is a period that
    ends on 21 Sep 2025 followed by one that starts on 22 Sep 2025; nothing is rewritten, and
    every computed line keeps the rate it was taxed at, so old invoices never change.

Rounding policy (line-level tax, one invoice round-off)
    All arithmetic is exact (quantities and rates become exact fractions); an amount is
    rounded to the paisa only at the named points below, always ``ROUND_HALF_UP`` (halves go
    away from zero), and each line is rounded on its own before anything is summed.

    1. ``extended price = round(quantity x unit price)``; quantities have at most three
       decimals (grams of a weighed kilo).
    2. A bill discount is split over the lines by their value after line discount (largest
       remainder, see :func:`shared.money.allocate`), so the shares sum to it exactly. Each
       share comes off its line in the line's own price terms: off the tax-inclusive amount of
       an MRP line, off the pre-tax amount of a tax-exclusive line (which then pays less tax).
    3. Tax-inclusive (MRP) line, with ``gross = extended - line discount - bill share`` and
       ``D = 100 + rate + cess rate``::

           half    = round(gross x rate / (2 x D))      CGST = SGST = half   (intra-state)
           IGST    = round(gross x rate / D)                                  (inter-state)
           cess    = round(gross x cess rate / D)
           taxable = gross - CGST - SGST - IGST - cess

       Rounding each half (not the total tax) keeps CGST equal to SGST even when the exact
       tax is an odd number of paise, and taking taxable value as the remainder keeps
       ``taxable + taxes == gross`` to the paisa, so the customer pays exactly the MRP. The
       price of that exactness is tiny: each tax differs from ``taxable x its rate`` by at
       most ``0.5 + 1.5 x its rate / 100`` paise (under a rupee, the e-invoice tolerance).
    4. Tax-exclusive line, with ``taxable = extended - line discount - bill share``::

           half = round(taxable x rate / 200)   IGST = round(taxable x rate / 100)
           cess = round(taxable x cess rate / 100)         gross = taxable + taxes

    5. Invoice totals, the per-rate summary and the HSN summary are plain sums of the rounded
       line amounts, so every total equals the sum of its parts.
    6. The grand total is the gross rounded to the whole rupee, half-up (50 paise go up, as in
       CGST Act s.170), and the difference is shown as its own ``round_off`` line
       (``grand_total == gross + round_off``, ``|round_off| <= 50 paise``). Tax components
       themselves are never rounded to the rupee.

    Intra-state supplies carry CGST + SGST (the SGST column carries UTGST in a union territory
    without a legislature); inter-state supplies carry IGST only. A 0 % line (nil-rated or
    exempt goods) has zero tax and its gross is its taxable value; an invoice of only such
    lines is a bill of supply, a mix is an invoice-cum-bill of supply (Rule 46A).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise

from shared.errors import InvalidLine, InvalidTaxRate, NoRateInEffect, TaxError
from shared.money import Money, allocate, format_inr, round_ratio, sum_money

__all__ = (
    "INVOICE_ROUNDING",
    "LINE_ROUNDING",
    "MAX_CESS_RATE",
    "MAX_GST_RATE",
    "QUANTITY_DECIMALS",
    "DocumentKind",
    "GstRate",
    "HsnSummary",
    "Invoice",
    "InvoiceLine",
    "LineInput",
    "RateSummary",
    "RateTable",
    "TaxBreakdown",
    "compute_invoice",
    "compute_line",
)

LINE_ROUNDING = ROUND_HALF_UP
"""Mode for every per-line rounding to the paisa (extended price, each tax component)."""

INVOICE_ROUNDING = ROUND_HALF_UP
"""Mode for rounding the invoice's gross to the whole rupee."""

MAX_GST_RATE = Decimal(100)
"""Highest GST rate accepted, in percent."""

MAX_CESS_RATE = Decimal(1000)
"""Highest cess rate accepted, in percent.

Compensation cess on some tobacco products is well above 100 %, so this bound only catches
gross slips such as ``18000`` typed for ``18``.
"""

QUANTITY_DECIMALS = 3
"""Decimal places a quantity may have: weighed goods are sold to the gram."""

_HSN = re.compile(r"[0-9]{2,8}")
_PAISE_PER_RUPEE = 100
_NO_MONEY = Money(0)


def _hsn(value: object, error: type[TaxError]) -> str:
    if not isinstance(value, str) or not _HSN.fullmatch(value):
        raise error(f"HSN/SAC code {value!r} must be 2 to 8 digits")
    return value


def _percent(value: object, what: str, maximum: Decimal, error: type[TaxError]) -> Decimal:
    if isinstance(value, float):
        raise error(f"{what} must be a Decimal percentage, not the float {value!r}")
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise error(f"{what} must be a Decimal percentage, not {type(value).__name__} {value!r}")
    percent = Decimal(value)
    if not percent.is_finite() or not 0 <= percent <= maximum:
        raise error(f"{what} {value}% is outside 0..{maximum}%")
    return percent


def _day(value: object, what: str, error: type[TaxError]) -> date:
    # A datetime is a date, but comparing one with a date raises, so refuse it up front.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise error(f"{what} must be a date, not {type(value).__name__} {value!r}")
    return value


def _round(amount: Fraction) -> Money:
    """The one place a computed amount of paise becomes whole paise."""
    return Money(round_ratio(amount.numerator, amount.denominator, LINE_ROUNDING))


# --------------------------------------------------------------------------- rates
@dataclass(frozen=True, slots=True, kw_only=True)
class GstRate:
    """The GST rate of one HSN code (or code prefix) during one period.

    Attributes:
        hsn: 2 to 8 digits; a shorter code covers every longer code that starts with it.
        rate: the GST rate in percent (``Decimal('18')``); CGST and SGST are half each.
        cess_rate: compensation cess in percent of the taxable value, usually 0.
        effective_from: the first day the rate applies.
        effective_to: the last day it applies (inclusive), or ``None`` while it still does.
    """

    hsn: str
    rate: Decimal
    effective_from: date
    effective_to: date | None = None
    cess_rate: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _hsn(self.hsn, InvalidTaxRate)
        label = f"HSN {self.hsn}"
        object.__setattr__(
            self, "rate", _percent(self.rate, f"GST rate of {label}", MAX_GST_RATE, InvalidTaxRate)
        )
        object.__setattr__(
            self,
            "cess_rate",
            _percent(self.cess_rate, f"cess rate of {label}", MAX_CESS_RATE, InvalidTaxRate),
        )
        _day(self.effective_from, f"effective_from of {label}", InvalidTaxRate)
        if self.effective_to is not None:
            _day(self.effective_to, f"effective_to of {label}", InvalidTaxRate)
            if self.effective_to < self.effective_from:
                raise InvalidTaxRate(
                    f"the rate period of {label} ends on {self.effective_to}, "
                    f"before it starts on {self.effective_from}"
                )

    def covers(self, on: date) -> bool:
        """Return whether this rate is in effect on the day ``on``."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def describe_period(self) -> str:
        """Return the period in words, for messages: ``2017-07-01 to 2025-09-21``."""
        end = "open-ended" if self.effective_to is None else str(self.effective_to)
        return f"{self.effective_from} to {end}"


class RateTable:
    """Every known rate period, answering which rate applied to an HSN code on a day.

    The table is immutable once built; a rate change is a new table with one more period.
    """

    __slots__ = ("_by_hsn",)

    def __init__(self, rates: Iterable[GstRate]) -> None:
        """Index the periods by HSN code and check that no two periods of a code overlap.

        Args:
            rates: the periods, in any order.

        Raises:
            InvalidTaxRate: an item is not a :class:`GstRate`, or two periods of the same
                code overlap (including a period after one that never ends).
        """
        by_hsn: dict[str, list[GstRate]] = {}
        for rate in rates:
            if not isinstance(rate, GstRate):
                raise InvalidTaxRate(f"a rate table holds GstRate values, not {rate!r}")
            by_hsn.setdefault(rate.hsn, []).append(rate)
        for hsn, periods in by_hsn.items():
            periods.sort(key=lambda period: period.effective_from)
            for earlier, later in pairwise(periods):
                if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                    raise InvalidTaxRate(
                        f"rate periods of HSN {hsn} overlap: {earlier.rate}% from "
                        f"{earlier.describe_period()} and {later.rate}% from "
                        f"{later.describe_period()}"
                    )
        self._by_hsn = {hsn: tuple(periods) for hsn, periods in by_hsn.items()}

    @property
    def rates(self) -> tuple[GstRate, ...]:
        """Every period, ordered by HSN code and then by start date."""
        return tuple(rate for hsn in sorted(self._by_hsn) for rate in self._by_hsn[hsn])

    def rate_for(self, hsn: str, on: date) -> GstRate:
        """Find the rate in effect for ``hsn`` on the day ``on``.

        The longest prefix of ``hsn`` (down to two digits) that has a period covering ``on``
        wins, so a specific code's own rate overrides its heading's, and outside its own
        periods the code falls back to the heading's rate.

        Args:
            hsn: the item's HSN or SAC code, 2 to 8 digits.
            on: the invoice date.

        Returns:
            The period that applies; store its ``rate`` and ``cess_rate`` on the invoice line.

        Raises:
            InvalidLine: ``hsn`` is not 2 to 8 digits or ``on`` is not a date.
            NoRateInEffect: no prefix of ``hsn`` has a rate on that day.
        """
        _hsn(hsn, InvalidLine)
        _day(on, "the invoice date", InvalidLine)
        for length in range(len(hsn), 1, -1):
            for period in self._by_hsn.get(hsn[:length], ()):
                if period.covers(on):
                    return period
        raise NoRateInEffect(f"no GST rate is in effect for HSN {hsn} on {on}")


# --------------------------------------------------------------------------- lines
@dataclass(frozen=True, slots=True, kw_only=True)
class LineInput:
    """One line of a sale as the till knows it, before tax is worked out.

    Attributes:
        description: what was sold, as printed on the invoice.
        hsn: the item's HSN or SAC code, 2 to 8 digits.
        quantity: how many, or how many kilograms/litres; more than zero, at most three
            decimals.
        unit_price: the price of one unit, tax-inclusive or not as ``tax_inclusive`` says.
        rate: the GST rate applied, in percent (from :meth:`RateTable.rate_for`).
        cess_rate: the compensation cess rate, in percent.
        tax_inclusive: ``True`` for MRP-style prices that include GST, ``False`` for prices
            that have GST added on top.
        discount: a discount on this line, in the same price terms, at most the line's price.
    """

    description: str
    hsn: str
    quantity: Decimal
    unit_price: Money
    rate: Decimal
    cess_rate: Decimal = Decimal(0)
    tax_inclusive: bool = True
    discount: Money = _NO_MONEY

    def __post_init__(self) -> None:
        if not isinstance(self.description, str) or not self.description.strip():
            raise InvalidLine(f"a line needs a description, not {self.description!r}")
        what = f"line {self.description!r}"
        _hsn(self.hsn, InvalidLine)
        object.__setattr__(self, "quantity", _quantity(self.quantity, what))
        _non_negative_money(self.unit_price, f"unit price of {what}")
        object.__setattr__(
            self, "rate", _percent(self.rate, f"GST rate of {what}", MAX_GST_RATE, InvalidLine)
        )
        object.__setattr__(
            self,
            "cess_rate",
            _percent(self.cess_rate, f"cess rate of {what}", MAX_CESS_RATE, InvalidLine),
        )
        if not isinstance(self.tax_inclusive, bool):
            raise InvalidLine(f"tax_inclusive of {what} must be True or False")
        _non_negative_money(self.discount, f"discount of {what}")


def _quantity(value: object, what: str) -> Decimal:
    if isinstance(value, float):
        raise InvalidLine(f"quantity of {what} must be a Decimal, not the float {value!r}")
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidLine(
            f"quantity of {what} must be a Decimal, not {type(value).__name__} {value!r}"
        )
    quantity = Decimal(value)
    if not quantity.is_finite() or quantity <= 0:
        raise InvalidLine(f"quantity of {what} must be more than zero, not {value}")
    if Fraction(quantity) * 10**QUANTITY_DECIMALS % 1:
        raise InvalidLine(
            f"quantity of {what} has more than {QUANTITY_DECIMALS} decimal places ({value})"
        )
    return quantity


def _non_negative_money(value: object, what: str) -> None:
    if not isinstance(value, Money):
        raise InvalidLine(f"{what} must be Money, not {type(value).__name__} {value!r}")
    if value.paise < 0:
        raise InvalidLine(f"{what} must not be negative ({format_inr(value)})")


@dataclass(frozen=True, slots=True)
class TaxBreakdown:
    """Taxable value and each tax head, for a line, a summary row or a whole invoice.

    Attributes:
        taxable: the taxable value (after all discounts, before tax).
        cgst: central GST (intra-state).
        sgst: state or union-territory GST (intra-state); always equal to ``cgst`` on a line.
        igst: integrated GST (inter-state).
        cess: compensation cess.
    """

    taxable: Money
    cgst: Money
    sgst: Money
    igst: Money
    cess: Money

    @property
    def tax(self) -> Money:
        """All tax: CGST + SGST + IGST + cess."""
        return self.cgst + self.sgst + self.igst + self.cess

    @property
    def gross(self) -> Money:
        """What the customer pays: taxable value plus all tax."""
        return self.taxable + self.tax


def _sum_breakdowns(breakdowns: Iterable[TaxBreakdown]) -> TaxBreakdown:
    rows = tuple(breakdowns)
    return TaxBreakdown(
        taxable=sum_money(row.taxable for row in rows),
        cgst=sum_money(row.cgst for row in rows),
        sgst=sum_money(row.sgst for row in rows),
        igst=sum_money(row.igst for row in rows),
        cess=sum_money(row.cess for row in rows),
    )


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """A line with its tax worked out; it keeps the rates it was taxed at.

    Attributes:
        line: the line as entered, including its GST and cess rates.
        extended_price: quantity times unit price, rounded to the paisa, before discounts.
        bill_discount: this line's share of the invoice's bill discount.
        breakdown: taxable value and taxes; ``breakdown.gross`` is what the line costs.
    """

    line: LineInput
    extended_price: Money
    bill_discount: Money
    breakdown: TaxBreakdown

    @property
    def discount(self) -> Money:
        """All discount on the line: its own plus its share of the bill discount."""
        return self.line.discount + self.bill_discount

    @property
    def gross(self) -> Money:
        """What the line costs the customer, tax included."""
        return self.breakdown.gross


def _value_before_bill_discount(line: LineInput) -> tuple[Money, Money]:
    """Return the line's extended price and its value after its own discount."""
    extended = _round(Fraction(line.quantity) * line.unit_price.paise)
    if line.discount > extended:
        raise InvalidLine(
            f"the discount of {format_inr(line.discount)} on line {line.description!r} is "
            f"more than its price of {format_inr(extended)}"
        )
    return extended, extended - line.discount


def compute_line(
    line: LineInput, *, inter_state: bool, bill_discount: Money = _NO_MONEY
) -> InvoiceLine:
    """Work out one line's taxable value and taxes under the module's rounding policy.

    Args:
        line: the line as entered.
        inter_state: ``True`` for IGST, ``False`` for CGST + SGST.
        bill_discount: this line's share of a bill discount (see :func:`compute_invoice`).

    Returns:
        The line with its extended price, discount share and tax breakdown.

    Raises:
        InvalidLine: ``line`` is not a :class:`LineInput`, or the discounts exceed the line's
            price.
    """
    if not isinstance(line, LineInput):
        raise InvalidLine(f"expected a LineInput, not {type(line).__name__} {line!r}")
    _non_negative_money(bill_discount, f"bill discount share of line {line.description!r}")
    extended, value = _value_before_bill_discount(line)
    if bill_discount > value:
        raise InvalidLine(
            f"the bill discount share of {format_inr(bill_discount)} on line "
            f"{line.description!r} is more than its value of {format_inr(value)}"
        )
    net_money = value - bill_discount
    net = Fraction(net_money.paise)
    rate = Fraction(line.rate)
    cess_rate = Fraction(line.cess_rate)
    # Inclusive prices back the tax out of the gross; exclusive ones add it to the taxable.
    base = 100 + rate + cess_rate if line.tax_inclusive else Fraction(100)
    cess = _round(net * cess_rate / base)
    if inter_state:
        cgst = sgst = _NO_MONEY
        igst = _round(net * rate / base)
    else:
        cgst = sgst = _round(net * rate / (2 * base))
        igst = _NO_MONEY
    taxes = cgst + sgst + igst + cess
    taxable = net_money - taxes if line.tax_inclusive else net_money
    return InvoiceLine(
        line=line,
        extended_price=extended,
        bill_discount=bill_discount,
        breakdown=TaxBreakdown(taxable=taxable, cgst=cgst, sgst=sgst, igst=igst, cess=cess),
    )


# --------------------------------------------------------------------------- invoices
class DocumentKind(StrEnum):
    """Which GST document an invoice is, judged by whether its lines are taxed."""

    TAX_INVOICE = "tax_invoice"
    """Every line carries GST or cess (Rule 46)."""
    BILL_OF_SUPPLY = "bill_of_supply"
    """No line carries GST or cess: nil-rated or exempt goods only (Rule 49)."""
    INVOICE_CUM_BILL_OF_SUPPLY = "invoice_cum_bill_of_supply"
    """Taxed and untaxed lines together, e.g. packaged goods with fresh produce (Rule 46A)."""


@dataclass(frozen=True, slots=True)
class RateSummary:
    """The invoice's amounts at one GST rate (the receipt's GST table, GSTR-1 B2CS).

    Attributes:
        rate: the GST rate in percent.
        breakdown: the sums over the lines at that rate, cess included.
    """

    rate: Decimal
    breakdown: TaxBreakdown


@dataclass(frozen=True, slots=True)
class HsnSummary:
    """The invoice's amounts for one HSN code at one rate (GSTR-1 Table 12).

    Attributes:
        hsn: the HSN or SAC code as entered on the lines.
        rate: the GST rate in percent; one code can be sold at two rates (apparel priced
            above and below a threshold), so the rate is part of the key.
        quantity: the total quantity, with three decimals.
        breakdown: the sums over the lines with that code and rate.
    """

    hsn: str
    rate: Decimal
    quantity: Decimal
    breakdown: TaxBreakdown


@dataclass(frozen=True, slots=True)
class Invoice:
    """A whole sale with its tax: lines, totals, summaries and the round-off.

    Attributes:
        lines: the computed lines, in the order given.
        inter_state: whether IGST (``True``) or CGST + SGST (``False``) applies.
        bill_discount: the discount on the whole bill, already spread over ``lines``.
        totals: the sums over all lines; ``totals.gross`` is the unrounded amount due.
        rate_summary: one row per GST rate, in increasing rate.
        hsn_summary: one row per HSN code and rate, ordered by code then rate.
        round_off: ``grand_total - totals.gross``, between -50 and +50 paise.
        grand_total: the amount due, a whole number of rupees.
    """

    lines: tuple[InvoiceLine, ...]
    inter_state: bool
    bill_discount: Money
    totals: TaxBreakdown
    rate_summary: tuple[RateSummary, ...]
    hsn_summary: tuple[HsnSummary, ...]
    round_off: Money
    grand_total: Money

    @property
    def document_kind(self) -> DocumentKind:
        """Tax invoice, bill of supply, or invoice-cum-bill of supply, from the lines' rates."""
        taxed = [line.line.rate > 0 or line.line.cess_rate > 0 for line in self.lines]
        if not any(taxed):
            return DocumentKind.BILL_OF_SUPPLY
        if all(taxed):
            return DocumentKind.TAX_INVOICE
        return DocumentKind.INVOICE_CUM_BILL_OF_SUPPLY


def _thousandths(quantity: Decimal) -> int:
    return int(Fraction(quantity) * 10**QUANTITY_DECIMALS)


def _from_thousandths(count: int) -> Decimal:
    digits = tuple(map(int, str(abs(count))))
    return Decimal((int(count < 0), digits, -QUANTITY_DECIMALS))


def _rate_summary(lines: tuple[InvoiceLine, ...]) -> tuple[RateSummary, ...]:
    by_rate: dict[Decimal, list[TaxBreakdown]] = {}
    for computed in lines:
        by_rate.setdefault(computed.line.rate, []).append(computed.breakdown)
    return tuple(
        RateSummary(rate=rate, breakdown=_sum_breakdowns(by_rate[rate])) for rate in sorted(by_rate)
    )


def _hsn_summary(lines: tuple[InvoiceLine, ...]) -> tuple[HsnSummary, ...]:
    by_key: dict[tuple[str, Decimal], list[InvoiceLine]] = {}
    for computed in lines:
        by_key.setdefault((computed.line.hsn, computed.line.rate), []).append(computed)
    return tuple(
        HsnSummary(
            hsn=hsn,
            rate=rate,
            quantity=_from_thousandths(
                sum(_thousandths(line.line.quantity) for line in by_key[hsn, rate])
            ),
            breakdown=_sum_breakdowns(line.breakdown for line in by_key[hsn, rate]),
        )
        for hsn, rate in sorted(by_key)
    )


def compute_invoice(
    lines: Iterable[LineInput], *, inter_state: bool, bill_discount: Money = _NO_MONEY
) -> Invoice:
    """Tax a whole sale: spread the bill discount, tax each line, total, summarise, round off.

    Args:
        lines: the sale's lines; none at all gives an all-zero invoice (an empty basket).
        inter_state: ``True`` for IGST (goods delivered to another state), ``False`` for
            CGST + SGST (every over-the-counter sale).
        bill_discount: a discount on the whole bill, split over the lines by their value
            after line discounts so the shares sum to it exactly.

    Returns:
        The invoice, whose totals and summaries are exact sums of its lines.

    Raises:
        InvalidLine: a line is invalid or its discount exceeds its price, or the bill
            discount is negative, not Money, or more than the lines are worth.
    """
    if not isinstance(inter_state, bool):
        raise InvalidLine(f"inter_state must be True or False, not {inter_state!r}")
    items = tuple(lines)
    if not isinstance(bill_discount, Money):
        raise InvalidLine(f"the bill discount must be Money, not {bill_discount!r}")
    if bill_discount.paise < 0:
        raise InvalidLine(f"the bill discount must not be negative ({format_inr(bill_discount)})")
    for item in items:
        if not isinstance(item, LineInput):
            raise InvalidLine(f"expected a LineInput, not {type(item).__name__} {item!r}")
    values = [_value_before_bill_discount(item)[1] for item in items]
    worth = sum_money(values)
    if bill_discount > worth:
        raise InvalidLine(
            f"the bill discount of {format_inr(bill_discount)} is more than the "
            f"{format_inr(worth)} the lines are worth"
        )
    shares = (
        allocate(bill_discount, [value.paise for value in values])
        if bill_discount
        else [_NO_MONEY] * len(items)
    )
    computed = tuple(
        compute_line(item, inter_state=inter_state, bill_discount=share)
        for item, share in zip(items, shares, strict=True)
    )
    totals = _sum_breakdowns(line.breakdown for line in computed)
    gross = totals.gross
    grand_total = Money(
        round_ratio(gross.paise, _PAISE_PER_RUPEE, INVOICE_ROUNDING) * _PAISE_PER_RUPEE
    )
    return Invoice(
        lines=computed,
        inter_state=inter_state,
        bill_discount=bill_discount,
        totals=totals,
        rate_summary=_rate_summary(computed),
        hsn_summary=_hsn_summary(computed),
        round_off=grand_total - gross,
        grand_total=grand_total,
    )
