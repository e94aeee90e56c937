"""Voiding a completed sale: supervisor, reason, one transaction, and the rules that refuse it."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest

from desktop.bootstrap import Till
from desktop.demo import ean13
from desktop.domain.catalog import User
from desktop.domain.tender import Method, Payment
from desktop.errors import (
    ApprovalRequired,
    ReturnError,
    SaleNotFound,
    VoidRefused,
)
from desktop.services.fakes import FakeDrawer
from desktop.services.sale import Completed
from shared.money import Money
from shared.protocol.events import SaleVoided, ShiftClosed


def sell(till: Till, cashier: User, *codes: int, card: bool = False) -> Completed:
    session = till.new_sale(cashier)
    for code in codes:
        session.scan(ean13(code))
    total = session.invoice().grand_total
    payment = Payment(Method.CARD, total, "SLIP1") if card else Payment(Method.CASH, total)
    return session.complete([payment])


def counts(till: Till) -> tuple[int, int, int]:
    conn = till.store._read()
    return (
        conn.execute("SELECT count(*) FROM voided_sales").fetchone()[0],
        len(till.store.outbox_events()),
        len(till.store.audit_entries()),
    )


def test_a_supervisor_voids_a_cash_sale_with_its_event_audit_entry_and_drawer(
    open_till: Till, cashier: User, supervisor: User, drawer: FakeDrawer
) -> None:
    sale = sell(open_till, cashier, 1, 9).document
    kicks = drawer.kicks
    result = open_till.history.void(
        sale.number, cashier=cashier, approver=supervisor, reason="  rang up twice "
    )
    assert result.document.sale_id == sale.sale_id
    assert result.drawer_error is None
    assert drawer.kicks == kicks + 1  # the cash goes back to the customer
    [event] = [e for e in open_till.store.outbox_events() if e.kind == "sale_voided"]
    assert isinstance(event.payload, SaleVoided)
    assert str(event.payload.sale_id) == sale.sale_id
    assert event.payload.invoice_number == sale.number
    assert str(event.payload.supervisor_id) == supervisor.user_id
    assert str(event.payload.cashier_id) == cashier.user_id
    assert event.payload.reason == "rang up twice"
    entry = open_till.store.audit_entries()[-1]
    assert entry.action == "completed_sale_voided"
    assert entry.detail["number"] == sale.number
    assert entry.detail["approved_by"] == supervisor.user_id
    assert entry.detail["amount_paise"] == str(sale.grand_total.paise)
    assert open_till.store.is_voided(sale.sale_id)
    [entry_row] = open_till.history.recent(1)
    assert entry_row.voided
    assert entry_row.status == "VOIDED"


def test_a_card_sale_void_does_not_open_the_drawer(
    open_till: Till, cashier: User, supervisor: User, drawer: FakeDrawer
) -> None:
    sale = sell(open_till, cashier, 1, card=True).document
    kicks = drawer.kicks
    open_till.history.void(sale.number, cashier=cashier, approver=supervisor, reason="wrong")
    assert drawer.kicks == kicks


def test_a_broken_drawer_is_reported_and_the_void_is_kept(
    open_till: Till, cashier: User, supervisor: User, drawer: FakeDrawer
) -> None:
    sale = sell(open_till, cashier, 1).document
    drawer.broken = True
    result = open_till.history.void(sale.number, cashier=cashier, approver=supervisor, reason="x")
    assert result.drawer_error is not None
    assert "void is saved" in result.drawer_error
    assert open_till.store.is_voided(sale.sale_id)


def test_a_cashier_alone_cannot_void_and_nothing_is_stored(open_till: Till, cashier: User) -> None:
    sale = sell(open_till, cashier, 1).document
    before = counts(open_till)
    with pytest.raises(ApprovalRequired, match="needs a supervisor"):
        open_till.history.void(sale.number, cashier=cashier, approver=None, reason="oops")
    assert counts(open_till) == before


def test_a_supervisor_logged_in_voids_on_their_own_authority(
    open_till: Till, cashier: User, supervisor: User
) -> None:
    sale = sell(open_till, cashier, 1).document
    open_till.history.void(sale.number, cashier=supervisor, approver=None, reason="client left")
    [event] = [e for e in open_till.store.outbox_events() if e.kind == "sale_voided"]
    assert str(event.payload.supervisor_id) == supervisor.user_id  # type: ignore[union-attr]


def test_a_void_needs_a_reason(open_till: Till, cashier: User, supervisor: User) -> None:
    sale = sell(open_till, cashier, 1).document
    before = counts(open_till)
    with pytest.raises(VoidRefused, match="Say why"):
        open_till.history.void(sale.number, cashier=cashier, approver=supervisor, reason="  ")
    assert counts(open_till) == before


def test_a_sale_is_voided_only_once(open_till: Till, cashier: User, supervisor: User) -> None:
    sale = sell(open_till, cashier, 1).document
    open_till.history.void(sale.number, cashier=cashier, approver=supervisor, reason="x")
    before = counts(open_till)
    with pytest.raises(VoidRefused, match="already voided"):
        open_till.history.void(sale.number, cashier=cashier, approver=supervisor, reason="x")
    assert counts(open_till) == before


def test_a_sale_with_returns_against_it_cannot_be_voided(
    open_till: Till, cashier: User, supervisor: User
) -> None:
    sale = sell(open_till, cashier, 1, 9).document
    open_till.returns.issue(
        sale.number, {1: Decimal(1)}, cashier=cashier, approver=supervisor, reason="damaged"
    )
    before = counts(open_till)
    with pytest.raises(VoidRefused, match="returns against it"):
        open_till.history.void(sale.number, cashier=cashier, approver=supervisor, reason="x")
    assert counts(open_till) == before
    assert open_till.history.recent(2)[1].status == "returns against it"


def test_a_credit_note_cannot_be_voided(open_till: Till, cashier: User, supervisor: User) -> None:
    sale = sell(open_till, cashier, 1).document
    note = open_till.returns.issue(
        sale.number, {1: Decimal(1)}, cashier=cashier, approver=supervisor, reason="r"
    ).document
    with pytest.raises(VoidRefused, match="is a credit note"):
        open_till.history.void(note.number, cashier=cashier, approver=supervisor, reason="x")
    assert open_till.history.recent(1)[0].status.startswith("credit note for ")


def test_a_sale_from_a_closed_shift_needs_a_return_instead(
    open_till: Till, cashier: User, supervisor: User
) -> None:
    sale = sell(open_till, cashier, 1).document
    open_till.shifts.close(cashier, {500: 4, 20: 1, 5: 1, 2: 1})
    open_till.shifts.open(cashier, Money(0))
    before = counts(open_till)
    with pytest.raises(VoidRefused, match="shift that was closed"):
        open_till.history.void(sale.number, cashier=cashier, approver=supervisor, reason="x")
    assert counts(open_till) == before


def test_an_unknown_number_is_explained(open_till: Till, cashier: User, supervisor: User) -> None:
    with pytest.raises(SaleNotFound, match="No receipt has the number 'NOPE'"):
        open_till.history.void("NOPE", cashier=cashier, approver=supervisor, reason="x")


def test_the_void_its_event_and_its_audit_entry_are_one_transaction(
    open_till: Till, cashier: User, supervisor: User
) -> None:
    sale = sell(open_till, cashier, 1).document
    before = counts(open_till)

    def broken_audit(_document: object) -> object:
        raise RuntimeError("disk full while writing the audit entry")

    with pytest.raises(RuntimeError, match="disk full"):
        open_till.store.void_sale(
            sale.number,
            user_id=cashier.user_id,
            approved_by=supervisor.user_id,
            reason="x",
            at=open_till.context.clock.now(),
            payload=lambda doc: SaleVoided(
                sale_id=UUID(doc.sale_id),
                invoice_number=doc.number,
                shift_id=UUID(doc.shift_id),
                cashier_id=UUID(cashier.user_id),
                supervisor_id=UUID(supervisor.user_id),
                reason="x",
            ),
            audit=broken_audit,  # type: ignore[arg-type]
        )
    assert counts(open_till) == before
    assert not open_till.store.is_voided(sale.sale_id)


def test_returns_against_a_voided_sale_are_refused(
    open_till: Till, cashier: User, supervisor: User
) -> None:
    sale = sell(open_till, cashier, 1).document
    open_till.history.void(sale.number, cashier=cashier, approver=supervisor, reason="x")
    with pytest.raises(ReturnError, match="was voided; nothing can be returned"):
        open_till.returns.find(sale.number)
    with pytest.raises(ReturnError, match="was voided"):
        open_till.returns.issue(
            sale.number, {1: Decimal(1)}, cashier=cashier, approver=supervisor, reason="r"
        )
    assert open_till.store.returned_lines(sale.sale_id) == {}


def test_x_and_z_reports_count_voids_and_leave_them_out_of_the_takings(
    open_till: Till, cashier: User, supervisor: User
) -> None:
    kept = sell(open_till, cashier, 1).document  # ₹27 cash
    voided = sell(open_till, cashier, 9).document  # ₹365 cash, voided
    card = sell(open_till, cashier, 5, card=True).document
    open_till.history.void(voided.number, cashier=cashier, approver=supervisor, reason="x")
    report = open_till.shifts.report()
    assert report.sales_count == 2
    assert report.gross_sales == kept.grand_total + card.grand_total
    assert report.voided_invoices == 1
    assert report.voided_invoices_total == voided.grand_total
    assert dict(report.tenders)[Method.CASH] == kept.grand_total
    assert report.expected_cash == Money.of_rupees(2000) + kept.grand_total
    assert (report.first_number, report.last_number) == (kept.number, card.number)
    taxable = sum(row.taxable.paise for row in report.gst_by_rate)
    assert taxable == sum(line.taxable.paise for d in (kept, card) for line in d.lines)

    close = open_till.shifts.close(cashier, {20: 1, 5: 1, 2: 1, 500: 4})
    assert close.count.over_short == Money(0)
    [event] = [e for e in open_till.store.outbox_events() if e.kind == "shift_closed"]
    assert isinstance(event.payload, ShiftClosed)
    assert event.payload.totals.voids_count == 1
    assert event.payload.totals.voids_paise == voided.grand_total.paise
    assert event.payload.totals.sales_count == 2


def test_the_printed_z_report_counts_voided_invoices_with_the_other_voids(
    open_till: Till, cashier: User, supervisor: User
) -> None:
    from desktop.devices.printer.device import FakePrinter as Device
    from desktop.devices.printer.print_queue import PrintQueue
    from desktop.devices.printer.receipt_printer import ReceiptPrinter
    from desktop.devices.printer.transports import PrinterSettings
    from desktop.devices.till_printer import TillPrinter

    sale = sell(open_till, cashier, 9).document
    open_till.history.void(sale.number, cashier=cashier, approver=supervisor, reason="x")
    cart = open_till.new_sale(cashier)
    cart.scan(ean13(1))
    cart.void_sale(supervisor)  # an abandoned cart is a void too
    report = open_till.shifts.report()
    printer = TillPrinter(
        ReceiptPrinter(PrintQueue(Device()), PrinterSettings()), now=open_till.context.clock.now
    )
    printed = printer.report_data(report, z_number=3, count=None)
    assert (report.voided_sales, report.voided_invoices) == (1, 1)
    assert printed.voids == 2
    assert printed.invoice_count == 0, "the voided invoice is not a sale on the Z"
    assert printed.first_invoice == sale.number
