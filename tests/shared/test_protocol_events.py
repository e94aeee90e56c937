"""Event payload rules: the facts a till pushes are whole, consistent and unambiguous."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import pytest
from msgspec.structs import replace

from shared.errors import MessageDecodeError
from shared.ids import uuid7
from shared.protocol import (
    GENESIS_HASH,
    AuditRecorded,
    CashMoved,
    DenominationCount,
    Event,
    Payment,
    PushBatch,
    RefundIssued,
    RefundLine,
    SaleCompleted,
    SaleLine,
    ShiftClosed,
    ShiftTotals,
    StockCounted,
    TenderTotal,
    audit_hash,
    decode,
    validate,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "protocol"
BATCH_JSON = (FIXTURES / "push_batch.json").read_bytes()
BATCH = decode(BATCH_JSON, PushBatch)
IST = timezone(timedelta(hours=5, minutes=30))

P = TypeVar("P")


def payload_of(kind: type[P]) -> P:
    """The golden batch's payload of one kind."""
    for event in BATCH.events:
        if isinstance(event.payload, kind):
            return event.payload
    raise AssertionError(kind)


def event_of(kind: type[object]) -> Event:
    for event in BATCH.events:
        if isinstance(event.payload, kind):
            return event
    raise AssertionError(kind)


SALE = payload_of(SaleCompleted)
REFUND = payload_of(RefundIssued)
CLOSE = payload_of(ShiftClosed)
AUDIT = payload_of(AuditRecorded)


def raised(build: Any) -> MessageDecodeError:
    with pytest.raises(MessageDecodeError) as caught:
        build()
    return caught.value


def golden_batch() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(BATCH_JSON)
    return loaded


def decode_error(batch: dict[str, Any]) -> MessageDecodeError:
    with pytest.raises(MessageDecodeError) as caught:
        decode(json.dumps(batch), PushBatch)
    return caught.value


# ------------------------------------------------------------------ the envelope
def test_every_golden_event_knows_its_kind() -> None:
    assert [event.kind for event in BATCH.events] == [
        "shift_opened",
        "sale_completed",
        "refund_issued",
        "sale_voided",
        "audit_recorded",
        "cash_moved",
        "stock_counted",
        "shift_closed",
    ]


@pytest.mark.parametrize(
    "event_id",
    [
        "0196a8f0-0000-4000-8000-000000000001",  # v4
        "6ba7b810-9dad-11d1-80b4-00c04fd430c8",  # v1
        "01234567-89ab-7000-c000-000000000000",  # v7 nibble, wrong variant
    ],
)
def test_an_event_id_that_is_not_a_uuid7_is_refused(event_id: str) -> None:
    batch = golden_batch()
    batch["events"][0]["event_id"] = event_id
    error = decode_error(batch)
    assert error.path == "$.events[0].event_id"
    assert "event_id must be a UUIDv7" in str(error)


def test_building_an_event_with_a_v4_id_is_refused_too() -> None:
    error = raised(lambda: replace(BATCH.events[0], event_id=uuid.UUID(int=0x4000 << 64)))
    assert error.path == "$.event_id"


@pytest.mark.parametrize("occurred_at", ["2026-05-09T09:00:00", "2026-05-09 09:00:00"])
def test_a_naive_or_sloppy_datetime_is_refused(occurred_at: str) -> None:
    batch = golden_batch()
    batch["events"][0]["occurred_at"] = occurred_at
    error = decode_error(batch)
    assert error.path == "$.events[0].occurred_at"


def test_a_naive_datetime_error_says_an_offset_is_needed() -> None:
    batch = golden_batch()
    batch["events"][0]["occurred_at"] = "2026-05-09T09:00:00"
    assert "needs a UTC offset" in str(decode_error(batch))


def test_validate_refuses_a_naive_datetime_built_in_code() -> None:
    naive = replace(BATCH.events[0], occurred_at=datetime(2026, 5, 9, 9, 0))
    with pytest.raises(MessageDecodeError) as caught:
        validate(naive)
    assert caught.value.path == "$.occurred_at"


def test_a_utc_time_is_as_good_as_an_ist_one() -> None:
    batch = golden_batch()
    batch["events"][0]["occurred_at"] = "2026-05-09T03:30:00Z"
    decoded = decode(json.dumps(batch), PushBatch)
    assert decoded.events[0].occurred_at == datetime(2026, 5, 9, 9, 0, tzinfo=IST)


