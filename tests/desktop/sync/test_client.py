"""The HTTP client maps every server answer and network fault to one sync error."""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from desktop.sync.client import SyncClient, parse_retry_after
from desktop.sync.errors import (
    EnrolmentCodeExpired,
    EnrolmentFailed,
    SyncRefused,
    SyncUnavailable,
    TerminalRevoked,
    WrongEnrolmentCode,
)
from shared.protocol import encode
from tests.desktop.sync import factory as f

URL = "http://sync.test"


def client(
    handler: Callable[[httpx.Request], httpx.Response], credential: str = "gtc.x"
) -> SyncClient:
    return SyncClient(URL, credential, transport=httpx.MockTransport(handler))


def problem(
    status: int, detail: str, headers: dict[str, str] | None = None, **extra: object
) -> httpx.Response:
    return httpx.Response(
        status, json={"status": status, "detail": detail, **extra}, headers=headers
    )


def test_enrolment_returns_the_identity_and_credential() -> None:
    seen: list[httpx.Request] = []
    body = {
        "terminal_id": str(uuid.uuid4()),
        "company_id": str(uuid.uuid4()),
        "store_id": f.STORE,
        "terminal_code": "T01",
        "credential": "gtc.a.b.c",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json=body)

    enrolled = client(handler, credential="").enrol("ABCD-EFGH", "Counter 1")
    assert enrolled.credential == "gtc.a.b.c"
    assert enrolled.terminal_code == "T01"
    assert seen[0].url.path == "/api/v1/terminals/enrol"
    assert "authorization" not in seen[0].headers


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("unknown", WrongEnrolmentCode),
        ("used", WrongEnrolmentCode),
        ("expired", EnrolmentCodeExpired),
    ],
)
def test_enrolment_errors_say_what_is_wrong_with_the_code(reason: str, error: type) -> None:
    answer = problem(400, f"this enrolment code is {reason}", field="code", reason=reason)
    with pytest.raises(error):
        client(lambda _: answer).enrol("ABCD-EFGH")


def test_a_plan_limit_is_an_enrolment_failure_with_the_servers_words() -> None:
    answer = problem(409, "the plan allows 2 active terminals and all are in use")
    with pytest.raises(EnrolmentFailed, match="plan allows 2"):
        client(lambda _: answer).enrol("ABCD-EFGH")


def test_an_unreachable_server_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(SyncUnavailable, match="Cannot reach"):
        client(refuse).enrol("ABCD-EFGH")
    with pytest.raises(SyncUnavailable):
        client(refuse).pull(None, 10)


def test_a_revoked_terminal_gets_terminal_revoked() -> None:
    answer = problem(401, "this terminal was revoked; enrol it again with a new code")
    with pytest.raises(TerminalRevoked, match="revoked"):
        client(lambda _: answer).pull("c1", 10)


def test_server_errors_and_rate_limits_carry_retry_after() -> None:
    with pytest.raises(SyncUnavailable) as caught:
        client(lambda _: problem(503, "busy", {"Retry-After": "17"})).pull(None, 10)
    assert caught.value.retry_after == 17
    with pytest.raises(SyncUnavailable) as caught:
        client(lambda _: problem(429, "slow down", {"Retry-After": "3"})).pull(None, 10)
    assert caught.value.retry_after == 3
    with pytest.raises(SyncUnavailable) as caught:
        client(lambda _: httpx.Response(502, text="bad gateway")).pull(None, 10)
    assert caught.value.retry_after is None


def test_other_refusals_are_sync_refused_with_the_status() -> None:
    with pytest.raises(SyncRefused) as caught:
        client(lambda _: problem(403, "this company is suspended")).pull(None, 10)
    assert caught.value.status == 403
    assert "suspended" in str(caught.value)


def test_a_pull_page_is_decoded_strictly_and_gzip_is_accepted() -> None:
    page = f.page([f.product("marie")], "c9")
    packed = gzip.compress(encode(page))

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["limit"] == "50"
        assert request.url.params["cursor"] == "c8"
        assert request.headers["authorization"] == "Bearer gtc.x"
        return httpx.Response(200, content=packed, headers={"Content-Encoding": "gzip"})

    got, size = client(handler).pull("c8", 50)
    assert got == page
    assert size == len(packed)


