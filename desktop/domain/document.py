"""Completed documents: the tax invoice of a sale and the credit note of a return.

A :class:`SaleDocument` is everything printed on the receipt and everything stored for
reprints, returns and reports: lines with the tax they were charged at, GST summaries,
payments and change. It is the data the receipt layout (``desktop.devices``) prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from desktop.domain.cart import Cart
from desktop.domain.catalog import User
from desktop.domain.tender import Payment, Settlement
from shared.gst import Invoice
from shared.money import Money

__all__ = (
    "DocumentKind",
    "DocumentLine",
    "HsnRow",
    "RateRow",
    "SaleDocument",
    "StoreInfo",
    "build_sale_document",
)


class DocumentKind(StrEnum):
    """Sale (a tax invoice or bill of supply) or return (a credit note)."""

    SALE = "sale"
    RETURN = "return"


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """The seller's particulars printed on every document (CGST Rule 46).

    Attributes:
        name: the trade name.
        address: one line of address.
        gstin: the store's GSTIN, or ``""`` for an unregistered demo store.
        state_code: the two-digit state code of the store.
        store_code: the store part of document numbers.
        terminal_code: the terminal part of document numbers.
    """

    name: str
    address: str
    gstin: str
    state_code: str
    store_code: str
    terminal_code: str


@dataclass(frozen=True, slots=True)
class DocumentLine:
    """A line as charged (or, on a credit note, as credited).

    Attributes:
        line_no: the line's number in this document.
        item_id: the catalog item.
        code: the item's code.
        name: the description printed.
        hsn: HSN code.
        rate: the GST rate charged, in percent (kept even if the rate later changes).
        cess_rate: the cess rate charged, in percent.
        quantity: count or kilograms.
        unit: unit of quantity.
        unit_price: price per unit as charged.
        tax_inclusive: whether ``unit_price`` includes GST (MRP).
        price_overridden_by: the supervisor who approved a manual price, if any.
        discount: all discount on the line (its own plus its bill-discount share).
        taxable: taxable value.
        cgst: central tax.
        sgst: state (or UT) tax.
        igst: integrated tax.
        cess: compensation cess.
        total: what the line cost, tax included (``taxable`` plus all taxes).
        original_line_no: on a credit note, the invoice line it gives back.
        bill_discount: the part of ``discount`` that is this line's share of the bill
            discount (documents stored before this field existed read as zero).
    """

    line_no: int
    item_id: str
    code: str
    name: str
    hsn: str
    rate: Decimal
    cess_rate: Decimal
    quantity: Decimal
    unit: str
    unit_price: Money
    tax_inclusive: bool
    price_overridden_by: str | None
    discount: Money
    taxable: Money
    cgst: Money
    sgst: Money
    igst: Money
    cess: Money
    total: Money
    original_line_no: int | None = None
    bill_discount: Money = Money(0)  # noqa: RUF009 - Money is immutable

    @property
    def tax(self) -> Money:
        """All taxes on the line."""
        return self.cgst + self.sgst + self.igst + self.cess


@dataclass(frozen=True, slots=True)
class RateRow:
    """Taxable value and taxes for one GST rate (the receipt's GST summary)."""

    rate: Decimal
    taxable: Money
    cgst: Money
    sgst: Money
    igst: Money
    cess: Money


@dataclass(frozen=True, slots=True)
class HsnRow:
    """Quantity, taxable value and tax for one HSN code and rate (GSTR-1 table 12)."""

    hsn: str
    rate: Decimal
    quantity: Decimal
    taxable: Money
    tax: Money


@dataclass(frozen=True, slots=True)
class SaleDocument:
    """A completed sale's invoice, or a return's credit note.

    Attributes:
        sale_id: the document's id (a UUIDv7 as text).
        number: the invoice or credit-note number (at most 16 characters).
        kind: sale or return.
        gst_kind: ``tax_invoice``, ``bill_of_supply``, ``invoice_cum_bill_of_supply`` or
            ``credit_note``.
        created_at: when it was completed (timezone-aware).
        store: the seller's particulars.
        shift_id: the shift it belongs to.
        cashier_id: who rang it up.
        cashier_name: printed on the receipt.
        lines: the lines.
        rate_summary: GST by rate.
        hsn_summary: GST by HSN code.
        discount: all discounts given.
        subtotal: the sum of the lines' totals, before round-off.
        round_off: the rupee round-off, between -50 and +50 paise.
        grand_total: the amount paid (or refunded), in whole rupees.
        payments: what each payment paid (refunds are negative on a credit note).
        tendered: the payments as handed over (cash before change).
        change: cash given back.
        customer_phone: the customer's mobile number, if given.
        customer_gstin: the buyer's GSTIN for B2B, if given.
        inter_state: whether IGST applied.
        original_sale_id: on a credit note, the invoice it credits.
        original_number: on a credit note, the original invoice's number.
        original_date: on a credit note, the original invoice's date.
    """

    sale_id: str
    number: str
    kind: DocumentKind
    gst_kind: str
    created_at: datetime
    store: StoreInfo
    shift_id: str
    cashier_id: str
    cashier_name: str
    lines: tuple[DocumentLine, ...]
    rate_summary: tuple[RateRow, ...]
    hsn_summary: tuple[HsnRow, ...]
    discount: Money
    subtotal: Money
    round_off: Money
    grand_total: Money
    payments: tuple[Payment, ...]
    tendered: tuple[Payment, ...]
    change: Money
    customer_phone: str | None = None
    customer_gstin: str | None = None
    inter_state: bool = False
    original_sale_id: str | None = None
    original_number: str | None = None
    original_date: datetime | None = None

    @property
    def tax(self) -> Money:
        """All taxes on the document."""
        return Money(sum(line.tax.paise for line in self.lines))


def build_sale_document(
    *,
    cart: Cart,
    invoice: Invoice,
    settlement: Settlement,
    sale_id: str,
    number: str,
    created_at: datetime,
    store: StoreInfo,
    shift_id: str,
    cashier: User,
) -> SaleDocument:
    """Assemble the invoice of a completed sale from its cart, tax and payments."""
    lines = tuple(
        DocumentLine(
            line_no=index,
            item_id=cart_line.item.item_id,
            code=cart_line.item.code,
            name=cart_line.item.name,
            hsn=cart_line.item.hsn,
            rate=computed.line.rate,
            cess_rate=computed.line.cess_rate,
            quantity=cart_line.quantity,
            unit=cart_line.item.unit,
            unit_price=cart_line.unit_price,
            tax_inclusive=cart_line.item.tax_inclusive,
            price_overridden_by=cart_line.price_overridden_by,
            discount=computed.discount,
            taxable=computed.breakdown.taxable,
            cgst=computed.breakdown.cgst,
            sgst=computed.breakdown.sgst,
            igst=computed.breakdown.igst,
            cess=computed.breakdown.cess,
            total=computed.gross,
            bill_discount=computed.bill_discount,
        )
        for index, (cart_line, computed) in enumerate(
            zip(cart.lines, invoice.lines, strict=True), start=1
        )
    )
    return SaleDocument(
        sale_id=sale_id,
        number=number,
        kind=DocumentKind.SALE,
        gst_kind=invoice.document_kind.value,
        created_at=created_at,
        store=store,
        shift_id=shift_id,
        cashier_id=cashier.user_id,
        cashier_name=cashier.name,
        lines=lines,
        rate_summary=tuple(
            RateRow(
                rate=row.rate,
                taxable=row.breakdown.taxable,
                cgst=row.breakdown.cgst,
                sgst=row.breakdown.sgst,
                igst=row.breakdown.igst,
                cess=row.breakdown.cess,
            )
            for row in invoice.rate_summary
        ),
        hsn_summary=tuple(
            HsnRow(
                hsn=row.hsn,
                rate=row.rate,
                quantity=row.quantity,
                taxable=row.breakdown.taxable,
                tax=row.breakdown.tax,
            )
            for row in invoice.hsn_summary
        ),
        discount=Money(sum(line.discount.paise for line in lines)),
        subtotal=invoice.totals.gross,
        round_off=invoice.round_off,
        grand_total=invoice.grand_total,
        payments=settlement.applied,
        tendered=settlement.tendered,
        change=settlement.change,
        customer_phone=cart.customer_phone,
        customer_gstin=cart.customer_gstin,
        inter_state=invoice.inter_state,
    )