@pytest.mark.parametrize("seq", [0, -1])
def test_seq_starts_at_one(seq: int) -> None:
    batch = golden_batch()
    batch["events"][0]["seq"] = seq
    assert decode_error(batch).path == "$.events[0].seq"


# ------------------------------------------------------------------ sale lines
LINE = SALE.lines[0]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "outside"),
        ("-1", "outside"),
        ("1.2345", "more than 3 decimal places"),
        ("0.0001", "more than 3 decimal places"),
        ("NaN", "finite"),
        ("Infinity", "finite"),
        ("1000000.001", "outside"),
    ],
)
def test_a_sale_line_quantity_must_be_positive_finite_with_three_places(
    quantity: str, message: str
) -> None:
    error = raised(lambda: replace(LINE, quantity=Decimal(quantity)))
    assert error.path == "$.quantity"
    assert message in str(error)


def test_a_weighed_quantity_with_three_places_is_fine() -> None:
    assert replace(LINE, quantity=Decimal("1.250")).quantity == Decimal("1.250")


def test_decimal_places_are_judged_by_value_not_by_trailing_zeros() -> None:
    line = replace(LINE, quantity=Decimal("1.25000"), gst_rate=Decimal("5.0000"))
    assert str(line.quantity) == "1.25000"


@pytest.mark.parametrize("hsn", ["61", "6109", "610910", "61091000"])
def test_hsn_codes_of_every_level_that_shared_gst_accepts_are_fine(hsn: str) -> None:
    assert replace(LINE, hsn=hsn).hsn == hsn


def test_a_quantity_written_as_a_json_number_is_still_read_exactly() -> None:
    batch = golden_batch()
    batch["events"][1]["payload"]["lines"][0]["quantity"] = 2
    decoded = decode(json.dumps(batch), PushBatch)
    assert decoded.events[1].payload == SALE


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("gst_rate", Decimal("101"), "$.gst_rate"),
        ("gst_rate", Decimal("-5"), "$.gst_rate"),
        ("gst_rate", Decimal("0.0001"), "$.gst_rate"),
        ("cess_rate", Decimal("1001"), "$.cess_rate"),
    ],
)
def test_rates_are_percentages_in_range(field: str, value: Decimal, path: str) -> None:
    assert raised(lambda: replace(LINE, **{field: value})).path == path


def test_cess_above_one_hundred_percent_is_allowed_for_tobacco() -> None:
    assert replace(LINE, cess_rate=Decimal("290")).cess_rate == Decimal("290")


def test_a_price_id_comes_with_its_version() -> None:
    error = raised(lambda: replace(LINE, price_version=None))
    assert error.path == "$.price_version"
    assert replace(LINE, price_id=None, price_version=None).price_id is None


def test_a_line_total_must_be_taxable_plus_taxes() -> None:
    error = raised(lambda: replace(LINE, cgst_paise=134))
    assert error.path == "$.total_paise"
    assert "add up to 5601" in str(error)


def test_a_negative_line_amount_is_refused_on_the_wire() -> None:
    batch = golden_batch()
    batch["events"][1]["payload"]["lines"][0]["discount_paise"] = -100
    assert decode_error(batch).path == "$.events[1].payload.lines[0].discount_paise"


# ------------------------------------------------------------------ the tax split
def test_an_intra_state_line_carries_no_igst() -> None:
    line = replace(LINE, igst_paise=266, cgst_paise=0, sgst_paise=0)
    error = raised(lambda: replace(SALE, lines=(line, SALE.lines[1])))
    assert error.path == "$.lines[0].igst_paise"


def test_an_intra_state_line_splits_tax_into_equal_halves() -> None:
    line = replace(LINE, cgst_paise=132, sgst_paise=134)
    error = raised(lambda: replace(SALE, lines=(line, SALE.lines[1])))
    assert error.path == "$.lines[0]"
    assert "equal halves, got 132 and 134" in str(error)


def test_an_inter_state_sale_carries_igst_only() -> None:
    error = raised(lambda: replace(SALE, inter_state=True))
    assert error.path == "$.lines[0]"
    assert "IGST only" in str(error)


def test_a_consistent_inter_state_sale_is_accepted() -> None:
    lines = tuple(
        replace(line, igst_paise=line.cgst_paise * 2, cgst_paise=0, sgst_paise=0)
        for line in SALE.lines
    )
    sale = replace(SALE, inter_state=True, lines=lines, igst_paise=1886, cgst_paise=0, sgst_paise=0)
    assert validate(sale) == sale


