"""Money: integer paise, exact construction, arithmetic, allocation and Indian formatting."""

from __future__ import annotations

from decimal import (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    localcontext,
)
from enum import IntEnum
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.errors import FloatMoneyError, GallaError, MoneyError
from shared.money import Money, allocate, format_inr, round_ratio, sum_money

ALL_MODES = (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
)
PROPERTY = settings(max_examples=300, deadline=None)
amounts = st.integers(min_value=-(10**15), max_value=10**15).map(Money)


# --------------------------------------------------------------------------- construction
def test_money_holds_whole_paise() -> None:
    assert Money(12345).paise == 12345
    assert Money(-1).paise == -1


def test_a_float_is_refused_with_a_float_money_error_that_names_it() -> None:
    with pytest.raises(FloatMoneyError, match=r"float 1\.5"):
        Money(1.5)  # type: ignore[arg-type]


def test_float_money_error_is_a_money_error_a_type_error_and_a_galla_error() -> None:
    with pytest.raises(MoneyError) as caught:
        Money(0.0)  # type: ignore[arg-type]
    assert isinstance(caught.value, TypeError)
    assert isinstance(caught.value, GallaError)


def test_a_bool_is_not_an_amount_of_paise() -> None:
    with pytest.raises(MoneyError, match="bool True"):
        Money(True)


def test_a_decimal_is_refused_with_a_hint_to_use_rupees() -> None:
    with pytest.raises(MoneyError, match=r"Decimal\('1.50'\).*of_rupees"):
        Money(Decimal("1.50"))  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["100", None, Fraction(1, 2), [1]])
def test_other_non_integers_are_refused_naming_their_type(value: object) -> None:
    with pytest.raises(MoneyError, match=type(value).__name__):
        Money(value)  # type: ignore[arg-type]


def test_an_int_subclass_is_stored_as_a_plain_int() -> None:
    class Denomination(IntEnum):
        FIVE = 500

    money = Money(Denomination.FIVE)
    assert money.paise == 500
    assert type(money.paise) is int


def test_money_is_immutable() -> None:
    money = Money(100)
    with pytest.raises(AttributeError):
        money.paise = 200  # type: ignore[misc]


def test_zero_is_no_money_at_all() -> None:
    assert Money.zero() == Money(0)
    assert not Money.zero()
    assert Money(1)
    assert Money(-1)


# --------------------------------------------------------------------------- from rupees
@pytest.mark.parametrize(
    ("rupees", "paise"),
    [
        (Decimal("123.45"), 12345),
        (Decimal("1234.5"), 123450),
        (Decimal("1.230000"), 123),
        (Decimal("1E+2"), 10000),
        (Decimal("-0.01"), -1),
        (5, 500),
        (-7, -700),
        ("1234.50", 123450),
        (" 12.00 ", 1200),
        ("+3", 300),
        ("-0.5", -50),
    ],
)
def test_rupees_convert_to_paise_exactly(rupees: Decimal | str | int, paise: int) -> None:
    assert Money.of_rupees(rupees) == Money(paise)


def test_rupee_amounts_beyond_the_decimal_context_precision_stay_exact() -> None:
    digits = "9" * 40
    assert Money.of_rupees(Decimal(digits + ".99")).paise == int(digits + "99")


def test_a_fraction_of_a_paisa_is_refused_unless_a_rounding_mode_is_named() -> None:
    with pytest.raises(MoneyError, match=r"1\.005 has a fraction of a paisa"):
        Money.of_rupees(Decimal("1.005"))


@pytest.mark.parametrize(
    ("rupees", "rounding", "paise"),
    [
        ("1.005", ROUND_HALF_UP, 101),
        ("1.005", ROUND_HALF_EVEN, 100),
        ("1.015", ROUND_HALF_EVEN, 102),
        ("-1.005", ROUND_HALF_UP, -101),
        ("-1.009", ROUND_DOWN, -100),
        ("1.001", ROUND_CEILING, 101),
        ("-1.001", ROUND_FLOOR, -101),
    ],
)
def test_a_named_rounding_mode_rounds_to_the_paisa(rupees: str, rounding: str, paise: int) -> None:
    assert Money.of_rupees(rupees, rounding) == Money(paise)


