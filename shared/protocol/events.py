"""Events a till pushes: immutable facts, named in the past tense.

An :class:`Event` is the envelope the outbox stores and the server deduplicates: a UUIDv7
``event_id``, the terminal's ``seq`` and the moment it happened. Its ``payload`` is one of
the facts below, told apart on the wire by its ``kind``::

    {"event_id": "0196...", "seq": 42, "occurred_at": "2026-05-09T10:15:00+05:30",
     "payload": {"kind": "sale_completed", "sale_id": "...", ...}}

Money is integer paise; quantities and rates are decimal strings (``"1.250"``, ``"18"``).

Amounts are those :mod:`shared.gst` computes, and follow its rules, so the server can trust
a sale's arithmetic without redoing its tax: on every line ``total = taxable + cgst + sgst +
igst + cess`` (the line's gross); an intra-state line has ``cgst == sgst`` and no IGST, an
inter-state line IGST only; the bill discount is spread over the lines
(``bill_discount_paise`` per line) before tax, so a document's tax totals are the sums of its
lines', its ``total_paise`` is the sum of the line totals plus ``round_off_paise``, and the
tenders pay exactly that total. A payload that breaks these is invalid, so the server
quarantines it instead of booking it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal, cast
from uuid import UUID

import msgspec
from msgspec import Meta

from shared.gst import MAX_CESS_RATE, MAX_GST_RATE, QUANTITY_DECIMALS
from shared.ids import is_uuid7
from shared.protocol._base import (
    NO_NUL,
    AwareDatetime,
    Barcode,
    Gstin,
    Hsn,
    InvoiceNumber,
    NonNegativeInt,
    NonNegativePaise,
    Paise,
    Phone,
    PositiveInt,
    PositivePaise,
    ProtocolStruct,
    ShortText,
    StateCode,
    Tender,
    Text,
    check_decimal,
    check_increasing,
    check_sum,
    check_unique,
    fail,
)

__all__ = (
    "GENESIS_HASH",
    "AuditRecorded",
    "CashMoved",
    "DenominationCount",
    "Event",
    "EventPayload",
    "Payment",
    "RefundIssued",
    "RefundLine",
    "RefundTender",
    "SaleCompleted",
    "SaleLine",
    "SaleVoided",
    "ShiftClosed",
    "ShiftOpened",
    "ShiftTotals",
    "StockCounted",
    "TenderTotal",
    "audit_hash",
)

#: The ``prev_hash`` of a terminal's first audit entry.
GENESIS_HASH = "0" * 64

_ZERO = Decimal(0)
_MAX_QUANTITY = Decimal(1_000_000)
_RATE_PLACES = 3
_TAX_PARTS = ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise")

RoundOff = Annotated[int, Meta(ge=-99, le=99, description="invoice round-off, under a rupee")]
Hash = Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$", description="SHA-256, lower-case hex")]
Action = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
DetailKey = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
DetailValue = Annotated[str, Meta(max_length=500, pattern=NO_NUL)]


# ------------------------------------------------------------------ shared checks
def _check_quantity(value: Decimal, path: str, *, allow_zero: bool = False) -> None:
    check_decimal(
        value,
        path,
        places=QUANTITY_DECIMALS,
        minimum=_ZERO,
        maximum=_MAX_QUANTITY,
        minimum_inclusive=allow_zero,
    )


def _check_rates(gst_rate: Decimal, cess_rate: Decimal) -> None:
    check_decimal(gst_rate, "$.gst_rate", places=_RATE_PLACES, minimum=_ZERO, maximum=MAX_GST_RATE)
    check_decimal(
        cess_rate, "$.cess_rate", places=_RATE_PLACES, minimum=_ZERO, maximum=MAX_CESS_RATE
    )


def _check_line_total(line: SaleLine | RefundLine) -> None:
    # spelled out rather than looped over _TAX_PARTS: this runs for every line the server reads
    parts = (line.taxable_paise, line.cgst_paise, line.sgst_paise, line.igst_paise, line.cess_paise)
    if line.total_paise != sum(parts):
        check_sum(
            "$.total_paise", "total_paise", line.total_paise, parts, "taxable_paise and the taxes"
        )


def _check_tax_split(lines: Sequence[SaleLine | RefundLine], inter: bool) -> None:
    for index, line in enumerate(lines):
        path = f"$.lines[{index}]"
        if inter and (line.cgst_paise or line.sgst_paise):
            raise fail(path, "an inter-state line carries IGST only; CGST and SGST must be 0")
        if not inter and line.igst_paise:
            raise fail(f"{path}.igst_paise", "an intra-state line carries no IGST")
        if not inter and line.cgst_paise != line.sgst_paise:
            raise fail(
                path,
                f"CGST and SGST are equal halves, got {line.cgst_paise} and {line.sgst_paise}",
            )


def _check_document_totals(
    doc: SaleCompleted | RefundIssued,
    lines: Sequence[SaleLine | RefundLine],
) -> None:
    sums = dict.fromkeys(_TAX_PARTS, 0)
    line_totals = 0
    for line in lines:
        sums["taxable_paise"] += line.taxable_paise
        sums["cgst_paise"] += line.cgst_paise
        sums["sgst_paise"] += line.sgst_paise
        sums["igst_paise"] += line.igst_paise
        sums["cess_paise"] += line.cess_paise
        line_totals += line.total_paise
    for part, expected in sums.items():
        check_sum(f"$.{part}", part, getattr(doc, part), (expected,), "the lines")
    check_sum(
        "$.total_paise",
        "total_paise",
        doc.total_paise,
        (line_totals, doc.round_off_paise),
        "the line totals and round_off_paise",
    )


# ------------------------------------------------------------------ payloads
class _Payload(ProtocolStruct, tag_field="kind", frozen=True, kw_only=True):
    """Base of event payloads; ``kind`` on the wire names the concrete class."""


class SaleLine(ProtocolStruct, frozen=True, kw_only=True):
    """One line of a completed sale, with the price actually charged and its tax.

    Attributes:
        line_no: the line's number on the invoice, increasing; returns refer to it.
        product_id: the catalog product sold.
        barcode: the code that was scanned, if the line was added by scanning.
        hsn: HSN/SAC code the tax was computed for.
        description: the text printed on the receipt.
        quantity: decimal quantity (up to 3 places, for weighed goods), > 0.
        unit_price_paise: the price per unit actually charged, after any override.
        price_includes_tax: whether ``unit_price_paise`` is tax-inclusive (MRP).
        price_id: the catalog price record the till used, if any (absent for open prices).
        price_version: that record's version, so the server can flag a superseded price.
        price_override_by: the supervisor who approved a manual price, if any.
        gst_rate: GST rate in percent (``"18"``), the sum of CGST and SGST or the IGST rate.
        cess_rate: cess rate in percent.
        discount_paise: the discount given on this line itself.
        bill_discount_paise: this line's share of the sale's bill discount.
        taxable_paise: value the tax was computed on, after discounts.
        cgst_paise: central tax (intra-state).
        sgst_paise: state tax (intra-state), always equal to ``cgst_paise``.
        igst_paise: integrated tax (inter-state).
        cess_paise: cess.
        total_paise: ``taxable + cgst + sgst + igst + cess``.
    """

    line_no: PositiveInt
    product_id: UUID
    barcode: Barcode | None = None
    hsn: Hsn
    description: Text
    quantity: Decimal
    unit_price_paise: NonNegativePaise
    price_includes_tax: bool
    price_id: UUID | None = None
    price_version: PositiveInt | None = None
    price_override_by: UUID | None = None
    gst_rate: Decimal
    cess_rate: Decimal = Decimal(0)
    discount_paise: NonNegativePaise = 0
    bill_discount_paise: NonNegativePaise = 0
    taxable_paise: NonNegativePaise
    cgst_paise: NonNegativePaise
    sgst_paise: NonNegativePaise
    igst_paise: NonNegativePaise
    cess_paise: NonNegativePaise = 0
    total_paise: NonNegativePaise

    def __post_init__(self) -> None:
        """Check the quantity, rates, price reference and line total."""
        _check_quantity(self.quantity, "$.quantity")
        _check_rates(self.gst_rate, self.cess_rate)
        if (self.price_id is None) != (self.price_version is None):
            raise fail("$.price_version", "price_id and price_version come together or not at all")
        _check_line_total(self)


class Payment(ProtocolStruct, frozen=True, kw_only=True):
    """One tender of a sale.

    Attributes:
        tender: ``cash``, ``card`` or ``upi``.
        amount_paise: what the customer handed over in this tender.
        change_given_paise: cash handed back; only cash gives change.
        reference: the card slip or UPI transaction reference.
    """

    tender: Tender
    amount_paise: PositivePaise
    change_given_paise: NonNegativePaise = 0
    reference: ShortText | None = None

    def __post_init__(self) -> None:
        """Check that only cash gives change, and never more than was handed over."""
        if self.change_given_paise and self.tender != "cash":
            raise fail("$.change_given_paise", f"only cash gives change, not {self.tender}")
        if self.change_given_paise > self.amount_paise:
            raise fail(
                "$.change_given_paise",
                f"change {self.change_given_paise} exceeds the amount {self.amount_paise}",
            )

    @property
    def net_paise(self) -> int:
        """What this tender paid towards the bill: the amount less the change."""
        return self.amount_paise - self.change_given_paise


class SaleCompleted(_Payload, tag="sale_completed", frozen=True, kw_only=True):
    """A sale was completed and its invoice issued (the fact behind every receipt).

    Attributes:
        sale_id: the sale's id, made by the till.
        invoice_number: the GST invoice number from the terminal's own series.
        store_id: the store.
        terminal_id: the terminal.
        shift_id: the shift the sale was rung up in.
        cashier_id: the cashier.
        customer_phone: the customer's phone, if given.
        customer_gstin: the buyer's GSTIN for a B2B invoice.
        customer_name: the buyer's name for a B2B invoice.
        place_of_supply: GST state code of the place of supply.
        inter_state: IGST (across states) instead of CGST + SGST.
        lines: the lines, ``line_no`` increasing.
        bill_discount_paise: the bill-level discount; the lines' shares add up to it.
        taxable_paise: sum of the lines'.
        cgst_paise: sum of the lines'.
        sgst_paise: sum of the lines'.
        igst_paise: sum of the lines'.
        cess_paise: sum of the lines'.
        round_off_paise: rounding of the invoice total to the rupee (signed).
        total_paise: the amount payable: line totals plus round-off.
        payments: the tenders; their net amounts add up to ``total_paise``.
    """

    sale_id: UUID
    invoice_number: InvoiceNumber
    store_id: UUID
    terminal_id: UUID
    shift_id: UUID
    cashier_id: UUID
    customer_phone: Phone | None = None
    customer_gstin: Gstin | None = None
    customer_name: Text | None = None
    place_of_supply: StateCode
    inter_state: bool
    lines: Annotated[tuple[SaleLine, ...], Meta(min_length=1, max_length=1000)]
    bill_discount_paise: NonNegativePaise = 0
    taxable_paise: NonNegativePaise
    cgst_paise: NonNegativePaise
    sgst_paise: NonNegativePaise
    igst_paise: NonNegativePaise
    cess_paise: NonNegativePaise = 0
    round_off_paise: RoundOff = 0
    total_paise: NonNegativePaise
    payments: Annotated[tuple[Payment, ...], Meta(max_length=20)]

    def __post_init__(self) -> None:
        """Check line numbering, the tax split, the totals and that the tenders pay them."""
        check_increasing("$.lines", "line_no", enumerate(line.line_no for line in self.lines))
        _check_tax_split(self.lines, self.inter_state)
        _check_document_totals(self, self.lines)
        check_sum(
            "$.bill_discount_paise",
            "bill_discount_paise",
            self.bill_discount_paise,
            (line.bill_discount_paise for line in self.lines),
            "the lines' shares of it",
        )
        check_sum(
            "$.payments",
            "total_paise",
            self.total_paise,
            (payment.net_paise for payment in self.payments),
            "the payments less change",
        )


class SaleVoided(_Payload, tag="sale_voided", frozen=True, kw_only=True):
    """A completed sale was cancelled with a supervisor's approval.

    Attributes:
        sale_id: the sale voided.
        invoice_number: its invoice number.
        shift_id: the shift the void happened in.
        cashier_id: who voided it.
        supervisor_id: who approved it.
        reason: why.
    """

    sale_id: UUID
    invoice_number: InvoiceNumber
    shift_id: UUID
    cashier_id: UUID
    supervisor_id: UUID
    reason: Text


class RefundLine(ProtocolStruct, frozen=True, kw_only=True):
    """One returned line, at the original sale's price and tax rate.

    Attributes:
        sale_line_no: the ``line_no`` on the original sale.
        product_id: the product returned.
        hsn: its HSN/SAC code (for the credit note's HSN summary).
        quantity: how much came back, > 0.
        gst_rate: the original GST rate in percent.
        cess_rate: the original cess rate in percent.
        restocked: whether the goods went back on the shelf (not damaged).
        taxable_paise: taxable value refunded.
        cgst_paise: CGST refunded.
        sgst_paise: SGST refunded.
        igst_paise: IGST refunded.
        cess_paise: cess refunded.
        total_paise: ``taxable + cgst + sgst + igst + cess``.
    """

    sale_line_no: PositiveInt
    product_id: UUID
    hsn: Hsn
    quantity: Decimal
    gst_rate: Decimal
    cess_rate: Decimal = Decimal(0)
    restocked: bool = True
    taxable_paise: NonNegativePaise
    cgst_paise: NonNegativePaise
    sgst_paise: NonNegativePaise
    igst_paise: NonNegativePaise
    cess_paise: NonNegativePaise = 0
    total_paise: NonNegativePaise

    def __post_init__(self) -> None:
        """Check the quantity, rates and line total."""
        _check_quantity(self.quantity, "$.quantity")
        _check_rates(self.gst_rate, self.cess_rate)
        _check_line_total(self)


class RefundTender(ProtocolStruct, frozen=True, kw_only=True):
    """Money paid back to the customer in one tender.

    Attributes:
        tender: ``cash``, ``card`` or ``upi``.
        amount_paise: how much, > 0.
        reference: the card or UPI reversal reference, if any.
    """

    tender: Tender
    amount_paise: PositivePaise
    reference: ShortText | None = None


class RefundIssued(_Payload, tag="refund_issued", frozen=True, kw_only=True):
    """Goods came back against an earlier sale and a credit note was issued.

    Attributes:
        refund_id: the refund's id, made by the till.
        credit_note_number: from the terminal's credit-note series.
        original_sale_id: the sale returned against.
        original_invoice_number: that sale's invoice number.
        store_id: the store.
        terminal_id: the terminal.
        shift_id: the shift the refund was made in.
        cashier_id: the cashier.
        supervisor_id: who approved it, if approval was needed.
        reason: why the goods came back.
        inter_state: as on the original sale.
        lines: the returned lines, each original line at most once.
        taxable_paise: sum of the lines'.
        cgst_paise: sum of the lines'.
        sgst_paise: sum of the lines'.
        igst_paise: sum of the lines'.
        cess_paise: sum of the lines'.
        round_off_paise: rounding of the credit-note total to the rupee (signed).
        total_paise: line totals plus round-off; the tenders pay back exactly this.
        tenders: how the money went back.
    """

    refund_id: UUID
    credit_note_number: InvoiceNumber
    original_sale_id: UUID
    original_invoice_number: InvoiceNumber
    store_id: UUID
    terminal_id: UUID
    shift_id: UUID
    cashier_id: UUID
    supervisor_id: UUID | None = None
    reason: Text
    inter_state: bool
    lines: Annotated[tuple[RefundLine, ...], Meta(min_length=1, max_length=1000)]
    taxable_paise: NonNegativePaise
    cgst_paise: NonNegativePaise
    sgst_paise: NonNegativePaise
    igst_paise: NonNegativePaise
    cess_paise: NonNegativePaise = 0
    round_off_paise: RoundOff = 0
    total_paise: NonNegativePaise
    tenders: Annotated[tuple[RefundTender, ...], Meta(max_length=20)]

    def __post_init__(self) -> None:
        """Check each original line is returned once, the tax split, totals and tenders."""
        check_unique("$.lines", "sale_line_no", enumerate(line.sale_line_no for line in self.lines))
        _check_tax_split(self.lines, self.inter_state)
        _check_document_totals(self, self.lines)
        check_sum(
            "$.tenders",
            "total_paise",
            self.total_paise,
            (tender.amount_paise for tender in self.tenders),
            "the refund tenders",
        )


class ShiftOpened(_Payload, tag="shift_opened", frozen=True, kw_only=True):
    """A cashier opened a shift on a terminal with an opening float.

    Attributes:
        shift_id: the shift's id, made by the till.
        store_id: the store.
        terminal_id: the terminal.
        cashier_id: the cashier.
        opening_float_paise: cash in the drawer at the start.
    """

    shift_id: UUID
    store_id: UUID
    terminal_id: UUID
    cashier_id: UUID
    opening_float_paise: NonNegativePaise


class DenominationCount(ProtocolStruct, frozen=True, kw_only=True):
    """How many notes or coins of one denomination were counted.

    Attributes:
        denomination_paise: the face value (``50000`` for a Rs 500 note).
        count: how many.
    """

    denomination_paise: PositivePaise
    count: NonNegativeInt


class TenderTotal(ProtocolStruct, frozen=True, kw_only=True):
    """The net takings of one tender over a shift (sales less refunds, may be negative).

    Attributes:
        tender: ``cash``, ``card`` or ``upi``.
        amount_paise: the net amount.
    """

    tender: Tender
    amount_paise: Paise


class ShiftTotals(ProtocolStruct, frozen=True, kw_only=True):
    """The figures printed on a Z report.

    Attributes:
        sales_count: completed sales.
        sales_paise: their total.
        refunds_count: credit notes issued.
        refunds_paise: their total.
        voids_count: completed sales voided.
        voids_paise: their total.
        discounts_paise: all discounts given.
        cash_in_paise: cash put into the drawer.
        cash_out_paise: cash taken out of the drawer.
        tenders: net takings per tender, each tender at most once.
    """

    sales_count: NonNegativeInt
    sales_paise: NonNegativePaise
    refunds_count: NonNegativeInt
    refunds_paise: NonNegativePaise
    voids_count: NonNegativeInt
    voids_paise: NonNegativePaise
    discounts_paise: NonNegativePaise
    cash_in_paise: NonNegativePaise
    cash_out_paise: NonNegativePaise
    tenders: Annotated[tuple[TenderTotal, ...], Meta(max_length=3)]

    def __post_init__(self) -> None:
        """Check each tender appears once."""
        check_unique("$.tenders", "tender", enumerate(total.tender for total in self.tenders))


class ShiftClosed(_Payload, tag="shift_closed", frozen=True, kw_only=True):
    """A shift was closed with a blind count (a Z report).

    Attributes:
        shift_id: the shift.
        z_number: the Z report's number on this terminal.
        cashier_id: who counted.
        supervisor_id: who saw the over/short, if a supervisor closed it.
        counted: the count by denomination, each denomination at most once.
        counted_cash_paise: the sum of the count.
        expected_cash_paise: what the drawer should hold.
        over_short_paise: ``counted - expected``; negative is short.
        totals: the shift's figures.
    """

    shift_id: UUID
    z_number: PositiveInt
    cashier_id: UUID
    supervisor_id: UUID | None = None
    counted: Annotated[tuple[DenominationCount, ...], Meta(max_length=40)]
    counted_cash_paise: NonNegativePaise
    expected_cash_paise: Paise
    over_short_paise: Paise
    totals: ShiftTotals

    def __post_init__(self) -> None:
        """Check the count adds up and over/short is counted minus expected."""
        check_unique(
            "$.counted", "denomination_paise", enumerate(c.denomination_paise for c in self.counted)
        )
        check_sum(
            "$.counted_cash_paise",
            "counted_cash_paise",
            self.counted_cash_paise,
            (c.denomination_paise * c.count for c in self.counted),
            "the denominations counted",
        )
        check_sum(
            "$.over_short_paise",
            "over_short_paise",
            self.over_short_paise,
            (self.counted_cash_paise, -self.expected_cash_paise),
            "counted less expected",
        )


class CashMoved(_Payload, tag="cash_moved", frozen=True, kw_only=True):
    """Cash was put into or taken out of the drawer outside a sale.

    Attributes:
        movement_id: the movement's id, made by the till.
        shift_id: the shift.
        cashier_id: who moved the cash.
        supervisor_id: who approved it, if approval was needed.
        direction: ``in`` or ``out``.
        amount_paise: how much, > 0.
        reason: why (float top-up, bank drop, petty expense...).
    """

    movement_id: UUID
    shift_id: UUID
    cashier_id: UUID
    supervisor_id: UUID | None = None
    direction: Literal["in", "out"]
    amount_paise: PositivePaise
    reason: Text


class StockCounted(_Payload, tag="stock_counted", frozen=True, kw_only=True):
    """A product's on-hand quantity was counted in a store.

    Attributes:
        count_id: the counting session, so one count's lines can be reviewed together.
        store_id: the store.
        product_id: the product.
        quantity: what was on the shelf, >= 0.
        counted_by: who counted.
    """

    count_id: UUID
    store_id: UUID
    product_id: UUID
    quantity: Decimal
    counted_by: UUID

    def __post_init__(self) -> None:
        """Check the quantity."""
        _check_quantity(self.quantity, "$.quantity", allow_zero=True)


class AuditRecorded(_Payload, tag="audit_recorded", frozen=True, kw_only=True):
    """A sensitive action at the till, chained to the terminal's previous audit entry.

    ``hash`` is :func:`audit_hash` over this entry and ``prev_hash``; the first entry of a
    terminal has ``prev_hash`` :data:`GENESIS_HASH`. An edited entry no longer matches its
    hash and a deleted one breaks the next entry's ``prev_hash``.

    Attributes:
        action: what happened, in snake_case (``login``, ``pin_failed``, ``sale_voided``...).
        actor_id: the user who did it, if known (a failed PIN may have no user).
        detail: further facts as text, keyed in snake_case.
        prev_hash: the previous entry's ``hash``.
        hash: this entry's hash.
    """

    action: Action
    actor_id: UUID | None = None
    detail: Annotated[dict[DetailKey, DetailValue], Meta(max_length=32)]
    prev_hash: Hash
    hash: Hash


EventPayload = (
    SaleCompleted
    | SaleVoided
    | RefundIssued
    | ShiftOpened
    | ShiftClosed
    | CashMoved
    | StockCounted
    | AuditRecorded
)


class Event(ProtocolStruct, frozen=True, kw_only=True):
    """The envelope of one fact on its way from a terminal's outbox to the server.

    Attributes:
        event_id: a UUIDv7 made by the till; the server applies each id exactly once.
        seq: the terminal's sequence number, which only grows.
        occurred_at: when it happened, with a UTC offset.
        payload: the fact itself.
    """

    event_id: UUID
    seq: PositiveInt
    occurred_at: AwareDatetime
    payload: EventPayload

    def __post_init__(self) -> None:
        """Check the id is a UUIDv7."""
        if not is_uuid7(self.event_id):
            raise fail(
                "$.event_id",
                f"event_id must be a UUIDv7, got version {self.event_id.version}",
            )

    @property
    def kind(self) -> str:
        """The payload's ``kind`` as it appears on the wire (``"sale_completed"``...)."""
        return cast(str, self.payload.__struct_config__.tag)


def audit_hash(
    *,
    prev_hash: str,
    event_id: UUID,
    occurred_at: datetime,
    action: str,
    actor_id: UUID | None,
    detail: Mapping[str, str],
) -> str:
    """Compute an audit entry's chain hash; the till writes it, the server checks it.

    The hash is SHA-256 over the compact JSON array ``[prev_hash, event_id, occurred_at,
    action, actor_id, detail]`` as msgspec encodes it, with ``detail``'s keys sorted.

    Args:
        prev_hash: the previous entry's hash, or :data:`GENESIS_HASH`.
        event_id: the entry's event id.
        occurred_at: the entry's time.
        action: the action.
        actor_id: the actor, if any.
        detail: the detail.

    Returns:
        64 lower-case hex digits.
    """
    canonical = msgspec.json.encode(
        [prev_hash, event_id, occurred_at, action, actor_id, dict(sorted(detail.items()))]
    )
    return hashlib.sha256(canonical).hexdigest()
