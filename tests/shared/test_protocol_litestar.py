"""The protocol structs plug straight into Litestar: bodies, responses and the OpenAPI schema.

The server reads request bodies with ``shared.protocol.decode`` (Litestar's own body decoding
is lenient, for example it would take ``"2800"`` for paise) and lets Litestar encode the
structs it answers with.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, post
from litestar.testing import TestClient

from shared.errors import MessageDecodeError, UnsupportedProtocolVersion
from shared.protocol import Event, EventAck, PullPage, PushAck, decode, read_push_batch

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "protocol"
PUSH = (FIXTURES / "push_batch.json").read_bytes()
SERVER_TIME = datetime(2026, 5, 9, 10, 0, tzinfo=UTC)


@post("/push", status_code=200)
async def push(request: Request[Any, Any, Any]) -> PushAck:
    batch = read_push_batch(await request.body())
    acks = tuple(
        EventAck(event_id=e.event_id, status="applied")
        for e in batch.events
        if isinstance(e, Event)
    )
    return PushAck(protocol_version=1, acks=acks, server_time=SERVER_TIME)


@post("/echo-page", status_code=200)
async def echo_page(request: Request[Any, Any, Any]) -> PullPage:
    return decode(await request.body(), PullPage)


def problem(status: int) -> Any:
    def handler(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        return Response(
            {"detail": str(exc), "path": getattr(exc, "path", None)}, status_code=status
        )

    return handler


app = Litestar(
    [push, echo_page],
    exception_handlers={
        MessageDecodeError: problem(422),
        UnsupportedProtocolVersion: problem(409),
    },
)


def test_a_handler_answers_with_a_protocol_struct_that_decodes_back() -> None:
    with TestClient(app) as client:
        response = client.post("/push", content=PUSH)
    assert response.status_code == 200
    ack = decode(response.content, PushAck)
    assert [a.status for a in ack.acks] == ["applied"] * 8


def test_a_pull_page_goes_through_litestar_byte_for_byte_equal() -> None:
    raw = (FIXTURES / "pull_page.json").read_bytes()
    with TestClient(app) as client:
        response = client.post("/echo-page", content=raw)
    assert decode(response.content, PullPage) == decode(raw, PullPage)


def test_a_bad_body_becomes_a_problem_naming_the_path() -> None:
    body = PUSH.replace(b'"queue_depth": 8', b'"queue_depth": "8"')
    with TestClient(app) as client:
        response = client.post("/push", content=body)
    assert response.status_code == 422
    assert response.json()["path"] == "$.status.queue_depth"


def test_an_unknown_version_becomes_a_conflict() -> None:
    body = PUSH.replace(b'"protocol_version": 1', b'"protocol_version": 7')
    with TestClient(app) as client:
        response = client.post("/push", content=body)
    assert response.status_code == 409
    assert "protocol version 7 is not supported" in response.json()["detail"]


def test_litestar_builds_an_openapi_schema_from_the_structs() -> None:
    schema = app.openapi_schema.to_schema()
    names = set(schema["components"]["schemas"])
    assert {"PushAck", "EventAck", "PullPage", "ProductChange", "StoreSettingsData"} <= names