# ------------------------------------------------------------------ sale totals
@pytest.mark.parametrize("field", ["taxable_paise", "cgst_paise", "sgst_paise", "cess_paise"])
def test_each_sale_tax_total_is_the_sum_of_its_lines(field: str) -> None:
    error = raised(lambda: replace(SALE, **{field: getattr(SALE, field) + 1}))
    assert error.path == f"$.{field}"
    assert "the lines add up to" in str(error)


def test_the_sale_total_is_the_line_totals_plus_round_off() -> None:
    error = raised(lambda: replace(SALE, round_off_paise=-19))
    assert error.path == "$.total_paise"
    assert "line totals and round_off_paise add up to 16201" in str(error)


def test_round_off_stays_under_a_rupee() -> None:
    batch = golden_batch()
    batch["events"][1]["payload"]["round_off_paise"] = -100
    assert decode_error(batch).path == "$.events[1].payload.round_off_paise"


def test_the_payments_less_change_pay_exactly_the_total() -> None:
    short = (SALE.payments[0], replace(SALE.payments[1], change_given_paise=900))
    error = raised(lambda: replace(SALE, payments=short))
    assert error.path == "$.payments"
    assert "the payments less change add up to 16100" in str(error)


def test_a_fully_discounted_sale_needs_no_payment() -> None:
    lines = (
        replace(
            LINE,
            discount_paise=5600,
            taxable_paise=0,
            cgst_paise=0,
            sgst_paise=0,
            total_paise=0,
        ),
    )
    free = replace(
        SALE,
        lines=lines,
        bill_discount_paise=0,
        taxable_paise=0,
        cgst_paise=0,
        sgst_paise=0,
        round_off_paise=0,
        total_paise=0,
        payments=(),
    )
    assert validate(free).payments == ()


def test_the_bill_discount_is_exactly_the_sum_of_the_lines_shares() -> None:
    error = raised(lambda: replace(SALE, bill_discount_paise=1001))
    assert error.path == "$.bill_discount_paise"
    assert "the lines' shares of it add up to 1000" in str(error)


def test_a_line_keeps_its_own_discount_apart_from_its_bill_discount_share() -> None:
    assert (SALE.lines[1].discount_paise, SALE.lines[1].bill_discount_paise) == (0, 1000)


def test_line_numbers_must_increase() -> None:
    lines = (SALE.lines[0], replace(SALE.lines[1], line_no=1))
    error = raised(lambda: replace(SALE, lines=lines))
    assert error.path == "$.lines[1].line_no"


def test_a_sale_has_at_least_one_line() -> None:
    batch = golden_batch()
    batch["events"][1]["payload"]["lines"] = []
    assert decode_error(batch).path == "$.events[1].payload.lines"


@pytest.mark.parametrize(
    "number", ["BLR1T1-2627-00042", "1BLR-2627-0042", "BLR 2627 0042", "BLR_2627", ""]
)
def test_an_invoice_number_breaking_the_gst_rules_is_refused(number: str) -> None:
    batch = golden_batch()
    batch["events"][1]["payload"]["invoice_number"] = number
    assert decode_error(batch).path == "$.events[1].payload.invoice_number"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer_gstin", "29aaacg1234f1z5"),
        ("customer_gstin", "29AAACG1234F1Z"),
        ("customer_phone", "98765-43210"),
        ("place_of_supply", "7"),
    ],
)
def test_customer_and_place_of_supply_fields_have_a_fixed_shape(field: str, value: str) -> None:
    batch = golden_batch()
    batch["events"][1]["payload"][field] = value
    assert decode_error(batch).path == f"$.events[1].payload.{field}"


@pytest.mark.parametrize("hsn", ["", "2", "250110009", "25O1", "2501 "])
def test_an_hsn_code_is_two_to_eight_digits_as_shared_gst_accepts(hsn: str) -> None:
    batch = golden_batch()
    batch["events"][1]["payload"]["lines"][0]["hsn"] = hsn
    assert decode_error(batch).path == "$.events[1].payload.lines[0].hsn"


# ------------------------------------------------------------------ payments
def test_only_cash_gives_change() -> None:
    error = raised(lambda: replace(SALE.payments[0], change_given_paise=100))
    assert error.path == "$.change_given_paise"
    assert "only cash gives change, not upi" in str(error)


def test_change_cannot_exceed_the_cash_handed_over() -> None:
    error = raised(lambda: Payment(tender="cash", amount_paise=100, change_given_paise=101))
    assert "exceeds the amount" in str(error)


