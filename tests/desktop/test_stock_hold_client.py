"""The real stock port (bootstrap.ServerStock over the sync client) with HTTP mocked at the
transport: what goes on the wire, and how every kind of answer reaches the cashier."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from desktop.bootstrap import ServerStock
from desktop.services.fakes import FakeClock
from desktop.services.stock_hold import (
    OFFLINE_MESSAGE,
    Checked,
    Held,
    Offline,
    Refused,
    Released,
    StockHolds,
)
from desktop.sync.errors import CredentialMissing
from desktop.sync.ledger import EnrolmentRecord

STORE = uuid.UUID("01890000-0000-7000-8000-000000000001")
PRODUCT = uuid.UUID("01890000-0000-7000-8000-0000000000a1")
HOLD = uuid.UUID("01890000-0000-7000-8000-0000000000b1")
IST = timezone(timedelta(hours=5, minutes=30))
Handler = Callable[[httpx.Request], httpx.Response]


class StubSync:
    """The two things ServerStock asks of the till's sync."""

    def __init__(self, *, enrolled: bool = True, revoked: bool = False, vault: bool = True):
        self.record = (
            EnrolmentRecord(
                server_url="https://sync.example.in",
                company_id=str(uuid.uuid4()),
                store_id=str(STORE),
                terminal_id=str(uuid.uuid4()),
                server_terminal_code="T01",
                invoice_terminal_code="01",
                credential_backend="file",
                credential_ref="x",
                enrolled_at="2026-05-09T04:30:00Z",
                revoked_at="2026-05-09T05:00:00Z" if revoked else None,
            )
            if enrolled
            else None
        )
        self.vault = vault

    def enrolment(self) -> EnrolmentRecord | None:
        return self.record

    def credential(self) -> str:
        if not self.vault:
            raise CredentialMissing("The till's stored credential is gone.")
        return "gt_terminal_secret"