def test_a_mangled_answer_is_a_transport_fault_not_data() -> None:
    with pytest.raises(SyncUnavailable, match="could not be read"):
        client(lambda _: httpx.Response(200, content=b'{"protocol_version": 1, "chang')).pull(
            None, 10
        )


def test_no_credential_means_no_request() -> None:
    calls: list[object] = []
    sync = SyncClient(URL, None, transport=httpx.MockTransport(calls.append))  # type: ignore[arg-type,func-returns-value]
    with pytest.raises(TerminalRevoked):
        sync.pull(None, 1)
    assert calls == []


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 5, 9, 5, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Sat, 09 May 2026 05:01:00 GMT", now) == 60
    assert parse_retry_after("Sat, 09 May 2026 04:00:00 GMT", now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_too_many_enrolment_attempts_say_when_to_try_again() -> None:
    answer = problem(429, "too many failed attempts", {"Retry-After": "600"})
    with pytest.raises(EnrolmentFailed, match="Try again in 600 seconds"):
        client(lambda _: answer).enrol("ABCD-EFGH")


def test_a_large_push_goes_gzip_compressed_and_a_small_one_plain() -> None:
    from datetime import UTC, datetime

    from shared.ids import IdFactory
    from shared.protocol import (
        PROTOCOL_VERSION,
        AuditRecorded,
        Event,
        PushAck,
        PushBatch,
        TerminalStatus,
        decode,
    )

    ids = IdFactory(clock_ms=lambda: 1_760_000_000_000, entropy=lambda n: bytes(range(n)))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = request.content
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        batch = decode(body, PushBatch)
        ack = PushAck(protocol_version=PROTOCOL_VERSION, acks=(), server_time=datetime.now(UTC))
        assert batch.events
        return httpx.Response(200, content=encode(ack))

    def batch(count: int) -> PushBatch:
        events = tuple(
            Event(
                event_id=ids(),
                seq=n + 1,
                occurred_at=datetime.now(UTC),
                payload=AuditRecorded(
                    action="drawer_opened",
                    detail={"why": "x" * 200},
                    prev_hash="0" * 64,
                    hash="1" * 64,
                ),
            )
            for n in range(count)
        )
        return PushBatch(
            protocol_version=PROTOCOL_VERSION,
            terminal_id=uuid.uuid4(),
            status=TerminalStatus(app_version="1", queue_depth=count, printer="ok"),
            events=events,
        )

    sync = client(handler)
    sync.push(batch(1))
    sync.push(batch(100))
    assert "content-encoding" not in seen[0].headers
    assert seen[1].headers["content-encoding"] == "gzip"
    assert len(seen[1].content) < len(gzip.decompress(seen[1].content)) / 5


def test_a_fetched_page_is_read_ahead_for_its_cursor_then_decoded_strictly() -> None:
    page = f.page([f.product("marie")], "c9", more=True)
    sync = client(lambda _: httpx.Response(200, content=encode(page)))
    fetched = sync.fetch_page("c8", 50)
    assert (fetched.next_cursor, fetched.has_more) == ("c9", True)
    assert sync.decode_page(fetched) == page
    # a page whose cursor reads one way ahead and another way strictly is not trusted
    with pytest.raises(SyncUnavailable, match="ambiguous"):
        sync.decode_page(replace(fetched, next_cursor="c10"))
    # the read-ahead checks nothing but the cursor: the strict decode still refuses a bad change
    bad = encode(page).replace(b'"version":1', b'"version":0')
    fetched = client(lambda _: httpx.Response(200, content=bad)).fetch_page(None, 50)
    with pytest.raises(SyncUnavailable, match="could not be read"):
        sync.decode_page(fetched)
    with pytest.raises(SyncUnavailable, match="could not be read"):
        client(lambda _: httpx.Response(200, json=[])).fetch_page(None, 50)
