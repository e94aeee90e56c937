"""HTTP routes of the sync area: the terminals' push, and the admin's review of what it found."""

from __future__ import annotations

import uuid
import zlib
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from sync_server.domain.sync import review
from sync_server.domain.sync.push import push, read_batch
from sync_server.domain.sync.schemas import (
    ExceptionResolve,
    ExceptionView,
    QuarantineResolve,
    QuarantineView,
)
from sync_server.lib.errors import InvalidInput, PayloadTooLarge
from sync_server.lib.web import Actor, Ctx, Till

__all__ = ("PushController", "SyncReviewController")

_MAX_INFLATED = 32 * 1024 * 1024


async def _body(request: Request[Any, Any, Any]) -> bytes:
    """The request body, inflated when the till sent it gzip-compressed (bounded)."""
    body = await request.body()
    if request.headers.get("content-encoding", "").lower() != "gzip":
        return body
    inflater = zlib.decompressobj(wbits=31)
    try:
        inflated = inflater.decompress(body, _MAX_INFLATED)
    except zlib.error as exc:
        raise InvalidInput(f"the gzip body is corrupt: {exc}") from exc
    if inflater.unconsumed_tail:
        raise PayloadTooLarge(f"the inflated body is larger than {_MAX_INFLATED} bytes")
    return inflated


class PushController(Controller):
    """Where terminals deliver their outbox."""

    path = "/api/v1/sync"
    tags = ["sync"]  # noqa: RUF012 - Litestar reads it

    @post("/push", operation_id="SyncPush", status_code=200)
    async def push(
        self, ctx: Ctx, terminal_auth: Till, request: Request[Any, Any, Any]
    ) -> Response[bytes]:
        """Apply a batch of events exactly once; answer one ack per event (a ``PushAck``).

        The body is a protocol ``PushBatch`` (optionally ``Content-Encoding: gzip``). A busy
        server answers 429 with ``Retry-After``; a replayed batch gets the same verdicts.
        """
        received = read_batch(await _body(request), terminal_auth)
        async with ctx.push_gate:
            answer = await push(ctx, terminal_auth, received)
        return Response(answer, media_type="application/json")


class SyncReviewController(Controller):
    """Sync exceptions and quarantined events, for company admins and store managers."""

    path = "/api/v1/sync"
    tags = ["sync"]  # noqa: RUF012 - Litestar reads it

    @get("/exceptions", operation_id="ListSyncExceptions")
    async def list_exceptions(
        self,
        ctx: Ctx,
        principal: Actor,
        status: FromQuery[str | None] = "open",
        kind: FromQuery[str | None] = None,
        limit: FromQuery[int] = 100,
    ) -> list[ExceptionView]:
        """Exceptions, newest first (``status=open`` by default; ``status=`` for all)."""
        return await review.list_exceptions(
            ctx, principal, status=status or None, kind=kind, limit=limit
        )

    @get("/exceptions/{exception_id:uuid}", operation_id="GetSyncException")
    async def get_exception(
        self, ctx: Ctx, principal: Actor, exception_id: FromPath[uuid.UUID]
    ) -> ExceptionView:
        """One exception with the events involved."""
        return await review.get_exception(ctx, principal, exception_id)

    @post(
        "/exceptions/{exception_id:uuid}/resolve",
        operation_id="ResolveSyncException",
        status_code=200,
    )
    async def resolve_exception(
        self,
        ctx: Ctx,
        principal: Actor,
        exception_id: FromPath[uuid.UUID],
        data: JSONBody[ExceptionResolve],
    ) -> ExceptionView:
        """Acknowledge, note, or adjust stock for an exception."""
        return await review.resolve_exception(ctx, principal, exception_id, data)

    @get("/quarantine", operation_id="ListQuarantinedEvents")
    async def list_quarantined(
        self,
        ctx: Ctx,
        principal: Actor,
        status: FromQuery[str | None] = "open",
        limit: FromQuery[int] = 100,
    ) -> list[QuarantineView]:
        """Events the server could not book, newest first."""
        return await review.list_quarantined(ctx, principal, status=status or None, limit=limit)

    @get("/quarantine/{quarantine_id:uuid}", operation_id="GetQuarantinedEvent")
    async def get_quarantined(
        self, ctx: Ctx, principal: Actor, quarantine_id: FromPath[uuid.UUID]
    ) -> QuarantineView:
        """One quarantined event with its payload as received."""
        return await review.get_quarantined(ctx, principal, quarantine_id)

    @post(
        "/quarantine/{quarantine_id:uuid}/resolve",
        operation_id="ResolveQuarantinedEvent",
        status_code=200,
    )
    async def resolve_quarantined(
        self,
        ctx: Ctx,
        principal: Actor,
        quarantine_id: FromPath[uuid.UUID],
        data: JSONBody[QuarantineResolve],
    ) -> QuarantineView:
        """Dismiss a quarantined event, or retry it after fixing its cause."""
        return await review.resolve_quarantined(ctx, principal, quarantine_id, data)