def test_an_unknown_rounding_mode_is_refused() -> None:
    with pytest.raises(MoneyError, match="unknown rounding mode 'HALF_UP'"):
        Money.of_rupees("1.005", "HALF_UP")


def test_a_float_rupee_amount_is_a_float_money_error() -> None:
    with pytest.raises(FloatMoneyError, match=r"0\.1"):
        Money.of_rupees(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["1,234.50", "1e3", "NaN", "Infinity", "1_000", "", "₹5", "1."])
def test_rupee_text_must_be_a_plain_decimal_number(text: str) -> None:
    with pytest.raises(MoneyError, match="plain decimal number"):
        Money.of_rupees(text)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_rupees_must_be_finite(value: Decimal) -> None:
    with pytest.raises(MoneyError, match="finite"):
        Money.of_rupees(value)


@pytest.mark.parametrize("value", [True, None, Fraction(1, 2), b"5"])
def test_rupees_of_another_type_are_refused_naming_the_type(value: object) -> None:
    with pytest.raises(MoneyError, match=type(value).__name__):
        Money.of_rupees(value)  # type: ignore[arg-type]


def test_computed_rupees_round_half_up_by_default() -> None:
    assert Money.from_decimal_rupees(Decimal("2.675")) == Money(268)
    assert Money.from_decimal_rupees(Decimal("2.674")) == Money(267)
    assert Money.from_decimal_rupees(Decimal("-2.675")) == Money(-268)


def test_computed_rupees_round_with_the_mode_asked_for() -> None:
    assert Money.from_decimal_rupees(Decimal("2.675"), ROUND_HALF_EVEN) == Money(268)
    assert Money.from_decimal_rupees(Decimal("2.665"), ROUND_HALF_EVEN) == Money(266)


def test_computed_rupees_must_be_a_decimal_not_text_or_float() -> None:
    with pytest.raises(MoneyError, match="use of_rupees for text"):
        Money.from_decimal_rupees("2.50")  # type: ignore[arg-type]
    with pytest.raises(FloatMoneyError):
        Money.from_decimal_rupees(2.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("paise", "text"), [(12345, "123.45"), (-5, "-0.05"), (0, "0.00"), (100, "1.00")]
)
def test_to_decimal_gives_rupees_with_two_places(paise: int, text: str) -> None:
    rupees = Money(paise).to_decimal()
    assert isinstance(rupees, Decimal)
    assert str(rupees) == text


@PROPERTY
@given(amounts)
def test_rupees_round_trip_exactly(money: Money) -> None:
    assert Money.of_rupees(money.to_decimal()) == money
    assert Money.of_rupees(str(money.to_decimal())) == money


# --------------------------------------------------------------------------- arithmetic
def test_money_adds_and_subtracts() -> None:
    assert Money(150) + Money(275) == Money(425)
    assert Money(150) - Money(275) == Money(-125)


def test_money_negates_and_takes_its_absolute_value() -> None:
    assert -Money(150) == Money(-150)
    assert +Money(-150) == Money(-150)
    assert abs(Money(-150)) == Money(150)


def test_money_multiplies_by_a_whole_count_from_either_side() -> None:
    assert Money(1250) * 3 == Money(3750)
    assert 3 * Money(1250) == Money(3750)
    assert Money(1250) * -2 == Money(-2500)


def test_multiplying_money_by_a_float_is_a_float_money_error() -> None:
    with pytest.raises(FloatMoneyError, match=r"float 1\.5"):
        Money(100) * 1.5  # type: ignore[operator]


