"""Split tender: cash gives change, card and UPI need references and never give change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.tender import Method, Payment, change_by_payment, settle
from desktop.errors import InsufficientTender, InvalidTender
from shared.money import Money


def test_exact_cash_gives_no_change() -> None:
    result = settle(Money(6400), [Payment(Method.CASH, Money(6400))])
    assert result.change == Money(0)
    assert result.applied == (Payment(Method.CASH, Money(6400)),)


def test_change_comes_out_of_the_cash() -> None:
    result = settle(
        Money(6400),
        [Payment(Method.CARD, Money(5000), "SLIP"), Payment(Method.CASH, Money(2000))],
    )
    assert result.change == Money(600)
    assert result.applied == (
        Payment(Method.CARD, Money(5000), "SLIP"),
        Payment(Method.CASH, Money(1400)),
    )


def test_a_short_tender_says_how_much_is_still_due() -> None:
    with pytest.raises(InsufficientTender, match=r"₹1\.00 is still due") as caught:
        settle(Money(6400), [Payment(Method.CASH, Money(6300))])
    assert caught.value.due_paise == 100


@pytest.mark.parametrize(
    ("payments", "message"),
    [
        ([Payment(Method.CASH, Money(0))], "more than zero"),
        ([Payment(Method.CARD, Money(100))], "CARD reference"),
        ([Payment(Method.UPI, Money(100), "  ")], "UPI reference"),
        ([Payment(Method.CARD, Money(7000), "S")], "no change can be given"),
    ],
)
def test_bad_payments_are_refused(payments: list[Payment], message: str) -> None:
    with pytest.raises(InvalidTender, match=message):
        settle(Money(6400), payments)


def test_a_negative_total_is_refused() -> None:
    with pytest.raises(InvalidTender):
        settle(Money(-1), [])


def test_change_is_taken_from_the_last_cash_first() -> None:
    payments = [Payment(Method.CASH, Money(500)), Payment(Method.CASH, Money(200))]
    assert change_by_payment(payments, Money(300)) == (Money(100), Money(200))


@given(
    total=st.integers(min_value=0, max_value=10_000_00),
    parts=st.lists(
        st.tuples(st.sampled_from(list(Method)), st.integers(min_value=1, max_value=5_000_00)),
        min_size=1,
        max_size=5,
    ),
)
def test_a_settled_split_tender_always_pays_exactly_the_total(
    total: int, parts: list[tuple[Method, int]]
) -> None:
    payments = [Payment(method, Money(amount), "REF") for method, amount in parts]
    try:
        result = settle(Money(total), payments)
    except (InsufficientTender, InvalidTender):
        non_cash = sum(a for m, a in parts if m is not Method.CASH)
        assert sum(a for _, a in parts) < total or non_cash > total
        return
    assert sum(p.amount.paise for p in result.applied) == total
    assert result.change.paise == sum(a for _, a in parts) - total
    assert all(p.amount.paise > 0 for p in result.applied)
