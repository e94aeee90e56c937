"""GST: rate periods, line tax under the rounding policy, invoices, summaries and round-off.

Worked examples come from the team's GST reference (section 3.5) and from hand arithmetic
shown beside each case. HSN codes and rates in the rate-table tests are illustrative.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from shared.errors import InvalidLine, InvalidTaxRate, NoRateInEffect, TaxError
from shared.gst import (
    DocumentKind,
    GstRate,
    HsnSummary,
    Invoice,
    InvoiceLine,
    LineInput,
    RateSummary,
    RateTable,
    TaxBreakdown,
    compute_invoice,
    compute_line,
)
from shared.money import Money

LAST_DAY_OF_OLD_SLABS = date(2025, 9, 21)
GST_2_0 = date(2025, 9, 22)
GST_LAUNCH = date(2017, 7, 1)
NO_MONEY = Money(0)


def line(
    price: str | int,
    rate: str | int | Decimal,
    *,
    quantity: str | int = 1,
    cess: str | int = 0,
    inclusive: bool = True,
    discount: str | int = 0,
    hsn: str = "3401",
    description: str = "Soap 100 g",
) -> LineInput:
    """A line priced in rupees, to keep the examples readable."""
    return LineInput(
        description=description,
        hsn=hsn,
        quantity=Decimal(quantity),
        unit_price=Money.of_rupees(price),
        rate=Decimal(rate),
        cess_rate=Decimal(cess),
        tax_inclusive=inclusive,
        discount=Money.of_rupees(discount),
    )


def rupees(text: str) -> Money:
    return Money.of_rupees(text)


def breakdown(
    taxable: str, cgst: str = "0", sgst: str = "0", igst: str = "0", cess: str = "0"
) -> TaxBreakdown:
    return TaxBreakdown(
        taxable=rupees(taxable),
        cgst=rupees(cgst),
        sgst=rupees(sgst),
        igst=rupees(igst),
        cess=rupees(cess),
    )


def intra(item: LineInput, bill_discount: Money = NO_MONEY) -> InvoiceLine:
    return compute_line(item, inter_state=False, bill_discount=bill_discount)


def inter(item: LineInput) -> InvoiceLine:
    return compute_line(item, inter_state=True)


# --------------------------------------------------------------------------- GstRate
def test_a_rate_period_holds_its_code_rate_cess_and_dates() -> None:
    rate = GstRate(
        hsn="2202",
        rate=Decimal(40),
        effective_from=GST_2_0,
        effective_to=None,
        cess_rate=Decimal(0),
    )
    assert rate.rate == Decimal(40)
    assert rate.covers(GST_2_0)
    assert rate.covers(date(2030, 1, 1))
    assert not rate.covers(LAST_DAY_OF_OLD_SLABS)
    assert rate.describe_period() == "2025-09-22 to open-ended"


def test_a_rate_period_includes_its_first_and_last_day() -> None:
    rate = GstRate(
        hsn="0405", rate=Decimal(12), effective_from=GST_LAUNCH, effective_to=LAST_DAY_OF_OLD_SLABS
    )
    assert rate.covers(GST_LAUNCH)
    assert rate.covers(LAST_DAY_OF_OLD_SLABS)
    assert not rate.covers(GST_2_0)
    assert not rate.covers(date(2017, 6, 30))
    assert rate.describe_period() == "2017-07-01 to 2025-09-21"


def test_integer_rates_are_stored_as_decimals() -> None:
    rate = GstRate(hsn="3401", rate=18, effective_from=GST_LAUNCH, cess_rate=1)  # type: ignore[arg-type]
    assert isinstance(rate.rate, Decimal)
    assert isinstance(rate.cess_rate, Decimal)
    assert rate.rate == Decimal(18)


def test_a_single_day_period_is_allowed() -> None:
    rate = GstRate(hsn="3401", rate=Decimal(18), effective_from=GST_2_0, effective_to=GST_2_0)
    assert rate.covers(GST_2_0)


@pytest.mark.parametrize("hsn", ["1", "123456789", "61A9", " 6109", "", "६१०९"])
def test_a_rate_needs_an_hsn_of_two_to_eight_digits(hsn: str) -> None:
    with pytest.raises(InvalidTaxRate, match="must be 2 to 8 digits"):
        GstRate(hsn=hsn, rate=Decimal(5), effective_from=GST_LAUNCH)


def test_a_rate_refuses_an_hsn_given_as_a_number() -> None:
    with pytest.raises(InvalidTaxRate, match="6109"):
        GstRate(hsn=6109, rate=Decimal(5), effective_from=GST_LAUNCH)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (18.0, "not the float 18.0"),
        (True, "not bool True"),
        ("18", "not str '18'"),
        (Decimal("-1"), r"-1% is outside 0..100%"),
        (Decimal("100.01"), r"100.01% is outside 0..100%"),
        (Decimal("NaN"), "outside"),
        (Decimal("Infinity"), "outside"),
    ],
)
def test_a_gst_rate_must_be_a_decimal_percentage_from_0_to_100(value: object, message: str) -> None:
    with pytest.raises(InvalidTaxRate, match=message):
        GstRate(hsn="6109", rate=value, effective_from=GST_LAUNCH)  # type: ignore[arg-type]


def test_a_cess_rate_may_exceed_100_percent_but_not_absurdly() -> None:
    assert GstRate(hsn="2403", rate=Decimal(28), effective_from=GST_LAUNCH, cess_rate=Decimal(160))
    with pytest.raises(InvalidTaxRate, match=r"cess rate of HSN 2403 18000% is outside 0..1000%"):
        GstRate(hsn="2403", rate=Decimal(28), effective_from=GST_LAUNCH, cess_rate=Decimal(18000))


def test_a_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(InvalidTaxRate, match="ends on 2025-09-21, before it starts on 2025-09-22"):
        GstRate(
            hsn="6109",
            rate=Decimal(5),
            effective_from=GST_2_0,
            effective_to=LAST_DAY_OF_OLD_SLABS,
        )


@pytest.mark.parametrize("field", ["effective_from", "effective_to"])
def test_period_bounds_must_be_dates_not_datetimes(field: str) -> None:
    dates = {"effective_from": GST_LAUNCH, field: datetime(2025, 9, 22, 0, 0)}
    with pytest.raises(InvalidTaxRate, match=f"{field} of HSN 6109 must be a date, not datetime"):
        GstRate(hsn="6109", rate=Decimal(5), **dates)  # type: ignore[arg-type]


def test_period_bounds_must_not_be_text() -> None:
    with pytest.raises(InvalidTaxRate, match="must be a date, not str"):
        GstRate(hsn="6109", rate=Decimal(5), effective_from="2025-09-22")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- RateTable
def slab_change_table() -> RateTable:
    """Illustrative periods around the 22 Sep 2025 change, given out of order on purpose."""
    return RateTable(
        [
            GstRate(hsn="0405", rate=Decimal(5), effective_from=GST_2_0),
            GstRate(
                hsn="0405",
                rate=Decimal(12),
                effective_from=GST_LAUNCH,
                effective_to=LAST_DAY_OF_OLD_SLABS,
            ),
            GstRate(
                hsn="2202",
                rate=Decimal(28),
                cess_rate=Decimal(12),
                effective_from=GST_LAUNCH,
                effective_to=LAST_DAY_OF_OLD_SLABS,
            ),
            GstRate(hsn="2202", rate=Decimal(40), effective_from=GST_2_0),
            GstRate(hsn="61", rate=Decimal(12), effective_from=GST_LAUNCH),
            GstRate(hsn="6109", rate=Decimal(5), effective_from=GST_LAUNCH),
            GstRate(hsn="61091000", rate=Decimal(18), effective_from=GST_2_0),
        ]
    )


def test_the_2025_slab_change_is_a_new_period_after_the_old_one() -> None:
    table = slab_change_table()
    assert table.rate_for("0405", LAST_DAY_OF_OLD_SLABS).rate == Decimal(12)
    assert table.rate_for("0405", GST_2_0).rate == Decimal(5)
    old_drink = table.rate_for("2202", LAST_DAY_OF_OLD_SLABS)
    assert (old_drink.rate, old_drink.cess_rate) == (Decimal(28), Decimal(12))
    new_drink = table.rate_for("2202", GST_2_0)
    assert (new_drink.rate, new_drink.cess_rate) == (Decimal(40), Decimal(0))


def test_an_invoice_taxed_before_the_change_keeps_the_rate_it_used() -> None:
    table = slab_change_table()
    old_rate = table.rate_for("0405", LAST_DAY_OF_OLD_SLABS)
    ghee = line("560", old_rate.rate, hsn="0405", description="Ghee 1 l")
    before = compute_invoice([ghee], inter_state=False)
    # the table moving on (even gaining more periods) cannot reach an invoice already made
    newer = RateTable([*table.rates, GstRate(hsn="0406", rate=Decimal(5), effective_from=GST_2_0)])
    assert newer.rate_for("0405", GST_2_0).rate == Decimal(5)
    assert before.lines[0].line.rate == Decimal(12)
    assert before.totals == breakdown("500", "30", "30")


def test_the_longest_matching_prefix_wins() -> None:
    table = slab_change_table()
    assert table.rate_for("61091000", GST_2_0).rate == Decimal(18)
    assert table.rate_for("61099010", GST_2_0).rate == Decimal(5)
    assert table.rate_for("6109", GST_2_0).rate == Decimal(5)
    assert table.rate_for("6110", GST_2_0).rate == Decimal(12)
    assert table.rate_for("61", GST_2_0).rate == Decimal(12)


def test_a_code_outside_its_own_periods_falls_back_to_its_heading() -> None:
    # 61091000 has a rate of its own only from 22 Sep 2025; before that 6109's applies
    assert slab_change_table().rate_for("61091000", LAST_DAY_OF_OLD_SLABS).rate == Decimal(5)


def test_no_rate_in_effect_names_the_code_and_the_date() -> None:
    table = slab_change_table()
    with pytest.raises(NoRateInEffect, match="no GST rate is in effect for HSN 0405 on 2017-06-30"):
        table.rate_for("0405", date(2017, 6, 30))
    with pytest.raises(NoRateInEffect, match="HSN 9983 on 2025-09-22"):
        table.rate_for("9983", GST_2_0)


def test_no_rate_in_effect_is_a_lookup_error_and_a_tax_error() -> None:
    with pytest.raises(LookupError) as caught:
        RateTable([]).rate_for("1006", GST_2_0)
    assert isinstance(caught.value, TaxError)


def test_a_gap_between_periods_has_no_rate() -> None:
    table = RateTable(
        [
            GstRate(
                hsn="1006",
                rate=Decimal(5),
                effective_from=GST_LAUNCH,
                effective_to=date(2022, 7, 17),
            ),
            GstRate(hsn="1006", rate=Decimal(5), effective_from=date(2022, 7, 19)),
        ]
    )
    assert table.rate_for("1006", date(2022, 7, 17)).rate == Decimal(5)
    assert table.rate_for("1006", date(2022, 7, 19)).rate == Decimal(5)
    with pytest.raises(NoRateInEffect, match="2022-07-18"):
        table.rate_for("1006", date(2022, 7, 18))


def test_overlapping_periods_of_one_code_are_refused_naming_both() -> None:
    with pytest.raises(
        InvalidTaxRate,
        match=r"HSN 0405 overlap: 12% from 2017-07-01 to 2025-09-22 and 5% from 2025-09-22",
    ):
        RateTable(
            [
                GstRate(hsn="0405", rate=Decimal(5), effective_from=GST_2_0),
                GstRate(
                    hsn="0405", rate=Decimal(12), effective_from=GST_LAUNCH, effective_to=GST_2_0
                ),
            ]
        )


def test_a_period_that_never_ends_cannot_be_followed_by_another() -> None:
    with pytest.raises(InvalidTaxRate, match="12% from 2017-07-01 to open-ended"):
        RateTable(
            [
                GstRate(hsn="0405", rate=Decimal(12), effective_from=GST_LAUNCH),
                GstRate(hsn="0405", rate=Decimal(5), effective_from=GST_2_0),
            ]
        )


def test_a_prefix_and_a_longer_code_may_have_periods_at_the_same_time() -> None:
    table = RateTable(
        [
            GstRate(hsn="6109", rate=Decimal(5), effective_from=GST_LAUNCH),
            GstRate(hsn="610910", rate=Decimal(18), effective_from=GST_LAUNCH),
        ]
    )
    assert table.rate_for("61091000", GST_2_0).rate == Decimal(18)


def test_a_rate_table_holds_only_rate_periods() -> None:
    with pytest.raises(InvalidTaxRate, match="holds GstRate values, not"):
        RateTable([("0405", Decimal(5))])  # type: ignore[list-item]


def test_the_table_lists_its_periods_by_code_then_start() -> None:
    listed = [(rate.hsn, rate.effective_from) for rate in slab_change_table().rates]
    assert listed == [
        ("0405", GST_LAUNCH),
        ("0405", GST_2_0),
        ("2202", GST_LAUNCH),
        ("2202", GST_2_0),
        ("61", GST_LAUNCH),
        ("6109", GST_LAUNCH),
        ("61091000", GST_2_0),
    ]


@pytest.mark.parametrize("hsn", ["6", "123456789", "61-09", "abcd"])
def test_looking_up_a_malformed_hsn_is_an_invalid_line(hsn: str) -> None:
    with pytest.raises(InvalidLine, match="must be 2 to 8 digits"):
        slab_change_table().rate_for(hsn, GST_2_0)


def test_looking_up_by_a_datetime_is_refused() -> None:
    with pytest.raises(InvalidLine, match="the invoice date must be a date, not datetime"):
        slab_change_table().rate_for("0405", datetime(2025, 9, 22, 10, 30))


# --------------------------------------------------------------------------- LineInput
def test_a_line_stores_integer_quantities_and_rates_as_decimals() -> None:
    item = LineInput(
        description="Pen",
        hsn="9608",
        quantity=2,  # type: ignore[arg-type]
        unit_price=Money(1000),
        rate=18,  # type: ignore[arg-type]
    )
    assert item.quantity == Decimal(2)
    assert isinstance(item.quantity, Decimal)
    assert isinstance(item.rate, Decimal)
    assert item.tax_inclusive
    assert item.discount == Money(0)
    assert item.cess_rate == Decimal(0)


@pytest.mark.parametrize("description", ["", "   ", None])
def test_a_line_needs_a_description(description: object) -> None:
    with pytest.raises(InvalidLine, match="needs a description"):
        LineInput(
            description=description,  # type: ignore[arg-type]
            hsn="9608",
            quantity=Decimal(1),
            unit_price=Money(1000),
            rate=Decimal(18),
        )


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0.5, "not the float 0.5"),
        (True, "not bool True"),
        ("1", "not str '1'"),
        (Decimal(0), "more than zero, not 0"),
        (Decimal("-1"), "more than zero, not -1"),
        (Decimal("NaN"), "more than zero"),
        (Decimal("Infinity"), "more than zero"),
        (Decimal("1.2345"), r"more than 3 decimal places \(1.2345\)"),
    ],
)
def test_a_line_quantity_must_be_a_positive_decimal_with_at_most_three_places(
    quantity: object, message: str
) -> None:
    with pytest.raises(InvalidLine, match=f"quantity of line 'Rice' .*{message}"):
        LineInput(
            description="Rice",
            hsn="1006",
            quantity=quantity,  # type: ignore[arg-type]
            unit_price=Money(6000),
            rate=Decimal(5),
        )


def test_a_quantity_with_trailing_zeros_beyond_three_places_is_still_grams() -> None:
    item = line("60", 5, quantity="1.250000")
    assert intra(item).extended_price == rupees("75")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("unit_price", Money(-1), r"unit price of line 'Soap' must not be negative \(-₹0.01\)"),
        ("unit_price", 100, "unit price of line 'Soap' must be Money, not int 100"),
        ("discount", Money(-100), r"discount of line 'Soap' must not be negative"),
        ("discount", Decimal(1), "discount of line 'Soap' must be Money, not Decimal"),
        ("rate", 18.0, "GST rate of line 'Soap' must be a Decimal percentage, not the float"),
        ("rate", Decimal(101), r"GST rate of line 'Soap' 101% is outside 0..100%"),
        ("cess_rate", Decimal(-5), r"cess rate of line 'Soap' -5% is outside 0..1000%"),
        ("tax_inclusive", 1, "tax_inclusive of line 'Soap' must be True or False"),
        ("hsn", "34O1", "'34O1' must be 2 to 8 digits"),
    ],
)
def test_a_line_with_a_bad_field_names_the_line_and_the_field(
    field: str, value: object, message: str
) -> None:
    fields: dict[str, object] = {
        "description": "Soap",
        "hsn": "3401",
        "quantity": Decimal(1),
        "unit_price": Money(5000),
        "rate": Decimal(18),
        field: value,
    }
    with pytest.raises(InvalidLine, match=message):
        LineInput(**fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- inclusive lines
@pytest.mark.parametrize(
    ("mrp", "rate", "taxable", "half"),
    [
        ("118", 18, "100.00", "9.00"),  # the textbook case
        ("105", 5, "100.00", "2.50"),  # reference 3.5
        ("99", 18, "83.90", "7.55"),  # reference 3.5: 99 x 18/236 = 7.5508 each
        ("140", 40, "100.00", "20.00"),  # the new 40 % slab
        ("40", 40, "28.58", "5.71"),  # 40 x 40/280 = 5.714 each
        ("103", 3, "100.00", "1.50"),  # gold
        # 10025 x 0.25/200.5 is exactly 12.5 paise: each half rounds up, taxable absorbs it
        ("100.25", Decimal("0.25"), "99.99", "0.13"),
    ],
)
def test_an_mrp_backs_out_to_taxable_value_and_equal_halves(
    mrp: str, rate: int | Decimal, taxable: str, half: str
) -> None:
    computed = intra(line(mrp, rate))
    assert computed.breakdown == breakdown(taxable, half, half)
    assert computed.gross == rupees(mrp)


def test_an_mrp_of_one_rupee_at_18_percent_keeps_halves_equal_when_tax_is_odd() -> None:
    # The exact tax is 100 x 18/118 = 15.25 paise: rounded as a whole it is 15, which cannot
    # be halved. Each half is rounded instead (7.63 -> 8), and the taxable value absorbs it.
    computed = intra(line("1", 18))
    assert computed.breakdown == breakdown("0.84", "0.08", "0.08")
    assert computed.gross == rupees("1")


def test_an_inter_state_mrp_carries_one_igst_amount() -> None:
    assert inter(line("118", 18)).breakdown == breakdown("100", igst="18")
    # the odd 15 paise needs no splitting across the border
    assert inter(line("1", 18)).breakdown == breakdown("0.85", igst="0.15")


def test_a_weighed_item_rounds_its_extended_price_to_the_paisa_first() -> None:
    # 1.235 kg x ₹64.90 = ₹80.1515 -> ₹80.15; 8015 x 5/210 = 190.83 -> 191 paise each half
    computed = intra(line("64.90", 5, quantity="1.235", hsn="0803", description="Bananas"))
    assert computed.extended_price == rupees("80.15")
    assert computed.breakdown == breakdown("76.33", "1.91", "1.91")


def test_a_half_paisa_extended_price_rounds_up() -> None:
    # 0.250 kg x 10 paise = 2.5 paise -> 3 paise
    assert intra(line("0.10", 0, quantity="0.250")).extended_price == Money(3)
    # 0.249 kg x 10 paise = 2.49 paise -> 2 paise
    assert intra(line("0.10", 0, quantity="0.249")).extended_price == Money(2)


def test_several_units_are_multiplied_before_tax_is_backed_out() -> None:
    # 3 x ₹29.99 = ₹89.97; 8997 x 40/280 = 1285.29 -> ₹12.85 each half
    computed = intra(line("29.99", 40, quantity=3, hsn="2202", description="Cola 750 ml"))
    assert computed.extended_price == rupees("89.97")
    assert computed.breakdown == breakdown("64.27", "12.85", "12.85")


def test_cess_is_backed_out_of_an_mrp_alongside_gst() -> None:
    # 28 % + 60 % cess: ₹188 = 100 taxable + 14 + 14 + 60 cess
    computed = intra(line("188", 28, cess=60, hsn="2106", description="Pan masala"))
    assert computed.breakdown == breakdown("100", "14", "14", cess="60")
    assert inter(line("188", 28, cess=60)).breakdown == breakdown("100", igst="28", cess="60")


def test_a_40_percent_line_with_cess_and_odd_paise_still_adds_up() -> None:
    # D = 100 + 40 + 12 = 152; 9999 x 40/304 = 1315.66 -> 1316 each half;
    # cess 9999 x 12/152 = 789.39 -> 789; taxable = 9999 - 2632 - 789 = 6578
    computed = intra(line("99.99", 40, cess=12))
    assert computed.breakdown == breakdown("65.78", "13.16", "13.16", cess="7.89")
    assert computed.gross == rupees("99.99")


def test_a_line_discount_comes_off_the_mrp_before_tax_is_backed_out() -> None:
    # ₹118 less ₹18 = ₹100 gross; 10000 x 18/236 = 762.7 -> ₹7.63 each half
    computed = intra(line("118", 18, discount="18"))
    assert computed.extended_price == rupees("118")
    assert computed.discount == rupees("18")
    assert computed.breakdown == breakdown("84.74", "7.63", "7.63")
    assert computed.gross == rupees("100")


def test_a_nil_rated_line_has_no_tax_and_its_gross_is_its_taxable_value() -> None:
    computed = intra(line("50", 0, hsn="1006", description="Loose rice"))
    assert computed.breakdown == breakdown("50")
    assert computed.breakdown.tax == Money(0)


def test_a_fully_discounted_line_is_worth_nothing_and_taxes_nothing() -> None:
    computed = intra(line("118", 18, discount="118"))
    assert computed.breakdown == breakdown("0")


# --------------------------------------------------------------------------- exclusive lines
def test_an_exclusive_price_has_tax_added_on_top() -> None:
    computed = intra(line("100", 18, inclusive=False))
    assert computed.breakdown == breakdown("100", "9", "9")
    assert computed.gross == rupees("118")
    assert inter(line("100", 18, inclusive=False)).breakdown == breakdown("100", igst="18")


def test_an_exclusive_price_rounds_each_half_to_the_paisa() -> None:
    # 99 x 5/200 = 2.475 -> 2 paise each half, while IGST is 99 x 5/100 = 4.95 -> 5 paise
    assert intra(line("0.99", 5, inclusive=False)).breakdown == breakdown("0.99", "0.02", "0.02")
    assert inter(line("0.99", 5, inclusive=False)).breakdown == breakdown("0.99", igst="0.05")


def test_an_exclusive_price_with_cess_adds_cess_on_the_taxable_value() -> None:
    computed = intra(line("1000", 28, cess=15, inclusive=False, hsn="8703"))
    assert computed.breakdown == breakdown("1000", "140", "140", cess="150")
    assert computed.gross == rupees("1430")


def test_an_exclusive_40_percent_line() -> None:
    assert intra(line("1000", 40, inclusive=False)).gross == rupees("1400")


def test_an_exclusive_line_discount_lowers_the_taxable_value() -> None:
    computed = intra(line("100", 18, inclusive=False, discount="10"))
    assert computed.breakdown == breakdown("90", "8.10", "8.10")


# --------------------------------------------------------------------------- bad lines
def test_a_line_discount_larger_than_the_price_is_refused() -> None:
    with pytest.raises(
        InvalidLine, match=r"discount of ₹120.00 on line 'Soap 100 g' is more than its price"
    ):
        intra(line("118", 18, discount="120"))


def test_a_bill_discount_share_larger_than_the_line_value_is_refused() -> None:
    with pytest.raises(InvalidLine, match=r"bill discount share of ₹100.01 .* value of ₹100.00"):
        intra(line("118", 18, discount="18"), bill_discount=rupees("100.01"))


def test_a_negative_bill_discount_share_is_refused() -> None:
    with pytest.raises(InvalidLine, match=r"bill discount share .* must not be negative"):
        intra(line("118", 18), bill_discount=Money(-1))


def test_compute_line_takes_a_line_input() -> None:
    with pytest.raises(InvalidLine, match="expected a LineInput, not dict"):
        compute_line({"price": 118}, inter_state=False)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- invoices
def grocery_basket() -> list[LineInput]:
    return [
        line("118", 18, description="Shampoo", hsn="3305"),
        line("105", 5, description="Ghee 100 ml", hsn="0405"),
        line("50", 0, description="Loose rice 1 kg", hsn="1006"),
    ]


def test_an_invoice_totals_its_lines_and_rounds_to_the_rupee() -> None:
    invoice = compute_invoice(grocery_basket(), inter_state=False)
    assert invoice.totals == breakdown("250", "11.50", "11.50")
    assert invoice.totals.gross == rupees("273")
    assert invoice.round_off == Money(0)
    assert invoice.grand_total == rupees("273")
    assert invoice.document_kind is DocumentKind.INVOICE_CUM_BILL_OF_SUPPLY


def test_a_bill_discount_is_spread_over_lines_by_value_before_tax() -> None:
    # 10 % off ₹273: ₹11.80, ₹10.50 and ₹5.00 off the three lines
    invoice = compute_invoice(grocery_basket(), inter_state=False, bill_discount=rupees("27.30"))
    assert [computed.bill_discount for computed in invoice.lines] == [
        rupees("11.80"),
        rupees("10.50"),
        rupees("5.00"),
    ]
    assert [computed.breakdown for computed in invoice.lines] == [
        breakdown("90", "8.10", "8.10"),
        breakdown("90", "2.25", "2.25"),
        breakdown("45"),
    ]
    assert invoice.totals.gross == rupees("245.70")
    assert invoice.round_off == rupees("0.30")
    assert invoice.grand_total == rupees("246")
    assert invoice.bill_discount == rupees("27.30")


def test_an_uneven_bill_discount_gives_the_spare_paisa_to_the_largest_remainder() -> None:
    items = [line("1", 0), line("1", 0), line("1", 0)]
    invoice = compute_invoice(items, inter_state=False, bill_discount=rupees("0.10"))
    assert [computed.bill_discount.paise for computed in invoice.lines] == [4, 3, 3]
    assert invoice.totals.gross == rupees("2.90")


def test_a_bill_discount_is_weighed_after_line_discounts() -> None:
    items = [line("100", 0, discount="50"), line("50", 0)]
    invoice = compute_invoice(items, inter_state=False, bill_discount=rupees("10"))
    assert [computed.bill_discount for computed in invoice.lines] == [rupees("5"), rupees("5")]
    assert invoice.lines[0].discount == rupees("55")


def test_a_bill_discount_on_an_exclusive_line_comes_off_before_tax_is_added() -> None:
    invoice = compute_invoice(
        [line("100", 18, inclusive=False)], inter_state=False, bill_discount=rupees("10")
    )
    assert invoice.lines[0].breakdown == breakdown("90", "8.10", "8.10")
    assert invoice.grand_total == rupees("106")
    assert invoice.round_off == rupees("-0.20")


@pytest.mark.parametrize(
    ("mrp", "grand_total", "round_off"),
    [
        ("100.49", "100", "-0.49"),
        ("100.50", "101", "0.50"),
        ("100.51", "101", "0.49"),
        ("100.01", "100", "-0.01"),
        ("99.99", "100", "0.01"),
        ("100", "100", "0"),
        ("0.50", "1", "0.50"),
        ("0.49", "0", "-0.49"),
    ],
)
def test_the_grand_total_rounds_half_up_to_the_rupee_with_a_round_off_line(
    mrp: str, grand_total: str, round_off: str
) -> None:
    invoice = compute_invoice([line(mrp, 18)], inter_state=False)
    assert invoice.totals.gross == rupees(mrp)
    assert invoice.grand_total == rupees(grand_total)
    assert invoice.round_off == rupees(round_off)


def test_an_inter_state_invoice_has_only_igst() -> None:
    invoice = compute_invoice(grocery_basket(), inter_state=True)
    assert invoice.inter_state
    assert invoice.totals == breakdown("250", igst="23")
    assert invoice.grand_total == rupees("273")


def test_the_rate_summary_has_one_row_per_rate_in_increasing_order() -> None:
    items = [*grocery_basket(), line("59", 18, description="Toothpaste", hsn="3306")]
    invoice = compute_invoice(items, inter_state=False)
    assert invoice.rate_summary == (
        RateSummary(rate=Decimal(0), breakdown=breakdown("50")),
        RateSummary(rate=Decimal(5), breakdown=breakdown("100", "2.50", "2.50")),
        RateSummary(rate=Decimal(18), breakdown=breakdown("150", "13.50", "13.50")),
    )


def test_the_rate_summary_includes_cess() -> None:
    invoice = compute_invoice([line("188", 28, cess=60), line("128", 28)], inter_state=True)
    assert invoice.rate_summary == (
        RateSummary(rate=Decimal(28), breakdown=breakdown("200", igst="56", cess="60")),
    )


def test_the_hsn_summary_groups_by_code_and_rate_and_adds_quantities() -> None:
    items = [
        line("60", 5, quantity="1.500", hsn="1006", description="Basmati"),
        line("52.50", 5, quantity=2, hsn="1006", description="Sona masoori"),
        line("50", 0, quantity="0.750", hsn="1006", description="Loose rice"),
        line("118", 18, hsn="3305", description="Shampoo"),
    ]
    invoice = compute_invoice(items, inter_state=False)
    # ₹90 + ₹105 at 5 % is ₹195 gross: 19500 x 5/210 = 464.29 -> ₹4.64 each half
    assert invoice.hsn_summary == (
        HsnSummary(
            hsn="1006", rate=Decimal(0), quantity=Decimal("0.750"), breakdown=breakdown("37.50")
        ),
        HsnSummary(
            hsn="1006",
            rate=Decimal(5),
            quantity=Decimal("3.500"),
            breakdown=breakdown("185.72", "4.64", "4.64"),
        ),
        HsnSummary(
            hsn="3305",
            rate=Decimal(18),
            quantity=Decimal("1.000"),
            breakdown=breakdown("100", "9", "9"),
        ),
    )
    assert str(invoice.hsn_summary[1].quantity) == "3.500"


def test_hsn_summary_rows_are_sums_of_rounded_lines_not_rounded_sums() -> None:
    # ₹90 at 5 %: 9000 x 5/210 = 214.29 -> 214; ₹105: 10500 x 5/210 = 250 exactly
    items = [
        line("60", 5, quantity="1.500", hsn="1006"),
        line("52.50", 5, quantity=2, hsn="1006"),
    ]
    invoice = compute_invoice(items, inter_state=False)
    assert [computed.breakdown.cgst.paise for computed in invoice.lines] == [214, 250]
    assert invoice.hsn_summary[0].breakdown.cgst.paise == 464


def test_an_invoice_of_only_untaxed_lines_is_a_bill_of_supply() -> None:
    invoice = compute_invoice(
        [line("50", 0, hsn="1006"), line("30", 0, hsn="0702")], inter_state=False
    )
    assert invoice.document_kind is DocumentKind.BILL_OF_SUPPLY
    assert invoice.totals.tax == Money(0)
    assert invoice.totals == breakdown("80")


def test_an_invoice_of_only_taxed_lines_is_a_tax_invoice() -> None:
    assert (
        compute_invoice([line("118", 18)], inter_state=False).document_kind
        is DocumentKind.TAX_INVOICE
    )


def test_a_cess_only_line_counts_as_taxed() -> None:
    invoice = compute_invoice([line("112", 0, cess=12)], inter_state=False)
    assert invoice.document_kind is DocumentKind.TAX_INVOICE
    assert invoice.totals == breakdown("100", cess="12")


def test_a_low_rate_line_that_rounds_to_no_tax_is_still_a_taxed_supply() -> None:
    invoice = compute_invoice([line("0.01", 5)], inter_state=False)
    assert invoice.totals.tax == Money(0)
    assert invoice.document_kind is DocumentKind.TAX_INVOICE


def test_an_empty_basket_is_an_all_zero_invoice() -> None:
    invoice = compute_invoice([], inter_state=False)
    assert invoice.lines == ()
    assert invoice.totals == breakdown("0")
    assert invoice.rate_summary == ()
    assert invoice.hsn_summary == ()
    assert invoice.grand_total == Money(0)
    assert invoice.round_off == Money(0)


def test_an_invoice_accepts_any_iterable_of_lines() -> None:
    invoice = compute_invoice(iter(grocery_basket()), inter_state=False)
    assert len(invoice.lines) == 3
    assert isinstance(invoice, Invoice)


def test_lines_keep_their_order_and_their_inputs() -> None:
    basket = grocery_basket()
    invoice = compute_invoice(basket, inter_state=False)
    assert [computed.line for computed in invoice.lines] == basket


def test_a_bill_discount_larger_than_the_basket_is_refused() -> None:
    with pytest.raises(
        InvalidLine, match=r"bill discount of ₹273.01 is more than the ₹273.00 the lines are worth"
    ):
        compute_invoice(grocery_basket(), inter_state=False, bill_discount=rupees("273.01"))


def test_a_bill_discount_on_an_empty_basket_is_refused() -> None:
    with pytest.raises(InvalidLine, match=r"more than the ₹0\.00"):
        compute_invoice([], inter_state=False, bill_discount=rupees("1"))


def test_a_bill_discount_of_the_whole_basket_leaves_nothing_to_pay() -> None:
    invoice = compute_invoice(grocery_basket(), inter_state=False, bill_discount=rupees("273"))
    assert invoice.totals == breakdown("0")
    assert invoice.grand_total == Money(0)


def test_a_negative_bill_discount_is_refused() -> None:
    with pytest.raises(InvalidLine, match=r"bill discount must not be negative \(-₹1.00\)"):
        compute_invoice(grocery_basket(), inter_state=False, bill_discount=rupees("-1"))


def test_a_bill_discount_must_be_money() -> None:
    with pytest.raises(InvalidLine, match="bill discount must be Money, not 0"):
        compute_invoice(grocery_basket(), inter_state=False, bill_discount=0)  # type: ignore[arg-type]


def test_inter_state_must_be_said_plainly() -> None:
    with pytest.raises(InvalidLine, match="inter_state must be True or False, not 'no'"):
        compute_invoice(grocery_basket(), inter_state="no")  # type: ignore[arg-type]


def test_an_invoice_refuses_an_item_that_is_not_a_line() -> None:
    with pytest.raises(InvalidLine, match="expected a LineInput, not str"):
        compute_invoice([*grocery_basket(), "shampoo"], inter_state=False)  # type: ignore[list-item]


def test_an_invoice_reports_a_line_discount_larger_than_its_price() -> None:
    with pytest.raises(InvalidLine, match="on line 'Soap 100 g' is more than its price"):
        compute_invoice([line("10", 18, discount="11")], inter_state=False)


def test_invoices_and_their_parts_are_immutable_values() -> None:
    first = compute_invoice(grocery_basket(), inter_state=False)
    second = compute_invoice(grocery_basket(), inter_state=False)
    assert first == second
    with pytest.raises(AttributeError):
        first.grand_total = Money(0)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        first.lines[0].breakdown.cgst = Money(0)  # type: ignore[misc]