@pytest.mark.parametrize("factor", [Decimal("1.5"), True, "2", Money(2)])
def test_multiplying_money_by_anything_but_an_int_is_a_type_error(factor: object) -> None:
    with pytest.raises(TypeError):
        Money(100) * factor  # type: ignore[operator]


@pytest.mark.parametrize("other", [1, Decimal(1), 0.5, "1"])
def test_money_does_not_add_or_subtract_plain_numbers(other: object) -> None:
    with pytest.raises(TypeError):
        Money(100) + other  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(100) - other  # type: ignore[operator]


def test_money_compares_and_sorts_by_amount() -> None:
    assert Money(-1) < Money(0) < Money(1)
    assert Money(5) >= Money(5)
    assert sorted([Money(300), Money(-2), Money(10)]) == [Money(-2), Money(10), Money(300)]
    assert max(Money(3), Money(7)) == Money(7)


def test_money_never_equals_a_plain_number_and_cannot_be_ordered_against_one() -> None:
    assert Money(100) != 100  # type: ignore[comparison-overlap]
    with pytest.raises(TypeError):
        _ = Money(100) < 200  # type: ignore[operator]


def test_equal_amounts_hash_alike() -> None:
    assert len({Money(100), Money(100), Money(200)}) == 2
    assert {Money(5): "five"}[Money(5)] == "five"


@PROPERTY
@given(amounts, amounts, amounts)
def test_addition_is_associative_and_subtraction_undoes_it(a: Money, b: Money, c: Money) -> None:
    assert (a + b) + c == a + (b + c)
    assert a + b - b == a
    assert a - a == Money.zero()
    assert a + -a == Money.zero()


def test_sum_money_adds_any_iterable() -> None:
    assert sum_money([Money(100), Money(250), Money(-50)]) == Money(300)
    assert sum_money(Money(p) for p in range(5)) == Money(10)


def test_sum_money_of_nothing_is_zero() -> None:
    assert sum_money([]) == Money.zero()


def test_sum_money_refuses_an_item_that_is_not_money_and_names_its_position() -> None:
    with pytest.raises(MoneyError, match="item 1 is int 5"):
        sum_money([Money(1), 5])  # type: ignore[list-item]


# --------------------------------------------------------------------------- round_ratio
@pytest.mark.parametrize(
    ("numerator", "denominator", "rounding", "expected"),
    [
        (5, 2, ROUND_HALF_UP, 3),
        (-5, 2, ROUND_HALF_UP, -3),
        (5, -2, ROUND_HALF_UP, -3),
        (7, 3, ROUND_HALF_UP, 2),
        (8, 3, ROUND_HALF_UP, 3),
        (5, 2, ROUND_HALF_EVEN, 2),
        (7, 2, ROUND_HALF_EVEN, 4),
        (5, 2, ROUND_HALF_DOWN, 2),
        (-7, 3, ROUND_FLOOR, -3),
        (-7, 3, ROUND_CEILING, -2),
        (1, 10**30, ROUND_UP, 1),
        (0, 7, ROUND_UP, 0),
        (12, 4, ROUND_HALF_UP, 3),
    ],
)
def test_round_ratio_rounds_the_exact_quotient_once(
    numerator: int, denominator: int, rounding: str, expected: int
) -> None:
    assert round_ratio(numerator, denominator, rounding) == expected


def test_round_ratio_refuses_a_zero_denominator() -> None:
    with pytest.raises(MoneyError, match="by zero"):
        round_ratio(1, 0)


@pytest.mark.parametrize(("numerator", "denominator"), [(True, 2), (1.5, 2), (1, Decimal(2))])
def test_round_ratio_takes_only_ints(numerator: object, denominator: object) -> None:
    with pytest.raises(MoneyError, match="must be an int"):
        round_ratio(numerator, denominator)  # type: ignore[arg-type]


def test_round_ratio_refuses_an_unknown_mode() -> None:
    with pytest.raises(MoneyError, match="unknown rounding mode"):
        round_ratio(1, 2, "nearest")


