"""Returns: credited at the original price and rate, never more than was sold."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain import cart as carts
from desktop.domain.cart import Cart
from desktop.domain.catalog import Item, Role, User
from desktop.domain.document import DocumentKind, StoreInfo, build_sale_document
from desktop.domain.returns import build_credit_note, plan_return, refund_payments, returnable
from desktop.domain.tender import Method, Payment, settle
from desktop.errors import ReturnError, ReturnExceedsSale
from shared.gst import GstRate, RateTable
from shared.money import Money

from .conftest import IST

SOAP = Item("i-soap", "SOAP", "Soap", "3401", Money(3899))
RICE = Item("i-rice", "RICE", "Rice", "1006", Money(36500))
ONION = Item("i-onion", "ONION", "Onions", "0701", Money(4000), unit="kg", weighed=True)
RATES = RateTable(
    [
        GstRate(hsn="3401", rate=Decimal(18), effective_from=date(2017, 7, 1)),
        GstRate(hsn="1006", rate=Decimal(5), effective_from=date(2017, 7, 1)),
        GstRate(hsn="0701", rate=Decimal(0), effective_from=date(2017, 7, 1)),
    ]
)
STORE = StoreInfo("S", "A", "", "29", "DEMO", "T1")
CASHIER = User("u-1", "Asha", Role.CASHIER)
WHEN = datetime(2026, 5, 9, 10, tzinfo=IST)


def sold(cart: Cart, payments: list[Payment] | None = None):
    invoice = carts.price_cart(cart, RATES, WHEN.date())
    settlement = settle(
        invoice.grand_total, payments or [Payment(Method.CASH, invoice.grand_total)]
    )
    return build_sale_document(
        cart=cart,
        invoice=invoice,
        settlement=settlement,
        sale_id="s-1",
        number="DEMOT1/27/000001",
        created_at=WHEN,
        store=STORE,
        shift_id="sh",
        cashier=CASHIER,
    )


def basket() -> Cart:
    cart = carts.add_item(Cart(), SOAP, Decimal(3))
    cart = carts.add_item(cart, RICE)
    cart = carts.add_item(cart, ONION, Decimal("1.250"))
    return carts.set_bill_discount(cart, Money(1001), Role.CASHIER)


def credit(original, lines, number="DEMOT1/27/C00001", to_original=True):
    return build_credit_note(
        original=original,
        lines=lines,
        sale_id="r-1",
        number=number,
        created_at=WHEN,
        shift_id="sh",
        cashier=CASHIER,
        to_original_tender=to_original,
    )


def test_returning_everything_credits_exactly_what_was_paid() -> None:
    original = sold(basket())
    lines = plan_return(original, {}, {1: Decimal(3), 2: Decimal(1), 3: Decimal("1.250")})
    note = credit(original, lines)
    assert note.kind is DocumentKind.RETURN
    assert note.gst_kind == "credit_note"
    assert note.grand_total == original.grand_total
    assert note.tax == original.tax
    assert note.original_number == original.number
    assert note.original_date == WHEN
    assert note.payments == (Payment(Method.CASH, -original.grand_total),)


def test_a_partial_return_keeps_the_original_rate_and_a_share_of_the_discount() -> None:
    original = sold(basket())
    [line] = plan_return(original, {}, {1: Decimal(1)})
    sold_line = original.lines[0]
    assert line.rate == sold_line.rate == Decimal(18)
    assert line.original_line_no == 1
    assert line.quantity == 1
    assert line.total == line.taxable + line.tax
    assert abs(line.total.paise * 3 - sold_line.total.paise) <= 2
    assert line.cgst == line.sgst


def test_returns_never_exceed_what_was_sold() -> None:
    original = sold(basket())
    first = plan_return(original, {}, {1: Decimal(2)})
    with pytest.raises(ReturnExceedsSale, match=r"Only 1 pcs of Soap can be returned \(3 sold, 2"):
        plan_return(original, {1: list(first)}, {1: Decimal(2)})
    assert returnable(original, {1: list(first)})[1] == 1


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({}, "at least one"),
        ({1: Decimal(0)}, "at least one"),
        ({9: Decimal(1)}, "no line 9"),
        ({1: Decimal(-1)}, "not a quantity"),
        ({1: Decimal("NaN")}, "not a quantity"),
        ({1: Decimal("0.5")}, "by the piece"),
        ({1: "1"}, "not a quantity"),
    ],
)
def test_bad_return_requests_are_refused(request_: dict[int, Decimal], message: str) -> None:
    with pytest.raises(ReturnError, match=message):
        plan_return(sold(basket()), {}, request_)


def test_a_credit_note_cannot_itself_be_returned() -> None:
    original = sold(basket())
    note = credit(original, plan_return(original, {}, {2: Decimal(1)}))
    with pytest.raises(ReturnError, match="credit note"):
        plan_return(note, {}, {1: Decimal(1)})


def test_a_refund_to_the_original_tenders_splits_by_what_each_paid() -> None:
    original = sold(
        carts.add_item(Cart(), RICE),
        [Payment(Method.UPI, Money(30000), "UPI1"), Payment(Method.CASH, Money(10000))],
    )
    refunds = refund_payments(original, Money(36500), to_original=True)
    assert refunds == (
        Payment(Method.UPI, Money(-30000), "UPI1"),
        Payment(Method.CASH, Money(-6500)),
    )
    assert refund_payments(original, Money(36500), to_original=False) == (
        Payment(Method.CASH, Money(-36500)),
    )
    assert refund_payments(original, Money(0), to_original=True) == ()


@settings(max_examples=60, deadline=None)
@given(pieces=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=6))
def test_returning_in_pieces_never_credits_more_than_was_charged(pieces: list[int]) -> None:
    original = sold(basket())
    returned: dict[int, list] = {}
    for piece in pieces:
        left = returnable(original, returned)[1]
        if left == 0:
            with pytest.raises(ReturnExceedsSale):
                plan_return(original, returned, {1: Decimal(piece)})
            continue
        qty = min(Decimal(piece), left)
        for line in plan_return(original, returned, {1: qty}):
            returned.setdefault(1, []).append(line)
    credited = returned.get(1, [])
    total = sum(line.total.paise for line in credited)
    assert total <= original.lines[0].total.paise
    if sum(line.quantity for line in credited) == original.lines[0].quantity:
        assert total == original.lines[0].total.paise
        assert sum(line.cgst.paise for line in credited) == original.lines[0].cgst.paise
