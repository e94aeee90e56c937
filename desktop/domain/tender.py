"""Taking payment: split tender across cash, card and UPI, with change from cash only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from desktop.errors import InsufficientTender, InvalidTender
from shared.money import Money, format_inr, sum_money

__all__ = ("Method", "Payment", "Settlement", "change_by_payment", "settle")


class Method(StrEnum):
    """How a customer pays."""

    CASH = "cash"
    CARD = "card"
    UPI = "upi"


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment towards a sale (negative amounts are refunds on a credit note).

    Attributes:
        method: cash, card or UPI.
        amount: for cash, what the customer handed over; otherwise what was charged.
        reference: the card slip or UPI transaction reference; required for card and UPI.
    """

    method: Method
    amount: Money
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Settlement:
    """The outcome of tendering.

    Attributes:
        total: the amount due.
        tendered: every payment as entered.
        applied: what each payment actually paid: cash less the change, in tender order;
            they sum to ``total`` exactly.
        change: cash handed back to the customer.
    """

    total: Money
    tendered: tuple[Payment, ...]
    applied: tuple[Payment, ...]
    change: Money


def settle(total: Money, payments: Sequence[Payment]) -> Settlement:
    """Check that ``payments`` pay ``total`` and work out the change.

    Rules: every amount is more than zero; card and UPI need a reference and can never be
    more than what is left to pay (no change is given from a card); cash may exceed the
    total and the difference is the change.

    Raises:
        InvalidTender: a zero or negative amount, a missing reference, or card/UPI above
            what is due.
        InsufficientTender: the payments are short of the total.
    """
    if total.paise < 0:
        raise InvalidTender("A sale total cannot be negative.")
    for payment in payments:
        if payment.amount.paise <= 0:
            raise InvalidTender(f"A {payment.method.value} payment must be more than zero.")
        if payment.method is not Method.CASH and not (payment.reference or "").strip():
            raise InvalidTender(
                f"Enter the {payment.method.value.upper()} reference from the slip or the app."
            )
    non_cash = sum_money(p.amount for p in payments if p.method is not Method.CASH)
    if non_cash > total:
        raise InvalidTender(
            f"Card and UPI add up to {format_inr(non_cash)}, more than the {format_inr(total)} "
            "due; no change can be given from a card or UPI."
        )
    paid = sum_money(p.amount for p in payments)
    if paid < total:
        due = total - paid
        raise InsufficientTender(
            due.paise, f"{format_inr(due)} is still due. Take another payment."
        )
    change = paid - total
    given = change_by_payment(payments, change)
    applied = tuple(
        Payment(p.method, p.amount - back, p.reference)
        for p, back in zip(payments, given, strict=True)
        if p.amount != back
    )
    return Settlement(total=total, tendered=tuple(payments), applied=applied, change=change)


def change_by_payment(payments: Sequence[Payment], change: Money) -> tuple[Money, ...]:
    """How much of ``change`` each payment gives back: cash only, the last cash first.

    The note handed over last is the one the change is counted from.
    """
    left = change
    given = [Money(0)] * len(payments)
    for index in range(len(payments) - 1, -1, -1):
        payment = payments[index]
        if payment.method is Method.CASH and left:
            taken = min(payment.amount, left)
            given[index] = taken
            left -= taken
    return tuple(given)