@PROPERTY
@given(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=-(10**12), max_value=10**12).filter(bool),
    st.sampled_from(ALL_MODES),
)
def test_round_ratio_agrees_with_decimal_rounding_of_the_quotient(
    numerator: int, denominator: int, rounding: str
) -> None:
    # 100 significant digits put the quotient far closer to its true value than to any
    # rounding boundary it is not exactly on, so Decimal's answer is the reference.
    with localcontext() as context:
        context.prec = 100
        quotient = Decimal(numerator) / Decimal(denominator)
        expected = int(quotient.to_integral_value(rounding=rounding))
    assert round_ratio(numerator, denominator, rounding) == expected


# --------------------------------------------------------------------------- allocate
def test_allocate_gives_left_over_paise_to_the_largest_remainders() -> None:
    assert allocate(Money(100), [1, 2, 2]) == [Money(20), Money(40), Money(40)]
    assert allocate(Money(10), [3, 3, 4]) == [Money(3), Money(3), Money(4)]
    assert allocate(Money(7), [1, 4]) == [Money(1), Money(6)]


def test_allocate_breaks_ties_in_favour_of_the_earlier_part() -> None:
    assert allocate(Money(100), [1, 1, 1]) == [Money(34), Money(33), Money(33)]
    assert allocate(Money(2), [1, 1, 1]) == [Money(1), Money(1), Money(0)]


def test_allocate_spreads_a_bill_discount_over_line_values() -> None:
    # ₹10 off a bill of ₹30 + ₹30 + ₹40
    assert allocate(Money(1000), [3000, 3000, 4000]) == [Money(300), Money(300), Money(400)]
    # ₹1 off a bill of ₹1 + ₹1 + ₹1: one paisa cannot be split, so the first line gets it
    assert allocate(Money(100), [100, 100, 100]) == [Money(34), Money(33), Money(33)]


def test_allocate_splits_a_negative_total_like_its_absolute_value() -> None:
    assert allocate(Money(-100), [1, 1, 1]) == [Money(-34), Money(-33), Money(-33)]


def test_allocate_never_gives_a_zero_weight_anything() -> None:
    assert allocate(Money(10), [0, 1, 0, 1]) == [Money(0), Money(5), Money(0), Money(5)]
    assert allocate(Money(1), [0, 0, 3]) == [Money(0), Money(0), Money(1)]


def test_allocate_accepts_decimal_weights_alongside_ints() -> None:
    assert allocate(Money(100), [Decimal("0.5"), 1, Decimal("1.5")]) == [
        Money(17),
        Money(33),
        Money(50),
    ]


def test_allocate_of_zero_over_zero_weights_is_all_zero() -> None:
    assert allocate(Money(0), [0, 0]) == [Money(0), Money(0)]


def test_allocate_of_money_over_only_zero_weights_is_refused() -> None:
    with pytest.raises(MoneyError, match=r"cannot allocate ₹1\.00 when every weight is zero"):
        allocate(Money(100), [0, 0, Decimal(0)])


def test_allocate_over_no_weights_is_refused() -> None:
    with pytest.raises(MoneyError, match="no weights"):
        allocate(Money(100), [])


def test_allocate_refuses_a_negative_weight() -> None:
    with pytest.raises(MoneyError, match=r"weight 1 is negative \(-2\)"):
        allocate(Money(100), [1, -2, 3])


def test_allocate_refuses_a_float_weight() -> None:
    with pytest.raises(FloatMoneyError, match="weight 0"):
        allocate(Money(100), [0.5, 1])  # type: ignore[list-item]


@pytest.mark.parametrize("weight", [True, "1", None, Decimal("NaN"), Decimal("Infinity")])
def test_allocate_refuses_a_weight_that_is_not_a_finite_number(weight: object) -> None:
    with pytest.raises(MoneyError, match="weight 1"):
        allocate(Money(100), [1, weight])  # type: ignore[list-item]


