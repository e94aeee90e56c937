"""GST properties that hold for any basket: totals are sums of parts, halves are equal, and
an MRP line's taxable value plus its taxes is exactly what the customer pays."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.gst import (
    MAX_CESS_RATE,
    MAX_GST_RATE,
    Invoice,
    InvoiceLine,
    LineInput,
    TaxBreakdown,
    compute_invoice,
    compute_line,
)
from shared.money import Money

PROPERTY = settings(max_examples=200, deadline=None)

RATES = [Decimal(r) for r in ("0", "0.1", "0.25", "1", "1.5", "3", "5", "12", "18", "28", "40")]
CESS_RATES = [Decimal(r) for r in ("0", "0", "0", "1", "12", "15", "22", "60", "160", "290")]
HSN_CODES = ["0405", "0803", "1006", "2202", "3305", "3401", "6109", "61091000", "8703", "9983"]

quantities = st.one_of(
    st.integers(min_value=1, max_value=50).map(Decimal),
    # weighed goods: grams written as kilograms with three decimals
    st.integers(min_value=1, max_value=25_000).map(lambda grams: Decimal(grams) / 1000),
)


def half_up(value: Fraction) -> int:
    """Reference rounding for non-negative amounts, written independently of the code."""
    return math.floor(value + Fraction(1, 2))


@st.composite
def line_inputs(draw: st.DrawFn) -> LineInput:
    quantity = draw(quantities)
    unit_paise = draw(st.one_of(st.integers(0, 1000), st.integers(0, 10_000_000)))
    extended = half_up(Fraction(quantity) * unit_paise)
    discount = draw(st.one_of(st.just(0), st.integers(0, extended)))
    return LineInput(
        description=draw(st.sampled_from(["Soap", "Rice", "Cola", "Shirt", "Ghee"])),
        hsn=draw(st.sampled_from(HSN_CODES)),
        quantity=quantity,
        unit_price=Money(unit_paise),
        rate=draw(st.sampled_from(RATES)),
        cess_rate=draw(st.sampled_from(CESS_RATES)),
        tax_inclusive=draw(st.booleans()),
        discount=Money(discount),
    )


def value_after_line_discount(item: LineInput) -> int:
    return half_up(Fraction(item.quantity) * item.unit_price.paise) - item.discount.paise


@st.composite
def baskets(draw: st.DrawFn, *, inclusive_only: bool = False) -> tuple[list[LineInput], Money]:
    items = draw(st.lists(line_inputs(), min_size=0, max_size=8))
    if inclusive_only:
        items = [_inclusive(item) for item in items]
    worth = sum(value_after_line_discount(item) for item in items)
    discount = draw(st.one_of(st.just(0), st.integers(0, worth), st.just(worth)))
    return items, Money(discount)


def _inclusive(item: LineInput) -> LineInput:
    return LineInput(
        description=item.description,
        hsn=item.hsn,
        quantity=item.quantity,
        unit_price=item.unit_price,
        rate=item.rate,
        cess_rate=item.cess_rate,
        tax_inclusive=True,
        discount=item.discount,
    )


def paise(breakdown: TaxBreakdown) -> tuple[int, int, int, int, int]:
    return (
        breakdown.taxable.paise,
        breakdown.cgst.paise,
        breakdown.sgst.paise,
        breakdown.igst.paise,
        breakdown.cess.paise,
    )


def column_sums(rows: list[TaxBreakdown]) -> tuple[int, ...]:
    totals = [0] * 5
    for row in rows:
        for column, amount in enumerate(paise(row)):
            totals[column] += amount
    return tuple(totals)


def invoice_of(basket: tuple[list[LineInput], Money], inter_state: bool) -> Invoice:
    items, discount = basket
    return compute_invoice(items, inter_state=inter_state, bill_discount=discount)


@PROPERTY
@given(baskets(), st.booleans())
def test_invoice_totals_equal_the_sum_of_their_lines(
    basket: tuple[list[LineInput], Money], inter_state: bool
) -> None:
    invoice = invoice_of(basket, inter_state)
    assert paise(invoice.totals) == column_sums([line.breakdown for line in invoice.lines])
    assert invoice.totals.gross == Money(sum(line.gross.paise for line in invoice.lines))


@PROPERTY
@given(baskets(), st.booleans())
def test_rate_and_hsn_summaries_add_up_to_the_invoice_totals(
    basket: tuple[list[LineInput], Money], inter_state: bool
) -> None:
    invoice = invoice_of(basket, inter_state)
    assert column_sums([row.breakdown for row in invoice.rate_summary]) == paise(invoice.totals)
    assert column_sums([row.breakdown for row in invoice.hsn_summary]) == paise(invoice.totals)
    assert sum(row.quantity for row in invoice.hsn_summary) == sum(
        line.line.quantity for line in invoice.lines
    )
    assert [row.rate for row in invoice.rate_summary] == sorted(
        {line.line.rate for line in invoice.lines}
    )


@PROPERTY
@given(baskets(), st.booleans())
def test_every_summary_row_is_the_sum_of_exactly_its_own_lines(
    basket: tuple[list[LineInput], Money], inter_state: bool
) -> None:
    invoice = invoice_of(basket, inter_state)
    for row in invoice.rate_summary:
        mine = [line.breakdown for line in invoice.lines if line.line.rate == row.rate]
        assert paise(row.breakdown) == column_sums(mine)
    for hsn_row in invoice.hsn_summary:
        mine = [
            line.breakdown
            for line in invoice.lines
            if (line.line.hsn, line.line.rate) == (hsn_row.hsn, hsn_row.rate)
        ]
        assert paise(hsn_row.breakdown) == column_sums(mine)


def _check_line_adds_up(computed: InvoiceLine) -> None:
    net = computed.extended_price - computed.line.discount - computed.bill_discount
    breakdown = computed.breakdown
    taxes = breakdown.cgst + breakdown.sgst + breakdown.igst + breakdown.cess
    if computed.line.tax_inclusive:
        assert breakdown.taxable + taxes == net
    else:
        assert breakdown.taxable == net
    assert computed.gross == breakdown.taxable + taxes


@PROPERTY
@given(line_inputs(), st.booleans())
def test_an_inclusive_lines_taxable_value_plus_taxes_is_exactly_its_gross(
    item: LineInput, inter_state: bool
) -> None:
    computed = compute_line(_inclusive(item), inter_state=inter_state)
    _check_line_adds_up(computed)
    assert computed.gross == Money(value_after_line_discount(item))


@PROPERTY
@given(baskets(), st.booleans())
def test_every_line_of_every_basket_adds_up_after_the_bill_discount(
    basket: tuple[list[LineInput], Money], inter_state: bool
) -> None:
    for computed in invoice_of(basket, inter_state).lines:
        _check_line_adds_up(computed)


@PROPERTY
@given(baskets(), st.booleans())
def test_cgst_equals_sgst_on_every_line(
    basket: tuple[list[LineInput], Money], inter_state: bool
) -> None:
    invoice = invoice_of(basket, inter_state)
    for computed in invoice.lines:
        assert computed.breakdown.cgst == computed.breakdown.sgst
    assert invoice.totals.cgst == invoice.totals.sgst


@PROPERTY
@given(baskets())
def test_intra_state_never_has_igst_and_inter_state_never_has_cgst_or_sgst(
    basket: tuple[list[LineInput], Money],
) -> None:
    intra = invoice_of(basket, inter_state=False)
    inter = invoice_of(basket, inter_state=True)
    assert all(line.breakdown.igst == Money(0) for line in intra.lines)
    assert all(line.breakdown.cgst == line.breakdown.sgst == Money(0) for line in inter.lines)
    assert intra.totals.igst == Money(0)
    assert inter.totals.cgst == inter.totals.sgst == Money(0)


@PROPERTY
@given(baskets(), st.booleans())
def test_the_round_off_is_at_most_50_paise_and_makes_whole_rupees(
    basket: tuple[list[LineInput], Money], inter_state: bool
) -> None:
    invoice = invoice_of(basket, inter_state)
    assert abs(invoice.round_off.paise) <= 50
    assert invoice.grand_total.paise % 100 == 0
    assert invoice.grand_total == invoice.totals.gross + invoice.round_off
    assert invoice.grand_total.paise == half_up(Fraction(invoice.totals.gross.paise, 100)) * 100


@PROPERTY
@given(baskets(), st.booleans())
def test_bill_discount_shares_sum_exactly_to_the_bill_discount(
    basket: tuple[list[LineInput], Money], inter_state: bool
) -> None:
    invoice = invoice_of(basket, inter_state)
    assert sum(line.bill_discount.paise for line in invoice.lines) == basket[1].paise
    for computed in invoice.lines:
        assert 0 <= computed.bill_discount.paise <= value_after_line_discount(computed.line)


@PROPERTY
@given(baskets(inclusive_only=True))
def test_on_an_mrp_basket_the_bill_discount_comes_straight_off_what_the_customer_pays(
    basket: tuple[list[LineInput], Money],
) -> None:
    items, discount = basket
    worth = sum(value_after_line_discount(item) for item in items)
    for inter_state in (False, True):
        invoice = invoice_of(basket, inter_state)
        assert invoice.totals.gross == Money(worth - discount.paise)


@PROPERTY
@given(baskets(), st.booleans())
def test_no_amount_on_any_line_is_negative(
    basket: tuple[list[LineInput], Money], inter_state: bool
) -> None:
    for computed in invoice_of(basket, inter_state).lines:
        assert all(amount >= 0 for amount in paise(computed.breakdown))


@PROPERTY
@given(line_inputs(), st.booleans())
def test_each_tax_is_within_its_stated_bound_of_taxable_value_times_its_rate(
    item: LineInput, inter_state: bool
) -> None:
    # The module promises |tax - taxable x rate| <= 0.5 + 1.5 x rate/100 paise per head.
    computed = compute_line(item, inter_state=inter_state)
    taxable = Fraction(computed.breakdown.taxable.paise)
    rate, cess_rate = Fraction(item.rate), Fraction(item.cess_rate)
    heads = [(computed.breakdown.cess, cess_rate)]
    if inter_state:
        heads.append((computed.breakdown.igst, rate))
    else:
        heads += [(computed.breakdown.cgst, rate / 2), (computed.breakdown.sgst, rate / 2)]
    for amount, percent in heads:
        exact = taxable * percent / 100
        assert abs(amount.paise - exact) <= Fraction(1, 2) + Fraction(3, 2) * percent / 100


@PROPERTY
@given(line_inputs())
def test_an_exclusive_line_rounds_each_head_once_from_the_taxable_value(item: LineInput) -> None:
    exclusive = LineInput(
        description=item.description,
        hsn=item.hsn,
        quantity=item.quantity,
        unit_price=item.unit_price,
        rate=item.rate,
        cess_rate=item.cess_rate,
        tax_inclusive=False,
        discount=item.discount,
    )
    intra = compute_line(exclusive, inter_state=False).breakdown
    inter = compute_line(exclusive, inter_state=True).breakdown
    taxable = Fraction(value_after_line_discount(item))
    assert intra.taxable.paise == inter.taxable.paise == taxable
    assert intra.cgst.paise == half_up(taxable * Fraction(item.rate) / 200)
    assert inter.igst.paise == half_up(taxable * Fraction(item.rate) / 100)
    assert intra.cess.paise == inter.cess.paise == half_up(taxable * Fraction(item.cess_rate) / 100)


@PROPERTY
@given(line_inputs(), st.booleans())
def test_an_untaxed_line_keeps_its_whole_value_as_taxable(
    item: LineInput, inter_state: bool
) -> None:
    untaxed = LineInput(
        description=item.description,
        hsn=item.hsn,
        quantity=item.quantity,
        unit_price=item.unit_price,
        rate=Decimal(0),
        tax_inclusive=item.tax_inclusive,
        discount=item.discount,
    )
    computed = compute_line(untaxed, inter_state=inter_state)
    assert computed.breakdown.tax == Money(0)
    assert computed.breakdown.taxable == computed.gross == Money(value_after_line_discount(item))


@settings(max_examples=500, deadline=None)
@given(
    st.integers(min_value=0, max_value=20),
    st.sampled_from([*RATES, MAX_GST_RATE]),
    st.sampled_from([*CESS_RATES, Decimal(204), MAX_CESS_RATE]),
    st.booleans(),
)
def test_even_a_few_paise_at_the_highest_rates_never_back_out_to_a_negative_taxable_value(
    gross_paise: int, rate: Decimal, cess_rate: Decimal, inter_state: bool
) -> None:
    item = LineInput(
        description="Tiny",
        hsn="2403",
        quantity=Decimal(1),
        unit_price=Money(gross_paise),
        rate=rate,
        cess_rate=cess_rate,
    )
    computed = compute_line(item, inter_state=inter_state)
    assert computed.breakdown.taxable.paise >= 0
    assert computed.gross == Money(gross_paise)
