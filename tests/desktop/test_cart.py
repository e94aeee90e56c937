"""The pure sale engine: adding, quantities, discounts with role limits, overrides, voids."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain import cart as carts
from desktop.domain.cart import Cart, DiscountPolicy
from desktop.domain.catalog import Item, Role
from desktop.errors import (
    ApprovalRequired,
    DiscountAboveLimit,
    EmptyCart,
    InvalidQuantity,
    NoSuchLine,
    SaleError,
)
from shared.gst import GstRate, RateTable
from shared.money import Money

MILK = Item("i-milk", "MILK", "Milk 500 ml", "0401", Money(2700))
SOAP = Item("i-soap", "SOAP", "Soap", "3401", Money(3800))
ONION = Item("i-onion", "ONION", "Onions", "0701", Money(4000), unit="kg", weighed=True)
RATES = RateTable(
    [
        GstRate(hsn="0401", rate=Decimal(0), effective_from=date(2017, 7, 1)),
        GstRate(hsn="0701", rate=Decimal(0), effective_from=date(2017, 7, 1)),
        GstRate(
            hsn="3401",
            rate=Decimal(18),
            effective_from=date(2017, 7, 1),
            effective_to=date(2025, 9, 21),
        ),
        GstRate(hsn="3401", rate=Decimal(5), effective_from=date(2025, 9, 22)),
    ]
)
TODAY = date(2026, 5, 9)


def test_scanning_the_same_item_twice_adds_to_its_line() -> None:
    cart = carts.add_item(carts.add_item(Cart(), MILK), MILK)
    assert len(cart.lines) == 1
    assert cart.lines[0].quantity == 2


def test_a_weighed_item_gets_its_own_line_each_time() -> None:
    cart = carts.add_item(carts.add_item(Cart(), ONION, Decimal("1.250")), ONION, Decimal("0.5"))
    assert [line.quantity for line in cart.lines] == [Decimal("1.250"), Decimal("0.5")]
    assert [line.line_no for line in cart.lines] == [1, 2]


@pytest.mark.parametrize(
    ("item", "quantity", "message"),
    [
        (MILK, Decimal("1.5"), "by the piece"),
        (MILK, Decimal(0), "more than zero"),
        (MILK, Decimal(-1), "more than zero"),
        (ONION, Decimal("0.0001"), "three decimals"),
        (MILK, Decimal(20000), "too many"),
        (MILK, Decimal("NaN"), "more than zero"),
        (MILK, 1.5, "not a number"),
    ],
)
def test_bad_quantities_are_refused_with_a_reason(
    item: Item, quantity: object, message: str
) -> None:
    with pytest.raises(InvalidQuantity, match=message):
        carts.add_item(Cart(), item, quantity)  # type: ignore[arg-type]


def test_a_cashier_may_discount_up_to_five_percent_alone() -> None:
    cart = carts.add_item(Cart(), SOAP, Decimal(10))  # ₹380
    cart = carts.set_line_discount(cart, 1, Money(1900), Role.CASHIER)
    assert cart.lines[0].discount == Money(1900)
    assert cart.lines[0].discount_approved_by is None


def test_a_bigger_discount_needs_a_supervisor_and_records_who_approved() -> None:
    cart = carts.add_item(Cart(), SOAP, Decimal(10))
    with pytest.raises(ApprovalRequired, match="supervisor must approve") as caught:
        carts.set_line_discount(cart, 1, Money(1901), Role.CASHIER)
    assert caught.value.action == "discount"
    cart = carts.set_line_discount(cart, 1, Money(5000), Role.SUPERVISOR, approver_id="sup")
    assert cart.lines[0].discount_approved_by == "sup"


def test_no_one_may_discount_beyond_the_supervisor_limit() -> None:
    cart = carts.add_item(Cart(), SOAP, Decimal(10))
    with pytest.raises(DiscountAboveLimit) as caught:
        carts.set_line_discount(cart, 1, Money(20000), Role.SUPERVISOR)
    assert caught.value.limit == "50"


def test_discount_limits_come_from_the_policy() -> None:
    policy = DiscountPolicy({Role.CASHIER: Decimal(0), Role.SUPERVISOR: Decimal(10)})
    cart = carts.add_item(Cart(), SOAP)
    with pytest.raises(ApprovalRequired):
        carts.set_bill_discount(cart, Money(1), Role.CASHIER, policy)
    assert carts.set_bill_discount(
        cart, Money(380), Role.SUPERVISOR, policy
    ).bill_discount == Money(380)


def test_a_discount_cannot_be_negative_or_exceed_the_value() -> None:
    cart = carts.add_item(Cart(), MILK)
    with pytest.raises(SaleError, match="negative"):
        carts.set_line_discount(cart, 1, Money(-1), Role.SUPERVISOR)
    with pytest.raises(SaleError, match="more than the line"):
        carts.set_line_discount(cart, 1, Money(2701), Role.SUPERVISOR)
    with pytest.raises(SaleError, match="negative"):
        carts.set_bill_discount(cart, Money(-1), Role.SUPERVISOR)
    with pytest.raises(SaleError, match="more than the bill"):
        carts.set_bill_discount(cart, Money(2701), Role.SUPERVISOR)
    with pytest.raises(EmptyCart):
        carts.set_bill_discount(Cart(), Money(1), Role.SUPERVISOR)


def test_voiding_a_line_and_overriding_a_price_need_a_supervisor() -> None:
    cart = carts.add_item(carts.add_item(Cart(), MILK), SOAP)
    with pytest.raises(ApprovalRequired, match="Voiding Milk"):
        carts.void_line(cart, 1, Role.CASHIER)
    with pytest.raises(ApprovalRequired, match="price of Soap"):
        carts.override_price(cart, 2, Money(3000), Role.CASHIER, "c")
    cart = carts.void_line(cart, 1, Role.SUPERVISOR)
    assert [line.item for line in cart.lines] == [SOAP]
    cart = carts.override_price(cart, 2, Money(3000), Role.SUPERVISOR, "sup")
    assert cart.lines[0].unit_price == Money(3000)
    assert cart.lines[0].price_overridden_by == "sup"
    with pytest.raises(SaleError, match="negative"):
        carts.override_price(cart, 2, Money(-1), Role.SUPERVISOR, "sup")
    with pytest.raises(NoSuchLine):
        carts.void_line(cart, 1, Role.SUPERVISOR)


def test_an_override_below_the_line_discount_is_refused() -> None:
    cart = carts.add_item(Cart(), SOAP)
    cart = carts.set_line_discount(cart, 1, Money(100), Role.CASHIER)
    with pytest.raises(SaleError, match="less than the line's discount"):
        carts.override_price(cart, 1, Money(50), Role.SUPERVISOR, "sup")


def test_a_quantity_change_keeps_the_discount_valid() -> None:
    cart = carts.add_item(Cart(), SOAP, Decimal(10))  # ₹380
    cart = carts.set_line_discount(cart, 1, Money(5000), Role.SUPERVISOR, approver_id="sup")
    with pytest.raises(InvalidQuantity, match="less than the line's discount"):
        carts.set_quantity(cart, 1, Decimal(1))  # ₹38 of soap cannot carry ₹50 off
    assert carts.set_quantity(cart, 1, Decimal(2)).lines[0].quantity == 2


def test_an_unknown_line_number_is_reported() -> None:
    with pytest.raises(NoSuchLine, match="no line 7"):
        Cart().line(7)


def test_customer_phone_and_gstin_are_checked() -> None:
    cart = carts.set_customer(Cart(), "+91 98450 12345", " 29aaach7409r1zx ")
    assert cart.customer_phone == "9845012345"
    assert cart.customer_gstin == "29AAACH7409R1ZX"
    assert carts.set_customer(cart, "", None).customer_phone is None
    with pytest.raises(SaleError, match="10-digit"):
        carts.set_customer(Cart(), "12345", None)
    with pytest.raises(SaleError, match="GSTIN is not valid"):
        carts.set_customer(Cart(), None, "29AAACH7409R1ZY")


def test_pricing_uses_the_rate_in_effect_on_the_day() -> None:
    cart = carts.add_item(Cart(), SOAP)
    before = carts.price_cart(cart, RATES, date(2025, 9, 21))
    after = carts.price_cart(cart, RATES, TODAY)
    assert before.lines[0].line.rate == Decimal(18)
    assert after.lines[0].line.rate == Decimal(5)
    assert before.grand_total == after.grand_total == Money(3800)  # MRP: tax is inside


def test_a_bill_discount_is_spread_over_the_lines() -> None:
    cart = carts.add_item(carts.add_item(Cart(), MILK), SOAP)
    cart = carts.set_bill_discount(cart, Money(300), Role.CASHIER)
    invoice = carts.price_cart(cart, RATES, TODAY)
    assert sum(line.bill_discount.paise for line in invoice.lines) == 300
    assert invoice.totals.gross == Money(2700 + 3800 - 300)


@given(
    quantities=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=8),
    discount_percent=st.integers(min_value=0, max_value=5),
)
def test_totals_always_equal_the_sum_of_the_lines(
    quantities: list[int], discount_percent: int
) -> None:
    cart = Cart()
    for index, qty in enumerate(quantities):
        cart = carts.add_item(cart, (MILK, SOAP, ONION)[index % 3], Decimal(qty))
    value = sum(carts.extended_price(line).paise for line in cart.lines)
    cart = carts.set_bill_discount(cart, Money(value * discount_percent // 100), Role.CASHIER)
    invoice = carts.price_cart(cart, RATES, TODAY)
    assert invoice.totals.gross.paise == sum(line.gross.paise for line in invoice.lines)
    assert invoice.grand_total == invoice.totals.gross + invoice.round_off
    assert invoice.grand_total.paise % 100 == 0