def test_allocate_refuses_a_total_that_is_not_money() -> None:
    with pytest.raises(MoneyError, match="must be Money, not int 100"):
        allocate(100, [1, 1])  # type: ignore[arg-type]


weights = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=10**9),
        st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False),
    ),
    min_size=1,
    max_size=12,
).filter(any)


@PROPERTY
@given(amounts, weights)
def test_allocated_parts_always_sum_exactly_to_the_total(
    total: Money, ws: list[int | Decimal]
) -> None:
    parts = allocate(total, ws)
    assert len(parts) == len(ws)
    assert sum_money(parts) == total


@PROPERTY
@given(amounts, weights)
def test_each_part_is_within_one_paisa_of_its_exact_share(
    total: Money, ws: list[int | Decimal]
) -> None:
    weight_sum = sum(Fraction(w) for w in ws)
    for part, weight in zip(allocate(total, ws), ws, strict=True):
        exact = Fraction(total.paise) * Fraction(weight) / weight_sum
        assert abs(part.paise - exact) < 1
        if weight == 0:
            assert part == Money.zero()


@PROPERTY
@given(amounts, weights, st.integers(min_value=1, max_value=1000))
def test_scaling_every_weight_alike_does_not_change_the_split(
    total: Money, ws: list[int | Decimal], factor: int
) -> None:
    assert allocate(total, [w * factor for w in ws]) == allocate(total, ws)


@PROPERTY
@given(amounts, weights)
def test_allocating_the_negated_total_negates_every_part(
    total: Money, ws: list[int | Decimal]
) -> None:
    assert allocate(-total, ws) == [-part for part in allocate(total, ws)]


# --------------------------------------------------------------------------- formatting
@pytest.mark.parametrize(
    ("paise", "text"),
    [
        (0, "₹0.00"),
        (5, "₹0.05"),
        (100, "₹1.00"),
        (99999, "₹999.99"),
        (100000, "₹1,000.00"),
        (12345678, "₹1,23,456.78"),
        (1000000000, "₹1,00,00,000.00"),
        (1234567890, "₹1,23,45,678.90"),
        (10**11, "₹1,00,00,00,000.00"),
        (-123450, "-₹1,234.50"),
        (-1, "-₹0.01"),
    ],
)
def test_format_inr_groups_lakhs_and_crores(paise: int, text: str) -> None:
    assert format_inr(Money(paise)) == text


@pytest.mark.parametrize(
    ("paise", "text"),
    [(12345678, "Rs. 1,23,456.78"), (-123450, "-Rs. 1,234.50"), (0, "Rs. 0.00")],
)
def test_format_inr_in_ascii_writes_rs_for_printers_without_the_rupee_sign(
    paise: int, text: str
) -> None:
    formatted = format_inr(Money(paise), ascii=True)
    assert formatted == text
    assert formatted.isascii()


def test_format_inr_refuses_anything_but_money() -> None:
    with pytest.raises(MoneyError, match="not int 100"):
        format_inr(100)  # type: ignore[arg-type]


@PROPERTY
@given(amounts)
def test_formatted_amounts_read_back_to_the_same_money(money: Money) -> None:
    text = format_inr(money)
    assert Money.of_rupees(text.replace("₹", "").replace(",", "")) == money
    assert format_inr(money, ascii=True) == text.replace("₹", "Rs. ")


@PROPERTY
@given(st.integers(min_value=0, max_value=10**18).map(Money))
def test_grouping_is_three_digits_then_twos(money: Money) -> None:
    rupees = format_inr(money)[1:].split(".")[0]
    groups = rupees.split(",")
    assert len(groups[-1]) <= 3
    if len(groups) > 1:
        assert len(groups[-1]) == 3
        assert all(len(group) == 2 for group in groups[1:-1])
        assert 1 <= len(groups[0]) <= 2
