"""A sale with a bill discount commits, and its event splits the discount as the protocol
asks: each line's own discount apart from its share of the bill discount."""

from __future__ import annotations

from decimal import Decimal

from desktop.bootstrap import Till
from desktop.demo import ean13
from desktop.domain.catalog import User
from desktop.domain.tender import Method, Payment
from shared.money import Money
from shared.protocol.events import SaleCompleted


def test_a_bill_discount_is_split_over_the_lines_in_the_sale_event(
    open_till: Till, cashier: User, supervisor: User
) -> None:
    sale = open_till.new_sale(cashier)
    sale.scan(ean13(9))  # rice ₹365
    sale.scan(ean13(9))  # a second bag: the same line, quantity 2
    sale.scan(ean13(2))  # milk ₹68
    sale.discount_line(2, Money(300))
    sale.discount_bill(Money(1000))
    document = sale.complete([Payment(Method.CASH, sale.invoice().grand_total)]).document
    [event] = [e for e in open_till.store.outbox_events() if e.kind == "sale_completed"]
    assert isinstance(event.payload, SaleCompleted)
    lines = event.payload.lines
    assert event.payload.bill_discount_paise == 1000
    assert sum(line.bill_discount_paise for line in lines) == 1000
    assert [line.discount_paise for line in lines] == [0, 300], "each line's own discount"
    assert all(line.bill_discount_paise > 0 for line in lines)
    for line, stored in zip(lines, document.lines, strict=True):
        assert line.discount_paise + line.bill_discount_paise == stored.discount.paise
    again = open_till.store.document_by_number(document.number)
    assert again is not None
    assert [line.bill_discount for line in again.lines] == [
        Money(line.bill_discount_paise) for line in lines
    ], "the share is stored with the invoice"

    shares = []
    for _ in range(2):  # the two bags come back one at a time
        note = open_till.returns.issue(
            document.number, {1: Decimal(1)}, cashier=cashier, approver=supervisor, reason="r"
        ).document
        [credited] = note.lines
        shares.append(credited.bill_discount.paise)
    original = document.lines[0].bill_discount.paise
    assert abs(shares[0] * 2 - original) <= 1, "half the bags, half the share"
    assert sum(shares) == original, "and all of it once everything is back"