def test_a_payment_knows_its_net_amount() -> None:
    assert Payment(tender="cash", amount_paise=7000, change_given_paise=800).net_paise == 6200
    assert Payment(tender="card", amount_paise=500, reference="TXN1").net_paise == 500


def test_an_unknown_tender_is_refused() -> None:
    batch = golden_batch()
    batch["events"][1]["payload"]["payments"][0]["tender"] = "cheque"
    assert decode_error(batch).path == "$.events[1].payload.payments[0].tender"


# ------------------------------------------------------------------ refunds
def test_a_refund_returns_each_original_line_at_most_once() -> None:
    error = raised(lambda: replace(REFUND, lines=REFUND.lines * 2))
    assert error.path == "$.lines[1].sale_line_no"
    assert "appears twice" in str(error)


def test_refund_tenders_pay_back_exactly_the_credit_note_total() -> None:
    tender = replace(REFUND.tenders[0], amount_paise=10620)
    error = raised(lambda: replace(REFUND, tenders=(tender,)))
    assert error.path == "$.tenders"


def test_refund_totals_are_the_sum_of_their_lines() -> None:
    assert raised(lambda: replace(REFUND, taxable_paise=1)).path == "$.taxable_paise"


def test_a_refund_line_checks_its_own_total_and_quantity() -> None:
    line = REFUND.lines[0]
    assert raised(lambda: replace(line, total_paise=1)).path == "$.total_paise"
    assert raised(lambda: replace(line, quantity=Decimal(0))).path == "$.quantity"


def test_a_refund_keeps_the_original_tax_split() -> None:
    error = raised(lambda: replace(REFUND, inter_state=True))
    assert "IGST only" in str(error)


def test_a_refund_line_defaults_to_going_back_on_the_shelf() -> None:
    line = RefundLine(
        sale_line_no=1,
        product_id=uuid.UUID(int=1),
        hsn="2501",
        quantity=Decimal(1),
        gst_rate=Decimal(5),
        taxable_paise=100,
        cgst_paise=0,
        sgst_paise=0,
        igst_paise=0,
        total_paise=100,
    )
    assert line.restocked is True
    assert line.cess_rate == Decimal(0)


# ------------------------------------------------------------------ shifts and cash
def test_the_counted_cash_is_the_sum_of_the_denominations() -> None:
    error = raised(lambda: replace(CLOSE, counted_cash_paise=145500))
    assert error.path == "$.counted_cash_paise"
    assert "denominations counted add up to 145400" in str(error)


def test_over_short_is_counted_minus_expected() -> None:
    error = raised(lambda: replace(CLOSE, over_short_paise=200))
    assert error.path == "$.over_short_paise"


def test_a_denomination_is_counted_once() -> None:
    counted = (*CLOSE.counted, DenominationCount(denomination_paise=100, count=0))
    error = raised(lambda: replace(CLOSE, counted=counted))
    assert error.path == "$.counted[5].denomination_paise"


def test_a_shift_total_lists_each_tender_once() -> None:
    twice = (TenderTotal(tender="upi", amount_paise=1), TenderTotal(tender="upi", amount_paise=2))
    error = raised(lambda: replace(CLOSE.totals, tenders=twice))
    assert error.path == "$.tenders[1].tender"


def test_a_cash_tender_total_may_be_negative_after_refunds() -> None:
    assert CLOSE.totals.tenders[0].amount_paise == -4400
    assert isinstance(CLOSE.totals, ShiftTotals)


def test_a_cash_movement_is_positive_and_goes_in_or_out() -> None:
    batch = golden_batch()
    batch["events"][5]["payload"]["amount_paise"] = 0
    assert decode_error(batch).path == "$.events[5].payload.amount_paise"
    batch = golden_batch()
    batch["events"][5]["payload"]["direction"] = "sideways"
    assert decode_error(batch).path == "$.events[5].payload.direction"
    assert payload_of(CashMoved).direction == "out"


# ------------------------------------------------------------------ stock counts
def test_an_empty_shelf_can_be_counted() -> None:
    count = payload_of(StockCounted)
    assert replace(count, quantity=Decimal(0)).quantity == 0


def test_a_negative_count_is_refused() -> None:
    count = payload_of(StockCounted)
    assert raised(lambda: replace(count, quantity=Decimal(-1))).path == "$.quantity"


