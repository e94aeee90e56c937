"""Hypothesis: any valid message survives the wire unchanged, and float money never gets in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.errors import MessageDecodeError
from shared.ids import uuid7
from shared.protocol import (
    AuditRecorded,
    BarcodeChange,
    BarcodeData,
    CashMoved,
    Change,
    DenominationCount,
    Event,
    EventPayload,
    Payment,
    PriceChange,
    PriceData,
    ProductChange,
    ProductData,
    PullPage,
    PushBatch,
    RefundIssued,
    RefundLine,
    RefundTender,
    SaleCompleted,
    SaleLine,
    SaleVoided,
    ShiftClosed,
    ShiftOpened,
    ShiftTotals,
    StockCounted,
    TenderTotal,
    TerminalStatus,
    decode,
    encode,
    read_push_batch,
    validate,
)

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ids = st.uuids()
event_ids = st.builds(uuid7, st.integers(0, 2**48 - 1), st.binary(min_size=10, max_size=10))
paise = st.integers(0, 10**9)
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
aware = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    offsets,
)
quantities = st.one_of(
    st.integers(1, 1000).map(Decimal),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10000), places=3),
)
rates = st.sampled_from(["0", "0.25", "3", "5", "12", "18", "28", "40"]).map(Decimal)
tenders = st.sampled_from(["cash", "card", "upi"])
invoice_numbers = st.from_regex(r"\A[A-Z][A-Z0-9/-]{0,15}\Z")
hsns = st.from_regex(r"\A[0-9]{4}([0-9]{2}){0,2}\Z")


@st.composite
def tax_amounts(draw: st.DrawFn, inter_state: bool) -> dict[str, int]:
    taxable = draw(paise)
    half = draw(st.integers(0, 10**7))
    cess = draw(st.integers(0, 10**6))
    cgst, sgst, igst = (0, 0, 2 * half) if inter_state else (half, half, 0)
    return {
        "taxable_paise": taxable,
        "cgst_paise": cgst,
        "sgst_paise": sgst,
        "igst_paise": igst,
        "cess_paise": cess,
        "total_paise": taxable + cgst + sgst + igst + cess,
    }


@st.composite
def sale_lines(draw: st.DrawFn, line_no: int, inter_state: bool) -> SaleLine:
    priced = draw(st.booleans())
    return SaleLine(
        line_no=line_no,
        product_id=draw(ids),
        barcode=draw(st.none() | st.from_regex(r"\A[0-9]{8,14}\Z")),
        hsn=draw(hsns),
        description=draw(texts),
        quantity=draw(quantities),
        unit_price_paise=draw(paise),
        price_includes_tax=draw(st.booleans()),
        price_id=draw(ids) if priced else None,
        price_version=draw(st.integers(1, 10**6)) if priced else None,
        price_override_by=draw(st.none() | ids),
        gst_rate=draw(rates),
        cess_rate=draw(st.sampled_from(["0", "12", "290"]).map(Decimal)),
        discount_paise=draw(st.integers(0, 10**6)),
        bill_discount_paise=draw(st.integers(0, 10**5)),
        **draw(tax_amounts(inter_state)),
    )


def _sums(lines: tuple[SaleLine, ...] | tuple[RefundLine, ...]) -> dict[str, int]:
    parts = ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "cess_paise")
    return {part: sum(getattr(line, part) for line in lines) for part in parts}


@st.composite
def payments_for(draw: st.DrawFn, total: int) -> tuple[Payment, ...]:
    if total == 0:
        return ()
    card_part = draw(st.integers(0, total))
    tender = draw(st.sampled_from(["card", "upi"]))
    out: list[Payment] = []
    if card_part:
        out.append(Payment(tender=tender, amount_paise=card_part, reference=draw(texts)))
    rest = total - card_part
    if rest:
        change = draw(st.integers(0, 50_000))
        out.append(Payment(tender="cash", amount_paise=rest + change, change_given_paise=change))
    return tuple(out)


@st.composite
def sales(draw: st.DrawFn) -> SaleCompleted:
    inter_state = draw(st.booleans())
    count = draw(st.integers(1, 5))
    lines = tuple(draw(sale_lines(n, inter_state)) for n in range(1, count + 1))
    sums = _sums(lines)
    line_total = sum(line.total_paise for line in lines)
    round_off = draw(st.integers(-50, 50))
    if line_total + round_off < 0:
        round_off = 0
    total = line_total + round_off
    return SaleCompleted(
        sale_id=draw(ids),
        invoice_number=draw(invoice_numbers),
        store_id=draw(ids),
        terminal_id=draw(ids),
        shift_id=draw(ids),
        cashier_id=draw(ids),
        customer_phone=draw(st.none() | st.from_regex(r"\A\+?[0-9]{6,15}\Z")),
        customer_gstin=draw(st.none() | st.from_regex(r"\A[0-9]{2}[0-9A-Z]{13}\Z")),
        customer_name=draw(st.none() | texts),
        place_of_supply=draw(st.from_regex(r"\A[0-9]{2}\Z")),
        inter_state=inter_state,
        lines=lines,
        bill_discount_paise=sum(line.bill_discount_paise for line in lines),
        round_off_paise=round_off,
        total_paise=total,
        payments=draw(payments_for(total)),
        **sums,
    )


@st.composite
def refunds(draw: st.DrawFn) -> RefundIssued:
    inter_state = draw(st.booleans())
    numbers = draw(st.lists(st.integers(1, 1000), min_size=1, max_size=4, unique=True))
    lines = tuple(
        RefundLine(
            sale_line_no=number,
            product_id=draw(ids),
            hsn=draw(hsns),
            quantity=draw(quantities),
            gst_rate=draw(rates),
            restocked=draw(st.booleans()),
            **draw(tax_amounts(inter_state)),
        )
        for number in numbers
    )
    total = sum(line.total_paise for line in lines)
    return RefundIssued(
        refund_id=draw(ids),
        credit_note_number=draw(invoice_numbers),
        original_sale_id=draw(ids),
        original_invoice_number=draw(invoice_numbers),
        store_id=draw(ids),
        terminal_id=draw(ids),
        shift_id=draw(ids),
        cashier_id=draw(ids),
        supervisor_id=draw(st.none() | ids),
        reason=draw(texts),
        inter_state=inter_state,
        lines=lines,
        round_off_paise=0,
        total_paise=total,
        tenders=(RefundTender(tender=draw(tenders), amount_paise=total),) if total else (),
        **_sums(lines),
    )


@st.composite
def shift_closes(draw: st.DrawFn) -> ShiftClosed:
    denominations = draw(st.lists(st.integers(1, 200_000), max_size=8, unique=True))
    counted = tuple(
        DenominationCount(denomination_paise=d, count=draw(st.integers(0, 500)))
        for d in denominations
    )
    counted_cash = sum(c.denomination_paise * c.count for c in counted)
    expected = draw(st.integers(-(10**8), 10**9))
    tender_names = draw(st.lists(tenders, max_size=3, unique=True))
    return ShiftClosed(
        shift_id=draw(ids),
        z_number=draw(st.integers(1, 10**6)),
        cashier_id=draw(ids),
        supervisor_id=draw(st.none() | ids),
        counted=counted,
        counted_cash_paise=counted_cash,
        expected_cash_paise=expected,
        over_short_paise=counted_cash - expected,
        totals=ShiftTotals(
            sales_count=draw(st.integers(0, 10**4)),
            sales_paise=draw(paise),
            refunds_count=draw(st.integers(0, 10**4)),
            refunds_paise=draw(paise),
            voids_count=draw(st.integers(0, 100)),
            voids_paise=draw(paise),
            discounts_paise=draw(paise),
            cash_in_paise=draw(paise),
            cash_out_paise=draw(paise),
            tenders=tuple(
                TenderTotal(tender=t, amount_paise=draw(st.integers(-(10**9), 10**9)))
                for t in tender_names
            ),
        ),
    )


hashes = st.from_regex(r"\A[0-9a-f]{64}\Z")
payloads: st.SearchStrategy[EventPayload] = st.one_of(
    sales(),
    refunds(),
    shift_closes(),
    st.builds(
        ShiftOpened,
        shift_id=ids,
        store_id=ids,
        terminal_id=ids,
        cashier_id=ids,
        opening_float_paise=paise,
    ),
    st.builds(
        SaleVoided,
        sale_id=ids,
        invoice_number=invoice_numbers,
        shift_id=ids,
        cashier_id=ids,
        supervisor_id=ids,
        reason=texts,
    ),
    st.builds(
        CashMoved,
        movement_id=ids,
        shift_id=ids,
        cashier_id=ids,
        supervisor_id=st.none() | ids,
        direction=st.sampled_from(["in", "out"]),
        amount_paise=st.integers(1, 10**9),
        reason=texts,
    ),
    st.builds(
        StockCounted,
        count_id=ids,
        store_id=ids,
        product_id=ids,
        quantity=st.just(Decimal(0)) | quantities,
        counted_by=ids,
    ),
    st.builds(
        AuditRecorded,
        action=st.from_regex(r"\A[a-z][a-z0-9_]{0,20}\Z"),
        actor_id=st.none() | ids,
        detail=st.dictionaries(st.from_regex(r"\A[a-z][a-z_]{0,10}\Z"), texts, max_size=4),
        prev_hash=hashes,
        hash=hashes,
    ),
)


money_payloads: st.SearchStrategy[EventPayload] = st.one_of(sales(), refunds(), shift_closes())


@st.composite
def batches(
    draw: st.DrawFn, payload_strategy: st.SearchStrategy[EventPayload] = payloads
) -> PushBatch:
    count = draw(st.integers(1, 6))
    seqs = sorted(
        draw(st.lists(st.integers(1, 2**40), min_size=count, max_size=count, unique=True))
    )
    event_id_list = draw(st.lists(event_ids, min_size=count, max_size=count, unique=True))
    events = tuple(
        Event(event_id=eid, seq=seq, occurred_at=draw(aware), payload=draw(payload_strategy))
        for eid, seq in zip(event_id_list, seqs, strict=True)
    )
    return PushBatch(
        protocol_version=1,
        terminal_id=draw(ids),
        status=TerminalStatus(
            app_version="1.2.3",
            queue_depth=draw(st.integers(0, 10**6)),
            oldest_pending_at=draw(st.none() | aware),
            printer=draw(st.sampled_from(["ok", "offline", "paper_out", "error"])),
        ),
        events=events,
    )


@FAST
@given(batches())
def test_any_valid_batch_survives_encoding_and_decoding_unchanged(batch: PushBatch) -> None:
    assert decode(encode(batch), PushBatch) == batch
    assert validate(batch) == batch


@FAST
@given(batches())
def test_reading_any_valid_batch_for_the_server_gives_the_same_events(batch: PushBatch) -> None:
    assert read_push_batch(encode(batch)).events == batch.events


def _paise_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("_paise") and isinstance(value, int):
                found.append((*path, key))
            found += _paise_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paise_paths(value, (*path, index))
    return found


def _json_path(path: tuple[Any, ...]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


@FAST
@given(batch=batches(money_payloads), data=st.data())
def test_any_money_field_turned_into_a_float_is_refused(
    batch: PushBatch, data: st.DataObject
) -> None:
    message = json.loads(encode(batch))
    path = data.draw(st.sampled_from(_paise_paths(message)))
    node = message
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = node[path[-1]] + 0.5
    with pytest.raises(MessageDecodeError) as caught:
        decode(json.dumps(message), PushBatch)
    assert caught.value.path == _json_path(path)
    assert "money is integer paise" in str(caught.value)


@FAST
@given(quantity=quantities)
def test_decimal_quantities_cross_the_wire_digit_for_digit(quantity: Decimal) -> None:
    count = StockCounted(
        count_id=UUID(int=1),
        store_id=UUID(int=2),
        product_id=UUID(int=3),
        quantity=quantity,
        counted_by=UUID(int=4),
    )
    event = Event(
        event_id=uuid7(0, bytes(10)),
        seq=1,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        payload=count,
    )
    wire = json.loads(encode(event))
    assert wire["payload"]["quantity"] == str(quantity)
    decoded = decode(encode(event), Event).payload
    assert isinstance(decoded, StockCounted)
    assert decoded.quantity.as_tuple() == quantity.as_tuple()


changes: st.SearchStrategy[Change] = st.one_of(
    st.builds(
        ProductChange,
        op=st.just("upsert"),
        entity_id=ids,
        version=st.integers(1, 2**40),
        data=st.builds(
            ProductData,
            code=st.from_regex(r"\A[A-Z0-9-]{1,20}\Z"),
            name=texts,
            hsn=hsns,
            unit=st.sampled_from(["pcs", "kg", "g", "l", "ml", "m"]),
            price_includes_tax=st.booleans(),
            mrp_paise=st.none() | paise,
            active=st.booleans(),
        ),
    ),
    st.builds(
        BarcodeChange,
        op=st.just("upsert"),
        entity_id=ids,
        version=st.integers(1, 2**40),
        data=st.builds(
            BarcodeData,
            product_id=ids,
            code=st.from_regex(r"\A[0-9]{8,14}\Z"),
            quantity=quantities,
        ),
    ),
    st.builds(
        PriceChange,
        op=st.just("upsert"),
        entity_id=ids,
        version=st.integers(1, 2**40),
        data=st.builds(
            PriceData,
            product_id=ids,
            store_id=st.none() | ids,
            unit_price_paise=paise,
            effective_from=aware,
            effective_until=st.none(),
        ),
    ),
    st.builds(
        lambda cls, entity_id, version: cls(op="delete", entity_id=entity_id, version=version),
        st.sampled_from([ProductChange, BarcodeChange, PriceChange]),
        ids,
        st.integers(1, 2**40),
    ),
)


@FAST
@given(
    page_changes=st.lists(changes, max_size=8),
    next_cursor=st.from_regex(r"\A[A-Za-z0-9._~-]{1,40}\Z"),
    has_more=st.booleans(),
)
def test_any_valid_pull_page_survives_encoding_and_decoding(
    page_changes: list[Change], next_cursor: str, has_more: bool
) -> None:
    page = PullPage(
        protocol_version=1,
        changes=tuple(page_changes),
        next_cursor=next_cursor,
        has_more=has_more,
    )
    assert decode(encode(page), PullPage) == page
