"""Shift figures (X/Z and the blind count) and the audit hash chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

import pytest

from desktop.domain.audit import GENESIS_HASH, AuditEntry, link, verify_chain
from desktop.domain.shift import (
    CashMovement,
    MovementKind,
    VoidRecord,
    close_count,
    count_cash,
    shift_report,
)
from desktop.domain.tender import Method
from desktop.errors import InvalidCashCount
from shared.money import Money

from .conftest import IST
from .test_returns import basket, credit, plan_return, sold

WHEN = datetime(2026, 5, 9, 10, tzinfo=IST)


def test_the_report_adds_sales_refunds_cash_and_voids() -> None:
    sale = sold(basket())
    note = credit(sale, plan_return(sale, {}, {2: 1}), to_original=False)
    report = shift_report(
        Money(100000),
        [sale, note],
        [
            CashMovement(MovementKind.CASH_IN, Money(5000), "float top-up", WHEN),
            CashMovement(MovementKind.CASH_OUT, Money(20000), "bank drop", WHEN),
            CashMovement(MovementKind.NO_SALE, Money(0), "change", WHEN),
        ],
        [VoidRecord("line", Money(2700)), VoidRecord("sale", Money(5000))],
    )
    assert report.sales_count == 1
    assert report.returns_count == 1
    assert report.gross_sales == sale.grand_total
    assert report.net_sales == sale.grand_total - note.grand_total
    tenders = dict(report.tenders)
    assert tenders[Method.CASH] == sale.grand_total - note.grand_total
    assert tenders[Method.CARD] == Money(0)
    assert report.expected_cash == Money(100000 + 5000 - 20000) + tenders[Method.CASH]
    assert report.no_sales == 1
    assert report.voided_lines == 1
    assert report.voided_sales == 1
    assert report.voided_amount == Money(7700)
    assert report.first_number == report.last_number == sale.number
    taxable = sum(row.taxable.paise for row in report.gst_by_rate)
    assert taxable == sum(x.taxable.paise for x in sale.lines) - sum(
        x.taxable.paise for x in note.lines
    )


def test_an_empty_shift_expects_just_the_float() -> None:
    report = shift_report(Money(200000), [])
    assert report.expected_cash == Money(200000)
    assert report.first_number is None


def test_the_blind_count_gives_the_over_short() -> None:
    report = shift_report(Money(100000), [])
    count = close_count(report, {500: 1, 200: 2, 100: 0, 1: 5})
    assert count.counted == Money(90500)
    assert count.over_short == Money(-9500)
    assert count.counts == ((500, 1), (200, 2), (1, 5))


@pytest.mark.parametrize("counts", [{3: 1}, {500: -1}, {500: True}])
def test_a_bad_count_is_refused(counts: dict[int, int]) -> None:
    with pytest.raises(InvalidCashCount):
        count_cash(counts)


def entry(n: int, action: str = "login") -> AuditEntry:
    return AuditEntry(
        seq=0,
        event_id=UUID(int=n),
        occurred_at=WHEN,
        action=action,
        actor_id=UUID(int=99),
        detail={"n": str(n)},
    )


def chain(length: int) -> list[AuditEntry]:
    out: list[AuditEntry] = []
    for n in range(1, length + 1):
        out.append(link(entry(n), out[-1] if out else None))
    return out


def test_a_linked_chain_verifies() -> None:
    entries = chain(4)
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert verify_chain(entries) is None


def test_an_edited_entry_breaks_the_chain_at_that_entry() -> None:
    entries = chain(4)
    entries[2] = replace(entries[2], detail={"n": "tampered"})
    assert verify_chain(entries) == 3


def test_a_deleted_entry_breaks_the_chain_at_the_next_one() -> None:
    entries = chain(4)
    del entries[1]
    assert verify_chain(entries) == 3
