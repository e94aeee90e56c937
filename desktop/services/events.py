"""Turning the till's documents and facts into :mod:`shared.protocol` event payloads."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from desktop.domain.document import SaleDocument
from desktop.domain.shift import CashCount, ShiftReport
from desktop.domain.tender import Method, change_by_payment
from shared.protocol.events import (
    DenominationCount,
    Payment,
    RefundIssued,
    RefundLine,
    RefundTender,
    SaleCompleted,
    SaleLine,
    ShiftClosed,
    ShiftTotals,
    TenderTotal,
)

__all__ = ("Terminal", "refund_issued", "sale_completed", "shift_closed")


@dataclass(frozen=True, slots=True)
class Terminal:
    """Who this till is, for the events it sends.

    Attributes:
        store_id: the store's id on the server.
        terminal_id: this terminal's id on the server.
        state_code: the store's GST state code (the place of supply of counter sales).
    """

    store_id: UUID
    terminal_id: UUID
    state_code: str


def sale_completed(
    doc: SaleDocument, terminal: Terminal, bill_discount_paise: int
) -> SaleCompleted:
    """The ``SaleCompleted`` event of an invoice."""
    change = change_by_payment(doc.tendered, doc.change)
    return SaleCompleted(
        sale_id=UUID(doc.sale_id),
        invoice_number=doc.number,
        store_id=terminal.store_id,
        terminal_id=terminal.terminal_id,
        shift_id=UUID(doc.shift_id),
        cashier_id=UUID(doc.cashier_id),
        customer_phone=doc.customer_phone,
        customer_gstin=doc.customer_gstin,
        place_of_supply=terminal.state_code,
        inter_state=doc.inter_state,
        lines=tuple(
            SaleLine(
                line_no=line.line_no,
                product_id=UUID(line.item_id),
                hsn=line.hsn,
                description=line.name,
                quantity=line.quantity,
                unit_price_paise=line.unit_price.paise,
                price_includes_tax=line.tax_inclusive,
                price_override_by=UUID(line.price_overridden_by)
                if line.price_overridden_by
                else None,
                gst_rate=line.rate,
                cess_rate=line.cess_rate,
                discount_paise=(line.discount - line.bill_discount).paise,
                bill_discount_paise=line.bill_discount.paise,
                taxable_paise=line.taxable.paise,
                cgst_paise=line.cgst.paise,
                sgst_paise=line.sgst.paise,
                igst_paise=line.igst.paise,
                cess_paise=line.cess.paise,
                total_paise=line.total.paise,
            )
            for line in doc.lines
        ),
        bill_discount_paise=bill_discount_paise,
        taxable_paise=sum(line.taxable.paise for line in doc.lines),
        cgst_paise=sum(line.cgst.paise for line in doc.lines),
        sgst_paise=sum(line.sgst.paise for line in doc.lines),
        igst_paise=sum(line.igst.paise for line in doc.lines),
        cess_paise=sum(line.cess.paise for line in doc.lines),
        round_off_paise=doc.round_off.paise,
        total_paise=doc.grand_total.paise,
        payments=tuple(
            Payment(
                tender=p.method.value,
                amount_paise=p.amount.paise,
                change_given_paise=back.paise,
                reference=p.reference,
            )
            for p, back in zip(doc.tendered, change, strict=True)
        ),
    )


def refund_issued(
    doc: SaleDocument, terminal: Terminal, reason: str, supervisor_id: str | None
) -> RefundIssued:
    """The ``RefundIssued`` event of a credit note."""
    assert doc.original_sale_id is not None
    assert doc.original_number is not None
    return RefundIssued(
        refund_id=UUID(doc.sale_id),
        credit_note_number=doc.number,
        original_sale_id=UUID(doc.original_sale_id),
        original_invoice_number=doc.original_number,
        store_id=terminal.store_id,
        terminal_id=terminal.terminal_id,
        shift_id=UUID(doc.shift_id),
        cashier_id=UUID(doc.cashier_id),
        supervisor_id=UUID(supervisor_id) if supervisor_id else None,
        reason=reason,
        inter_state=doc.inter_state,
        lines=tuple(
            RefundLine(
                sale_line_no=line.original_line_no or line.line_no,
                product_id=UUID(line.item_id),
                hsn=line.hsn,
                quantity=line.quantity,
                gst_rate=line.rate,
                cess_rate=line.cess_rate,
                taxable_paise=line.taxable.paise,
                cgst_paise=line.cgst.paise,
                sgst_paise=line.sgst.paise,
                igst_paise=line.igst.paise,
                cess_paise=line.cess.paise,
                total_paise=line.total.paise,
            )
            for line in doc.lines
        ),
        taxable_paise=sum(line.taxable.paise for line in doc.lines),
        cgst_paise=sum(line.cgst.paise for line in doc.lines),
        sgst_paise=sum(line.sgst.paise for line in doc.lines),
        igst_paise=sum(line.igst.paise for line in doc.lines),
        cess_paise=sum(line.cess.paise for line in doc.lines),
        round_off_paise=doc.round_off.paise,
        total_paise=doc.grand_total.paise,
        tenders=tuple(
            RefundTender(tender=p.method.value, amount_paise=-p.amount.paise, reference=p.reference)
            for p in doc.payments
        ),
    )


def shift_closed(
    *,
    shift_id: str,
    z_number: int,
    cashier_id: str,
    report: ShiftReport,
    count: CashCount,
) -> ShiftClosed:
    """The ``ShiftClosed`` event of a Z close."""
    return ShiftClosed(
        shift_id=UUID(shift_id),
        z_number=z_number,
        cashier_id=UUID(cashier_id),
        counted=tuple(
            DenominationCount(denomination_paise=rupees * 100, count=pieces)
            for rupees, pieces in count.counts
        ),
        counted_cash_paise=count.counted.paise,
        expected_cash_paise=count.expected.paise,
        over_short_paise=count.over_short.paise,
        totals=ShiftTotals(
            sales_count=report.sales_count,
            sales_paise=report.gross_sales.paise,
            refunds_count=report.returns_count,
            refunds_paise=report.returns_total.paise,
            voids_count=report.voided_invoices,
            voids_paise=report.voided_invoices_total.paise,
            discounts_paise=report.discounts.paise,
            cash_in_paise=report.cash_in.paise,
            cash_out_paise=report.cash_out.paise,
            tenders=tuple(
                TenderTotal(tender=method.value, amount_paise=amount.paise)
                for method, amount in report.tenders
                if method in Method
            ),
        ),
    )