def service(handler: Handler, sync: StubSync | None = None) -> tuple[StockHolds, list[Any]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    port = ServerStock(sync or StubSync(), transport=httpx.MockTransport(record))  # type: ignore[arg-type]
    ids = iter([HOLD, uuid.uuid4(), uuid.uuid4()])
    clock = FakeClock(datetime(2026, 5, 9, 10, 0, tzinfo=IST))
    return StockHolds(port, store_id=str(STORE), ids=lambda: next(ids), clock=clock), seen


def problem(status: int, slug: str, detail: str, **extra: Any) -> httpx.Response:
    body = {"type": f"https://galla.dev/problems/{slug}", "status": status, "detail": detail}
    return httpx.Response(
        status, json={**body, **extra}, headers={"Content-Type": "application/problem+json"}
    )


def reservation(status: str = "held", quantity: str = "3") -> dict[str, Any]:
    return {
        "id": str(HOLD),
        "store_id": str(STORE),
        "kind": "hold",
        "reference": "Mrs Rao",
        "status": status,
        "expires_at": "2026-05-09T06:30:00Z",
        "created_at": "2026-05-09T04:30:00Z",
        "updated_at": "2026-05-09T04:30:00Z",
        "closed_at": None,
        "lines": [{"product_id": str(PRODUCT), "quantity": quantity}],
    }


def test_a_check_sends_the_store_product_and_credential_and_reads_the_figures() -> None:
    answer = [
        {
            "store_id": str(STORE),
            "product_id": str(PRODUCT),
            "on_hand": "12.500",
            "reserved": "2",
            "available": "10.5",
            "incoming": "0",
        }
    ]
    holds, seen = service(lambda r: httpx.Response(200, json=answer))
    checked = holds.check(str(PRODUCT))
    assert isinstance(checked, Checked)
    assert checked.level.on_hand == Decimal("12.5")
    assert checked.level.available == Decimal("10.5")
    [request] = seen
    assert request.url.path == "/api/v1/stock/availability"
    assert dict(request.url.params) == {"store_id": str(STORE), "product_id": str(PRODUCT)}
    assert request.headers["Authorization"] == "Bearer gt_terminal_secret"


def test_a_hold_posts_the_client_id_and_reads_the_expiry_in_the_tills_time() -> None:
    holds, seen = service(lambda r: httpx.Response(201, json=reservation()))
    held = holds.hold_for(str(PRODUCT), Decimal(3), "Mrs Rao", timedelta(hours=2))
    assert isinstance(held, Held)
    assert held.message == "Held 3 for Mrs Rao until 12:00."
    [request] = seen
    assert (request.method, request.url.path) == ("POST", "/api/v1/reservations")
    assert json.loads(request.content) == {
        "id": str(HOLD),
        "reference": "Mrs Rao",
        "lines": [{"product_id": str(PRODUCT), "quantity": "3"}],
        "ttl_seconds": 7200,
        "store_id": str(STORE),
    }


def test_short_stock_is_refused_with_the_servers_available_figure() -> None:
    holds, _ = service(
        lambda r: problem(409, "insufficient-stock", "insufficient stock", available="2")
    )
    refused = holds.hold_for(str(PRODUCT), Decimal(3), "Mrs Rao")
    assert isinstance(refused, Refused)
    assert refused.available == 2
    assert refused.message == "Only 2 available; cannot hold 3."


def test_a_committed_hold_cannot_be_released_and_the_server_says_why() -> None:
    holds, seen = service(
        lambda r: problem(409, "reservation-closed", f"reservation {HOLD} is already committed")
    )
    refused = holds.release(str(HOLD))
    assert isinstance(refused, Refused)
    assert refused.available is None
    assert refused.message == f"reservation {HOLD} is already committed"
    assert seen[0].url.path == f"/api/v1/reservations/{HOLD}/release"


def test_release_and_the_list_of_holds_read_the_servers_answers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            assert dict(request.url.params) == {"store_id": str(STORE), "status": "held"}
            return httpx.Response(200, json=[reservation()])
        return httpx.Response(200, json=reservation("released"))

    holds, _ = service(handler)
    listed = holds.holds(str(PRODUCT))
    assert isinstance(listed, list)
    assert [(h.hold_id, h.quantity_of(str(PRODUCT))) for h in listed] == [(str(HOLD), Decimal(3))]
    assert listed[0].expires_at == datetime(2026, 5, 9, 6, 30, tzinfo=UTC)
    released = holds.release(str(HOLD))
    assert isinstance(released, Released)
    assert released.hold.status == "released"


def test_an_unknown_product_is_refused_in_the_servers_words() -> None:
    holds, _ = service(
        lambda r: problem(400, "unknown-product", "product x is not in this company's catalog")
    )
    refused = holds.check(str(PRODUCT))
    assert isinstance(refused, Refused)
    assert "not in this company's catalog" in refused.message


def _connect_error(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


@pytest.mark.parametrize(
    ("handler", "says"),
    [
        (_connect_error, "Cannot reach the server"),
        (_timeout, "did not answer in time"),
        (lambda r: problem(503, "unavailable", "maintenance"), "busy or failing"),
        (lambda r: problem(401, "not-authenticated", "revoked"), "no longer accepts this till"),
        (
            lambda r: httpx.Response(200, content=b"<html>captive portal</html>"),
            "could not be read",
        ),
    ],
    ids=["refused", "timeout", "503", "revoked-401", "garbled"],
)
def test_a_server_that_cannot_answer_reads_offline_and_selling_goes_on(
    handler: Handler, says: str
) -> None:
    holds, _ = service(handler)
    for result in (
        holds.check(str(PRODUCT)),
        holds.hold_for(str(PRODUCT), Decimal(1), "Asha"),
        holds.release(str(HOLD)),
    ):
        assert isinstance(result, Offline)
        assert result.message == OFFLINE_MESSAGE
        assert says in result.reason


@pytest.mark.parametrize(
    ("sync", "says"),
    [
        (StubSync(enrolled=False), "not connected to a server"),
        (StubSync(revoked=True), "no longer accepts this till"),
        (StubSync(vault=False), "credential is gone"),
    ],
    ids=["not-enrolled", "revoked", "no-credential"],
)
def test_a_till_that_cannot_talk_to_its_server_reads_offline_without_calling(
    sync: StubSync, says: str
) -> None:
    holds, seen = service(lambda r: httpx.Response(500), sync)
    result = holds.check(str(PRODUCT))
    assert isinstance(result, Offline)
    assert says in result.reason
    assert seen == []
