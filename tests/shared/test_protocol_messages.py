"""Envelopes: the handshake, push batches and acks, pull requests and pages of changes."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from shared.errors import MessageDecodeError, UnsupportedProtocolVersion
from shared.ids import uuid7
from shared.protocol import (
    MAX_EVENTS_PER_BATCH,
    MAX_PULL_LIMIT,
    PROTOCOL_VERSION,
    SUPPORTED_VERSIONS,
    BarcodeChange,
    BarcodeData,
    EventAck,
    GstRateData,
    Hello,
    PriceData,
    ProductChange,
    PullPage,
    PullRequest,
    PushAck,
    PushBatch,
    StoreSettingsData,
    UserData,
    Welcome,
    check_version,
    decode,
    encode,
    negotiate,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "protocol"
BATCH = decode((FIXTURES / "push_batch.json").read_bytes(), PushBatch)
PAGE = decode((FIXTURES / "pull_page.json").read_bytes(), PullPage)


def golden(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def decode_error(message: dict[str, Any], type_: type[Any]) -> MessageDecodeError:
    with pytest.raises(MessageDecodeError) as caught:
        decode(json.dumps(message), type_)
    return caught.value


def raised(build: Any) -> MessageDecodeError:
    with pytest.raises(MessageDecodeError) as caught:
        build()
    return caught.value


def numbered_events(count: int) -> tuple[Any, ...]:
    """``count`` copies of the golden shift-opened event with fresh ids and seqs."""
    first = BATCH.events[0]
    return tuple(
        replace(first, event_id=uuid7(1_746_000_000_000 + n, n.to_bytes(10, "big")), seq=n)
        for n in range(1, count + 1)
    )


# ------------------------------------------------------------------ handshake
def test_this_build_speaks_version_one() -> None:
    assert PROTOCOL_VERSION == 1
    assert PROTOCOL_VERSION in SUPPORTED_VERSIONS


def test_negotiation_picks_the_highest_version_both_sides_speak() -> None:
    assert negotiate([1]) == 1
    assert negotiate([3, 1, 2]) == 1
    assert negotiate(iter([1, 1])) == 1


def test_negotiation_fails_when_no_version_is_shared() -> None:
    with pytest.raises(UnsupportedProtocolVersion) as caught:
        negotiate([2, 3])
    assert caught.value.version == 3
    assert caught.value.supported == SUPPORTED_VERSIONS


def test_negotiation_needs_at_least_one_offered_version() -> None:
    with pytest.raises(MessageDecodeError) as caught:
        negotiate([])
    assert caught.value.path == "$.protocol_versions"


def test_check_version_passes_a_known_version_through() -> None:
    assert check_version(1) == 1


@pytest.mark.parametrize("version", [0, 2, -1])
def test_check_version_refuses_an_unknown_version(version: int) -> None:
    with pytest.raises(UnsupportedProtocolVersion):
        check_version(version)


def test_a_hello_from_a_newer_till_still_decodes_so_the_server_can_negotiate() -> None:
    hello = golden("hello")
    hello["protocol_versions"] = [1, 2]
    decoded = decode(json.dumps(hello), Hello)
    assert negotiate(decoded.protocol_versions) == 1


def test_a_hello_must_offer_at_least_one_version() -> None:
    hello = golden("hello")
    hello["protocol_versions"] = []
    assert decode_error(hello, Hello).path == "$.protocol_versions"


@pytest.mark.parametrize("app_version", ["", "1.0 beta", "x" * 33])
def test_an_app_version_is_a_short_token(app_version: str) -> None:
    hello = golden("hello")
    hello["app_version"] = app_version
    assert decode_error(hello, Hello).path == "$.app_version"


def test_a_welcome_needs_an_aware_server_time() -> None:
    welcome = golden("welcome")
    welcome["server_time"] = "2026-05-09T03:30:00"
    assert decode_error(welcome, Welcome).path == "$.server_time"


def test_building_a_welcome_for_a_version_we_do_not_speak_is_refused() -> None:
    with pytest.raises(UnsupportedProtocolVersion):
        Welcome(protocol_version=2, server_time=datetime(2026, 1, 1, tzinfo=UTC))


# ------------------------------------------------------------------ push batch size
def test_a_batch_of_exactly_500_events_is_accepted() -> None:
    batch = replace(BATCH, events=numbered_events(MAX_EVENTS_PER_BATCH))
    assert len(decode(encode(batch), PushBatch).events) == 500


def test_a_batch_of_501_events_is_refused_with_a_clear_error() -> None:
    error = raised(lambda: replace(BATCH, events=numbered_events(MAX_EVENTS_PER_BATCH + 1)))
    assert error.path == "$.events"
    assert "a push batch carries 1 to 500 events, this one has 501" in str(error)


def test_a_decoded_batch_of_501_events_is_refused_too() -> None:
    batch = json.loads(encode(replace(BATCH, events=numbered_events(500))))
    extra = copy.deepcopy(batch["events"][-1])
    extra["seq"] = 501
    extra["event_id"] = str(uuid7(1_746_000_001_000, bytes(10)))
    batch["events"].append(extra)
    error = decode_error(batch, PushBatch)
    assert error.path == "$.events"
    assert "this one has 501" in str(error)


def test_an_empty_batch_is_refused() -> None:
    error = raised(lambda: replace(BATCH, events=()))
    assert "this one has 0" in str(error)


# ------------------------------------------------------------------ push batch order
def test_a_repeated_seq_is_refused() -> None:
    batch = golden("push_batch")
    batch["events"][3]["seq"] = batch["events"][2]["seq"]
    error = decode_error(batch, PushBatch)
    assert error.path == "$.events[3].seq"
    assert "seq 103 does not follow 103" in str(error)


def test_a_decreasing_seq_is_refused() -> None:
    batch = golden("push_batch")
    batch["events"][7]["seq"] = 1
    error = decode_error(batch, PushBatch)
    assert error.path == "$.events[7].seq"
    assert "must strictly increase" in str(error)


def test_a_gap_in_seq_is_accepted_for_the_server_to_report() -> None:
    events = numbered_events(3)
    gapped = (events[0], replace(events[1], seq=5), replace(events[2], seq=9))
    assert [e.seq for e in replace(BATCH, events=gapped).events] == [1, 5, 9]


def test_the_same_event_twice_in_one_batch_is_refused() -> None:
    events = numbered_events(2)
    twice = (events[0], replace(events[1], event_id=events[0].event_id))
    error = raised(lambda: replace(BATCH, events=twice))
    assert error.path == "$.events[1].event_id"
    assert "appears twice" in str(error)


# ------------------------------------------------------------------ terminal status
def test_the_terminal_status_travels_with_the_batch() -> None:
    assert BATCH.status.queue_depth == 8
    assert BATCH.status.printer == "ok"
    assert BATCH.status.app_version == "0.1.0"


def test_an_idle_terminal_has_no_oldest_pending_time() -> None:
    status = replace(BATCH.status, oldest_pending_at=None, queue_depth=0)
    assert json.loads(encode(status))["oldest_pending_at"] is None


# ------------------------------------------------------------------ acks
def test_a_rejection_needs_a_reason() -> None:
    error = raised(lambda: EventAck(event_id=BATCH.events[0].event_id, status="rejected"))
    assert error.path == "$.reason"
    assert "a rejected event needs a reason" in str(error)


@pytest.mark.parametrize("status", ["applied", "duplicate"])
def test_only_a_rejection_has_a_reason(status: str) -> None:
    ack = golden("push_ack")
    ack["acks"][0] = {"event_id": ack["acks"][0]["event_id"], "status": status, "reason": "why"}
    error = decode_error(ack, PushAck)
    assert error.path == "$.acks[0].reason"
    assert f"only a rejected event has a reason; this one is {status}" in str(error)


def test_a_null_reason_on_an_applied_ack_means_no_reason() -> None:
    ack = golden("push_ack")
    ack["acks"][1]["reason"] = None
    assert decode(json.dumps(ack), PushAck).acks[1].reason is None


def test_a_rejection_with_an_empty_reason_is_refused() -> None:
    ack = golden("push_ack")
    ack["acks"][6]["reason"] = ""
    assert decode_error(ack, PushAck).path == "$.acks[6].reason"


def test_an_unknown_ack_status_is_refused() -> None:
    ack = golden("push_ack")
    ack["acks"][0]["status"] = "maybe"
    assert decode_error(ack, PushAck).path == "$.acks[0].status"


def test_an_event_is_acknowledged_once() -> None:
    ack = golden("push_ack")
    ack["acks"][1]["event_id"] = ack["acks"][0]["event_id"]
    assert decode_error(ack, PushAck).path == "$.acks[1].event_id"


def test_acks_can_be_built_for_every_outcome() -> None:
    event_id = BATCH.events[0].event_id
    acks = (
        EventAck(event_id=event_id, status="applied"),
        EventAck(event_id=uuid.UUID(int=2), status="duplicate"),
        EventAck(event_id=uuid.UUID(int=3), status="rejected", reason="bad product"),
    )
    message = PushAck(protocol_version=1, acks=acks, server_time=datetime(2026, 5, 9, tzinfo=UTC))
    assert decode(encode(message), PushAck) == message


# ------------------------------------------------------------------ pull request
def test_a_first_pull_has_no_cursor_and_a_default_limit() -> None:
    request = PullRequest(protocol_version=1)
    assert (request.cursor, request.limit) == (None, 500)
    assert decode(encode(request), PullRequest) == request


@pytest.mark.parametrize("limit", [0, MAX_PULL_LIMIT + 1])
def test_a_pull_limit_out_of_range_is_refused(limit: int) -> None:
    request = golden("pull_request")
    request["limit"] = limit
    assert decode_error(request, PullRequest).path == "$.limit"


@pytest.mark.parametrize("cursor", ["", "has space", "a/b", "x" * 257])
def test_a_cursor_is_a_url_safe_token(cursor: str) -> None:
    request = golden("pull_request")
    request["cursor"] = cursor
    assert decode_error(request, PullRequest).path == "$.cursor"


# ------------------------------------------------------------------ pull page and changes
def test_a_delete_is_a_tombstone_without_data() -> None:
    tombstone = PAGE.changes[2]
    assert isinstance(tombstone, BarcodeChange)
    assert (tombstone.op, tombstone.data) == ("delete", None)


def test_a_delete_carrying_data_is_refused() -> None:
    page = golden("pull_page")
    page["changes"][2]["data"] = page["changes"][1]["data"]
    error = decode_error(page, PullPage)
    assert error.path == "$.changes[2].data"
    assert "tombstone" in str(error)


def test_an_upsert_without_data_is_refused() -> None:
    error = raised(lambda: ProductChange(op="upsert", entity_id=uuid.UUID(int=1), version=1))
    assert error.path == "$.data"
    assert "an upsert carries the entity's data" in str(error)


def test_an_unknown_op_is_refused() -> None:
    page = golden("pull_page")
    page["changes"][0]["op"] = "patch"
    assert decode_error(page, PullPage).path == "$.changes[0].op"


def test_a_change_version_starts_at_one() -> None:
    page = golden("pull_page")
    page["changes"][0]["version"] = 0
    assert decode_error(page, PullPage).path == "$.changes[0].version"


def test_an_empty_page_is_a_valid_answer_when_nothing_changed() -> None:
    page = PullPage(protocol_version=1, changes=(), next_cursor="c1.0", has_more=False)
    assert decode(encode(page), PullPage) == page


def test_a_page_needs_a_next_cursor() -> None:
    page = golden("pull_page")
    del page["next_cursor"]
    assert decode_error(page, PullPage).path == "$.next_cursor"


def test_a_price_span_must_not_be_empty() -> None:
    start = datetime(2026, 5, 9, tzinfo=UTC)
    error = raised(
        lambda: PriceData(
            product_id=uuid.UUID(int=1),
            unit_price_paise=100,
            effective_from=start,
            effective_until=start,
        )
    )
    assert error.path == "$.effective_until"
    bounded = PriceData(
        product_id=uuid.UUID(int=1),
        unit_price_paise=100,
        effective_from=start,
        effective_until=start + timedelta(days=1),
    )
    assert bounded.store_id is None


def test_a_gst_rate_span_may_be_a_single_day_but_not_backwards() -> None:
    day = date(2025, 9, 21)
    one_day = GstRateData(hsn="3402", rate=Decimal(28), effective_from=day, effective_to=day)
    assert one_day.cess_rate == 0
    error = raised(lambda: replace(one_day, effective_to=day - timedelta(days=1)))
    assert error.path == "$.effective_to"


@pytest.mark.parametrize(("field", "value"), [("rate", Decimal(101)), ("cess_rate", Decimal(-1))])
def test_gst_rate_records_hold_percentages(field: str, value: Decimal) -> None:
    rate = GstRateData(hsn="3402", rate=Decimal(18), effective_from=date(2025, 9, 22))
    assert raised(lambda: replace(rate, **{field: value})).path == f"$.{field}"


def test_a_barcode_sells_a_positive_quantity() -> None:
    barcode = BarcodeData(product_id=uuid.UUID(int=1), code="8901234567894")
    assert barcode.quantity == 1
    assert raised(lambda: replace(barcode, quantity=Decimal(0))).path == "$.quantity"
    assert replace(barcode, quantity=Decimal(12)).quantity == 12


def test_a_user_carries_an_argon2id_hash_and_never_a_pin() -> None:
    page = golden("pull_page")
    page["changes"][5]["data"]["pin_hash"] = "1234"
    assert decode_error(page, PullPage).path == "$.changes[5].data.pin_hash"
    user = PAGE.changes[5].data
    assert isinstance(user, UserData)
    assert user.pin_hash.startswith("$argon2id$")


def test_an_unknown_role_is_refused() -> None:
    page = golden("pull_page")
    page["changes"][5]["data"]["role"] = "owner"
    assert decode_error(page, PullPage).path == "$.changes[5].data.role"


def test_store_settings_discount_limits_are_percentages_per_role() -> None:
    settings = PAGE.changes[6].data
    assert isinstance(settings, StoreSettingsData)
    assert settings.discount_limit_percent["cashier"] == Decimal(5)
    limits = {"cashier": Decimal("100.5")}
    error = raised(lambda: replace(settings, discount_limit_percent=limits))
    assert error.path == "$.discount_limit_percent.cashier"


def test_store_settings_refuse_a_limit_for_an_unknown_role() -> None:
    page = golden("pull_page")
    page["changes"][6]["data"]["discount_limit_percent"]["owner"] = "10"
    assert decode_error(page, PullPage).path == "$.changes[6].data.discount_limit_percent"


def test_store_settings_defaults_lock_an_idle_till_and_limit_pin_attempts() -> None:
    settings = PAGE.changes[6].data
    assert isinstance(settings, StoreSettingsData)
    assert (settings.idle_lock_seconds, settings.max_pin_attempts) == (300, 5)