# ------------------------------------------------------------------ audit chain
def test_the_golden_audit_entry_hashes_to_its_stated_hash() -> None:
    event = event_of(AuditRecorded)
    assert AUDIT.prev_hash == GENESIS_HASH
    assert AUDIT.hash == audit_hash(
        prev_hash=AUDIT.prev_hash,
        event_id=event.event_id,
        occurred_at=event.occurred_at,
        action=AUDIT.action,
        actor_id=AUDIT.actor_id,
        detail=AUDIT.detail,
    )


def audit_hash_with(**changes: Any) -> str:
    event = event_of(AuditRecorded)
    parts: dict[str, Any] = {
        "prev_hash": AUDIT.prev_hash,
        "event_id": event.event_id,
        "occurred_at": event.occurred_at,
        "action": AUDIT.action,
        "actor_id": AUDIT.actor_id,
        "detail": AUDIT.detail,
    }
    parts.update(changes)
    return audit_hash(**parts)


@pytest.mark.parametrize(
    "changes",
    [
        {"prev_hash": "1" * 64},
        {"event_id": uuid7(0, bytes(10))},
        {"occurred_at": datetime(2026, 5, 9, 12, 5, 2, tzinfo=IST)},
        {"action": "login"},
        {"actor_id": None},
        {"detail": {"invoice_number": "BLR1T1-2627-0041", "reason": "edited"}},
    ],
)
def test_editing_any_part_of_an_audit_entry_changes_its_hash(changes: dict[str, Any]) -> None:
    assert audit_hash_with(**changes) != AUDIT.hash


def test_the_audit_hash_does_not_depend_on_detail_key_order() -> None:
    reordered = dict(reversed(list(AUDIT.detail.items())))
    assert list(reordered) != list(AUDIT.detail)
    assert audit_hash_with(detail=reordered) == AUDIT.hash


def test_the_audit_hash_is_sha256_hex() -> None:
    assert len(AUDIT.hash) == 64
    assert int(AUDIT.hash, 16) >= 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hash", "ABC"),
        ("prev_hash", "g" * 64),
        ("action", "Sale Voided"),
    ],
)
def test_audit_fields_have_a_fixed_shape(field: str, value: str) -> None:
    batch = golden_batch()
    batch["events"][4]["payload"][field] = value
    assert decode_error(batch).path == f"$.events[4].payload.{field}"


def test_an_audit_entry_without_an_actor_is_allowed_for_a_failed_pin() -> None:
    entry = AuditRecorded(
        action="pin_failed", detail={"user_code": "1042"}, prev_hash=AUDIT.hash, hash=AUDIT.hash
    )
    assert entry.actor_id is None
    assert msgspec.json.decode(msgspec.json.encode(entry))["kind"] == "audit_recorded"


def test_sale_line_defaults_keep_optional_references_empty() -> None:
    line = SaleLine(
        line_no=1,
        product_id=uuid.UUID(int=1),
        hsn="2501",
        description="Salt",
        quantity=Decimal(1),
        unit_price_paise=100,
        price_includes_tax=True,
        gst_rate=Decimal(0),
        taxable_paise=100,
        cgst_paise=0,
        sgst_paise=0,
        igst_paise=0,
        total_paise=100,
    )
    assert (line.barcode, line.price_id, line.price_override_by) == (None, None, None)
    assert (line.discount_paise, line.cess_paise) == (0, 0)


def test_a_bad_detail_key_is_reported_as_a_key_of_detail() -> None:
    batch = golden_batch()
    batch["events"][4]["payload"]["detail"] = {"Reason": "x"}
    error = decode_error(batch)
    assert error.path == "$.events[4].payload.detail"
    assert "(a key of this object)" in str(error)


@pytest.mark.parametrize(
    ("index", "where", "path"),
    [
        (1, ("customer_name",), "$.events[1].payload.customer_name"),
        (1, ("lines", 0, "description"), "$.events[1].payload.lines[0].description"),
        (4, ("detail", "reason"), "$.events[4].payload.detail[...]"),  # msgspec: a dict value
    ],
)
def test_text_with_a_nul_character_is_refused_naming_the_field(
    index: int, where: tuple[Any, ...], path: str
) -> None:
    """PostgreSQL text cannot hold U+0000, so the protocol refuses it before the server tries."""
    batch = golden_batch()
    target: Any = batch["events"][index]["payload"]
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = "tea\u0000"
    error = decode_error(batch)
    assert error.path == path
    assert "cannot contain the NUL character" in str(error)
