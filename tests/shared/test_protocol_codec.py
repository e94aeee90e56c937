"""The protocol codec: golden fixtures round-trip, and every bad input is a clear, located error."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from shared.errors import MessageDecodeError, ProtocolError, UnsupportedProtocolVersion
from shared.protocol import (
    MAX_EVENTS_PER_BATCH,
    AuditRecorded,
    CashMoved,
    Event,
    EventAck,
    Hello,
    ProtocolStruct,
    PullPage,
    PullRequest,
    PushAck,
    PushBatch,
    ReceivedBatch,
    RefundIssued,
    SaleCompleted,
    SaleVoided,
    ShiftClosed,
    ShiftOpened,
    StockCounted,
    UndecodableEvent,
    Welcome,
    decode,
    encode,
    read_push_batch,
    validate,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "protocol"
MESSAGES: dict[str, type[ProtocolStruct]] = {
    "hello": Hello,
    "welcome": Welcome,
    "push_batch": PushBatch,
    "push_ack": PushAck,
    "pull_request": PullRequest,
    "pull_page": PullPage,
}


def golden(name: str) -> dict[str, Any]:
    """A fresh, mutable copy of a golden fixture."""
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def dumps(message: object) -> bytes:
    return json.dumps(message).encode()


def decode_error(data: bytes | str, type_: type[ProtocolStruct]) -> MessageDecodeError:
    with pytest.raises(MessageDecodeError) as caught:
        decode(data, type_)
    return caught.value


def sale_of(batch: dict[str, Any]) -> dict[str, Any]:
    """The sale_completed payload in the golden push batch."""
    payload: dict[str, Any] = batch["events"][1]["payload"]
    assert payload["kind"] == "sale_completed"
    return payload


# ------------------------------------------------------------------ golden fixtures
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_each_golden_fixture_decodes_and_reencodes_to_the_same_json(name: str) -> None:
    raw = (FIXTURES / f"{name}.json").read_bytes()
    message = decode(raw, MESSAGES[name])
    assert isinstance(message, MESSAGES[name])
    assert json.loads(encode(message)) == json.loads(raw)


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_each_golden_fixture_passes_validation_unchanged(name: str) -> None:
    message = decode((FIXTURES / f"{name}.json").read_bytes(), MESSAGES[name])
    assert validate(message) == message


def test_there_is_a_golden_fixture_for_every_message_and_no_stray_one() -> None:
    assert {path.stem for path in FIXTURES.glob("*.json")} == set(MESSAGES)


def test_the_golden_push_batch_holds_every_event_kind() -> None:
    batch = decode((FIXTURES / "push_batch.json").read_bytes(), PushBatch)
    kinds = {type(event.payload) for event in batch.events}
    assert kinds == {
        SaleCompleted,
        SaleVoided,
        RefundIssued,
        ShiftOpened,
        ShiftClosed,
        CashMoved,
        StockCounted,
        AuditRecorded,
    }


def test_the_golden_pull_page_holds_every_entity_and_both_operations() -> None:
    page = decode((FIXTURES / "pull_page.json").read_bytes(), PullPage)
    assert {change.__struct_config__.tag for change in page.changes} == {
        "product",
        "barcode",
        "price",
        "gst_rate",
        "user",
        "store_settings",
    }
    assert {change.op for change in page.changes} == {"upsert", "delete"}


def test_the_golden_push_ack_shows_every_status() -> None:
    ack = decode((FIXTURES / "push_ack.json").read_bytes(), PushAck)
    assert {a.status for a in ack.acks} == {"applied", "duplicate", "rejected"}


def test_decoded_values_have_their_exact_python_types() -> None:
    batch = decode((FIXTURES / "push_batch.json").read_bytes(), PushBatch)
    sale = batch.events[1].payload
    assert isinstance(sale, SaleCompleted)
    line = sale.lines[1]
    assert line.unit_price_paise == 10000
    assert type(line.unit_price_paise) is int
    assert line.quantity == Decimal("1.000")
    assert str(line.quantity) == "1.000"  # trailing zeros survive
    assert batch.events[1].occurred_at.utcoffset() == timedelta(hours=5, minutes=30)


def test_encoding_writes_decimals_as_strings_and_keeps_the_utc_offset() -> None:
    batch = decode((FIXTURES / "push_batch.json").read_bytes(), PushBatch)
    encoded = json.loads(encode(batch))
    line = encoded["events"][1]["payload"]["lines"][0]
    assert line["quantity"] == "2"
    assert line["gst_rate"] == "5"
    assert encoded["events"][1]["occurred_at"] == "2026-05-09T10:15:00+05:30"


def test_an_applied_ack_is_encoded_without_a_reason_field() -> None:
    ack = decode((FIXTURES / "push_ack.json").read_bytes(), PushAck)
    encoded = json.loads(encode(ack))
    assert "reason" not in encoded["acks"][0]
    assert encoded["acks"][6]["reason"].startswith("product ")


def test_decode_accepts_text_as_well_as_bytes() -> None:
    text = (FIXTURES / "hello.json").read_text()
    assert decode(text, Hello) == decode(text.encode(), Hello)


# ------------------------------------------------------------------ unknown fields
def test_an_unknown_top_level_field_is_named_in_the_error() -> None:
    batch = golden("push_batch")
    batch["surprise"] = 1
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.surprise"
    assert "unknown field `surprise`" in str(error)


def test_an_unknown_field_deep_in_a_sale_line_is_named_with_its_path() -> None:
    batch = golden("push_batch")
    sale_of(batch)["lines"][0]["colour"] = "blue"
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.events[1].payload.lines[0].colour"
    assert str(error) == (
        "unknown field `colour`; protocol v1 has no such field here"
        " - at `$.events[1].payload.lines[0].colour`"
    )


def test_an_unknown_field_in_change_data_is_refused() -> None:
    page = golden("pull_page")
    page["changes"][0]["data"]["colour"] = "red"
    error = decode_error(dumps(page), PullPage)
    assert error.path == "$.changes[0].data.colour"


def test_data_shaped_for_another_entity_is_refused() -> None:
    page = golden("pull_page")
    # a product change carrying barcode data
    page["changes"][0]["data"] = page["changes"][1]["data"]
    error = decode_error(dumps(page), PullPage)
    assert error.path.startswith("$.changes[0].data.")


# ------------------------------------------------------------------ wrong types
def test_a_wrong_type_names_the_path_and_both_types() -> None:
    batch = golden("push_batch")
    batch["events"][3]["seq"] = "104"
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.events[3].seq"
    assert str(error) == "Expected `int`, got `str` - at `$.events[3].seq`"


def test_a_uuid_that_is_not_a_uuid_is_refused() -> None:
    batch = golden("push_batch")
    batch["terminal_id"] = "till-1"
    assert decode_error(dumps(batch), PushBatch).path == "$.terminal_id"


def test_a_boolean_is_not_accepted_for_a_flag_written_as_text() -> None:
    batch = golden("push_batch")
    sale_of(batch)["inter_state"] = "false"
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.events[1].payload.inter_state"


def test_a_missing_required_field_is_named() -> None:
    batch = golden("push_batch")
    del sale_of(batch)["invoice_number"]
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.events[1].payload.invoice_number"
    assert "missing required field `invoice_number`" in str(error)


def test_a_quantity_given_as_garbage_text_is_refused() -> None:
    batch = golden("push_batch")
    sale_of(batch)["lines"][0]["quantity"] = "two"
    assert decode_error(dumps(batch), PushBatch).path == "$.events[1].payload.lines[0].quantity"


# ------------------------------------------------------------------ money
@pytest.mark.parametrize("value", [12.5, 2800.0, 1e3])
def test_a_float_where_paise_belong_says_money_is_integer_paise(value: float) -> None:
    batch = golden("push_batch")
    sale_of(batch)["lines"][0]["unit_price_paise"] = value
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.events[1].payload.lines[0].unit_price_paise"
    assert "money is integer paise" in str(error)
    assert "got a float" in str(error)


def test_paise_written_as_a_string_are_refused_as_money_too() -> None:
    batch = golden("push_batch")
    sale_of(batch)["total_paise"] = "16200"
    error = decode_error(dumps(batch), PushBatch)
    assert "money is integer paise" in str(error)
    assert "got a str" in str(error)


def test_a_float_in_optional_paise_is_refused_with_the_money_message() -> None:
    page = golden("pull_page")
    page["changes"][0]["data"]["mrp_paise"] = 28.0
    error = decode_error(dumps(page), PullPage)
    assert error.path == "$.changes[0].data.mrp_paise"
    assert "money is integer paise" in str(error)


def test_a_float_where_a_plain_count_belongs_keeps_the_generic_message() -> None:
    batch = golden("push_batch")
    batch["status"]["queue_depth"] = 8.0
    error = decode_error(dumps(batch), PushBatch)
    assert "money" not in str(error)
    assert "Expected `int`, got `float`" in str(error)


def test_an_absurd_amount_is_refused_before_it_reaches_a_bigint_column() -> None:
    batch = golden("push_batch")
    batch["events"][0]["payload"]["opening_float_paise"] = 10**20
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.events[0].payload.opening_float_paise"


# ------------------------------------------------------------------ malformed JSON
@pytest.mark.parametrize("data", [b"{", b"", b"{'a': 1}", b"\xff\xfe", b'{"protocol_version": 1,}'])
def test_malformed_json_is_a_decode_error_without_a_path(data: bytes) -> None:
    error = decode_error(data, PushBatch)
    assert str(error).startswith("malformed JSON")
    assert error.path == ""


def test_a_json_array_where_a_message_belongs_is_refused() -> None:
    error = decode_error(b"[]", PushBatch)
    assert str(error) == "Expected `object`, got `array` - at `$`"
    assert error.path == "$"


# ------------------------------------------------------------------ tags
def test_an_unknown_event_kind_is_named() -> None:
    batch = golden("push_batch")
    batch["events"][0]["payload"]["kind"] = "shift_paused"
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.events[0].payload.kind"
    assert "unknown kind 'shift_paused'" in str(error)


def test_an_unknown_entity_is_named() -> None:
    page = golden("pull_page")
    page["changes"][0]["entity"] = "customer"
    error = decode_error(dumps(page), PullPage)
    assert "unknown entity 'customer'" in str(error)


def test_an_unknown_literal_elsewhere_keeps_the_generic_message() -> None:
    batch = golden("push_batch")
    batch["status"]["printer"] = "on_fire"
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.status.printer"
    assert "Invalid enum value 'on_fire'" in str(error)


# ------------------------------------------------------------------ protocol version
@pytest.mark.parametrize("name", ["welcome", "push_batch", "push_ack", "pull_request", "pull_page"])
def test_a_message_from_an_unknown_protocol_version_is_refused_as_such(name: str) -> None:
    message = golden(name)
    message["protocol_version"] = 2
    with pytest.raises(UnsupportedProtocolVersion) as caught:
        decode(dumps(message), MESSAGES[name])
    assert caught.value.version == 2
    assert caught.value.supported == (1,)
    assert "protocol version 2 is not supported" in str(caught.value)


def test_the_version_is_judged_before_a_newer_body_that_v1_cannot_read() -> None:
    batch = golden("push_batch")
    batch["protocol_version"] = 2
    batch["compression"] = "zstd"  # a v2 field
    batch["events"][0]["payload"]["kind"] = "shift_paused"  # a v2 event kind
    with pytest.raises(UnsupportedProtocolVersion):
        decode(dumps(batch), PushBatch)


def test_an_unsupported_version_is_a_protocol_error_but_not_a_decode_error() -> None:
    assert issubclass(UnsupportedProtocolVersion, ProtocolError)
    assert not issubclass(UnsupportedProtocolVersion, MessageDecodeError)


def test_a_version_that_is_not_an_integer_is_a_decode_error() -> None:
    batch = golden("push_batch")
    batch["protocol_version"] = "1"
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.protocol_version"


def test_a_message_without_a_version_is_a_decode_error() -> None:
    batch = golden("push_batch")
    del batch["protocol_version"]
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.protocol_version"


def test_a_broken_body_of_a_supported_version_reports_the_body_error() -> None:
    batch = golden("push_batch")
    batch["surprise"] = True
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.surprise"


def test_building_a_message_of_an_unknown_version_is_refused() -> None:
    with pytest.raises(UnsupportedProtocolVersion):
        PullRequest(protocol_version=99)


# ------------------------------------------------------------------ rule errors get full paths
def test_a_rule_broken_deep_inside_reports_the_full_path() -> None:
    batch = golden("push_batch")
    sale_of(batch)["lines"][1]["total_paise"] = 10621
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.events[1].payload.lines[1].total_paise"
    assert str(error) == (
        "total_paise is 10621 but taxable_paise and the taxes add up to 10620"
        " - at `$.events[1].payload.lines[1].total_paise`"
    )


def test_a_rule_broken_at_the_top_reports_a_top_level_path() -> None:
    batch = golden("push_batch")
    batch["events"][2]["seq"] = 101
    error = decode_error(dumps(batch), PushBatch)
    assert error.path == "$.events[2].seq"


def test_a_decode_error_keeps_msgspec_error_as_its_cause() -> None:
    error = decode_error(b"{", PushBatch)
    assert isinstance(error.__cause__, msgspec.DecodeError)


# ------------------------------------------------------------------ validate()
def test_validate_catches_a_field_limit_that_building_a_struct_does_not() -> None:
    batch = decode((FIXTURES / "push_batch.json").read_bytes(), PushBatch)
    sale = batch.events[1].payload
    assert isinstance(sale, SaleCompleted)
    too_long = msgspec.structs.replace(sale, invoice_number="BLR1T1-2627-00042")  # 17 chars
    event = msgspec.structs.replace(batch.events[1], payload=too_long)
    with pytest.raises(MessageDecodeError) as caught:
        validate(event)
    assert caught.value.path == "$.payload.invoice_number"


# ------------------------------------------------------------------ read_push_batch
def test_reading_a_good_batch_decodes_every_event() -> None:
    raw = (FIXTURES / "push_batch.json").read_bytes()
    received = read_push_batch(raw)
    strict = decode(raw, PushBatch)
    assert isinstance(received, ReceivedBatch)
    assert received.events == strict.events
    assert received.terminal_id == strict.terminal_id
    assert received.status == strict.status
    assert received.protocol_version == 1


def test_one_bad_event_is_set_aside_and_the_events_after_it_still_decode() -> None:
    batch = golden("push_batch")
    sale_of(batch)["lines"][0]["unit_price_paise"] = 28.0
    received = read_push_batch(dumps(batch))
    bad = received.events[1]
    assert isinstance(bad, UndecodableEvent)
    assert bad.index == 1
    assert bad.seq == 102
    assert bad.kind == "sale_completed"
    assert str(bad.event_id) == batch["events"][1]["event_id"]
    assert json.loads(bad.raw) == batch["events"][1]
    assert bad.error.path == "$.events[1].payload.lines[0].unit_price_paise"
    assert "money is integer paise" in str(bad.error)
    assert all(isinstance(e, Event) for i, e in enumerate(received.events) if i != 1)
    assert len(received.events) == len(batch["events"])


def test_an_event_too_broken_to_identify_is_still_kept_with_its_raw_bytes() -> None:
    batch = golden("push_batch")
    batch["events"][2] = {"event_id": "not-a-uuid", "seq": "103", "payload": "?"}
    received = read_push_batch(dumps(batch))
    bad = received.events[2]
    assert isinstance(bad, UndecodableEvent)
    assert (bad.event_id, bad.seq, bad.kind) == (None, None, None)
    assert json.loads(bad.raw) == batch["events"][2]


def test_an_event_that_is_not_even_an_object_is_kept_aside() -> None:
    batch = golden("push_batch")
    batch["events"][2] = 42
    bad = read_push_batch(dumps(batch)).events[2]
    assert isinstance(bad, UndecodableEvent)
    assert bad.raw == b"42"
    assert bad.error.path == "$.events[2]"


def test_a_non_v7_event_id_sets_just_that_event_aside() -> None:
    batch = golden("push_batch")
    batch["events"][4]["event_id"] = "0196a8f0-0000-4000-8000-0000000000ff"
    bad = read_push_batch(dumps(batch)).events[4]
    assert isinstance(bad, UndecodableEvent)
    assert bad.error.path == "$.events[4].event_id"


def test_reading_refuses_the_whole_batch_when_seq_goes_backwards_even_in_bad_events() -> None:
    batch = golden("push_batch")
    batch["events"][3]["payload"]["kind"] = "shift_paused"  # undecodable, seq 104
    batch["events"][4]["seq"] = 104  # decodable, repeats 104
    with pytest.raises(MessageDecodeError) as caught:
        read_push_batch(dumps(batch))
    assert caught.value.path == "$.events[4].seq"


def test_reading_refuses_a_batch_that_repeats_an_event_id() -> None:
    batch = golden("push_batch")
    batch["events"][5]["event_id"] = batch["events"][2]["event_id"]
    with pytest.raises(MessageDecodeError) as caught:
        read_push_batch(dumps(batch))
    assert caught.value.path == "$.events[5].event_id"


def test_reading_refuses_a_broken_envelope() -> None:
    batch = golden("push_batch")
    batch["status"]["queue_depth"] = -1
    with pytest.raises(MessageDecodeError) as caught:
        read_push_batch(dumps(batch))
    assert caught.value.path == "$.status.queue_depth"


def test_reading_refuses_an_unknown_version_before_anything_else() -> None:
    batch = golden("push_batch")
    batch["protocol_version"] = 3
    batch["events"] = "elsewhere"
    with pytest.raises(UnsupportedProtocolVersion):
        read_push_batch(dumps(batch))


def test_reading_refuses_an_oversized_batch_with_a_clear_message() -> None:
    batch = golden("push_batch")
    batch["events"] = [copy.deepcopy(batch["events"][0]) for _ in range(MAX_EVENTS_PER_BATCH + 1)]
    with pytest.raises(MessageDecodeError, match="1 to 500 events, this one has 501"):
        read_push_batch(dumps(batch))


def test_reading_refuses_malformed_json() -> None:
    with pytest.raises(MessageDecodeError, match="malformed JSON"):
        read_push_batch(b'{"events": [')


def test_an_ack_decoded_from_the_wire_equals_one_built_in_code() -> None:
    ack = decode((FIXTURES / "push_ack.json").read_bytes(), PushAck)
    first = ack.acks[0]
    assert first == EventAck(event_id=first.event_id, status="duplicate")
