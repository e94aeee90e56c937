"""The X/Z report from the lean documents the store decodes equals the one from whole
documents, and voided invoices leave every total but the number range (property-tested)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.bootstrap import Till
from desktop.demo import ean13
from desktop.domain.catalog import User
from desktop.domain.document import DocumentKind
from desktop.domain.shift import LeanAmount, LeanPayment, LeanRate, ReportDocument, shift_report
from desktop.domain.tender import Method, Payment
from shared.money import Money

IST = timezone(timedelta(hours=5, minutes=30))


def test_the_lean_documents_give_the_same_report_as_whole_ones(
    open_till: Till, cashier: User, supervisor: User
) -> None:
    for n, (codes, method) in enumerate(
        [((1, 9), Method.CASH), ((5,), Method.UPI), ((9, 9, 2), Method.CARD), ((3,), Method.CASH)]
    ):
        sale = open_till.new_sale(cashier)
        for code in codes:
            sale.scan(ean13(code))
        if n == 2:
            sale.discount_bill(Money(1000))
        total = sale.invoice().grand_total
        ref = None if method is Method.CASH else f"REF{n}"
        sale.complete([Payment(method, total, ref)])
    first = open_till.store.recent_documents(10)[-1]
    open_till.returns.issue(
        first.number, {2: Decimal(1)}, cashier=cashier, approver=supervisor, reason="r"
    )
    shift = open_till.shifts.current()
    assert shift is not None
    lean, moves, voids = open_till.store.shift_activity(shift.shift_id)
    whole = sorted(open_till.store.recent_documents(100), key=lambda d: (d.created_at, d.number))
    assert [d.sale_id for d in lean] == [d.sale_id for d in whole]
    assert all(isinstance(d, ReportDocument) for d in lean)
    float_ = shift.opening_float
    assert shift_report(float_, lean, moves, voids) == shift_report(float_, whole, moves, voids)
    assert open_till.shifts.report() == shift_report(float_, whole, moves, voids)


def doc(n: int, total: int, cash: bool, kind: DocumentKind = DocumentKind.SALE) -> ReportDocument:
    sign = 1 if kind is DocumentKind.SALE else -1
    taxable = total * 100 // 105
    half = (total - taxable) // 2
    return ReportDocument(
        sale_id=f"s{n}",
        number=f"DEMOT1/27/{n:06d}",
        kind=kind,
        grand_total=LeanAmount(total),
        discount=LeanAmount(0),
        round_off=LeanAmount(0),
        payments=(LeanPayment(Method.CASH if cash else Method.UPI, LeanAmount(sign * total)),),
        rate_summary=(
            LeanRate(
                Decimal(5),
                LeanAmount(taxable),
                LeanAmount(half),
                LeanAmount(total - taxable - half),
                LeanAmount(0),
                LeanAmount(0),
            ),
        ),
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(100, 500_000), st.booleans(), st.booleans()), max_size=25),
    st.integers(0, 1_000_000),
)
def test_voided_invoices_count_as_voids_and_nowhere_else(
    sales: list[tuple[int, bool, bool]], opening: int
) -> None:
    documents = [doc(n, total, cash) for n, (total, cash, _) in enumerate(sales, start=1)]
    voided = {d.sale_id for d, (_, _, void) in zip(documents, sales, strict=True) if void}
    report = shift_report(Money(opening), documents, voided_sales=voided)
    kept = [d for d in documents if d.sale_id not in voided]
    gone = [d for d in documents if d.sale_id in voided]
    assert report.sales_count == len(kept)
    assert report.gross_sales.paise == sum(d.grand_total.paise for d in kept)
    assert report.voided_invoices == len(gone)
    assert report.voided_invoices_total.paise == sum(d.grand_total.paise for d in gone)
    tenders = dict(report.tenders)
    assert sum(m.paise for m in tenders.values()) == report.net_sales.paise
    cash = sum(d.grand_total.paise for d in kept if d.payments[0].method is Method.CASH)
    assert report.expected_cash.paise == opening + cash
    assert sum(r.taxable.paise + r.cgst.paise + r.sgst.paise for r in report.gst_by_rate) == (
        report.gross_sales.paise
    )
    numbers = sorted(d.number for d in documents)
    assert (report.first_number, report.last_number) == (
        (numbers[0], numbers[-1]) if numbers else (None, None)
    ), "a voided invoice keeps its place in the number range"
    assert msgspec.json.decode(msgspec.json.encode(report), type=type(report)) == report
    assert datetime.now(IST)  # the report never needed the clock
