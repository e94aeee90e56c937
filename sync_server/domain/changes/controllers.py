"""HTTP routes of the change feed, gzip-compressed when accepted.

``GET /api/v1/sync/pull`` answers a page after a cursor; ``GET /api/v1/sync/snapshot``
streams everything live for a fresh till, with the cursor to pull on from.
"""

from __future__ import annotations

import asyncio
import gzip
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.params import QueryParameter
from litestar.response import Stream

from shared.protocol import SNAPSHOT_MEDIA_TYPE
from sync_server.domain.changes import services
from sync_server.domain.changes.snapshot import stream_snapshot
from sync_server.lib.web import Ctx, Till

__all__ = ("GZIP_LEVEL", "PullController", "accepts_gzip")

GZIP_LEVEL = 1
"""Level 1 (not 6): on 100k items it is about 3x faster for about 10% more bytes
(``./galla bench catalog_pull``), and a till on loopback or a LAN is CPU-bound, not
bandwidth-bound."""
_MIN_GZIP_BYTES = 512


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header admits gzip (``gzip`` or ``*``, q above 0)."""
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() not in {"gzip", "*"}:
            continue
        q = params.strip().lower()
        if q.startswith("q="):
            try:
                if float(q[2:]) <= 0:
                    continue
            except ValueError:
                continue
        return True
    return False


class PullController(Controller):
    """Changes to server-owned data, for enrolled terminals to pull since their cursor."""

    path = "/api/v1/sync"
    tags = ["sync"]  # noqa: RUF012 - Litestar reads it

    @get("/pull", operation_id="Pull")
    async def pull(
        self,
        ctx: Ctx,
        terminal_auth: Till,
        request: Request[Any, Any, Any],
        cursor: Annotated[
            str | None,
            QueryParameter(description="the next_cursor of the last page applied; omit to start"),
        ] = None,
        limit: Annotated[int, QueryParameter(description="the most changes to return")] = 500,
    ) -> Response[bytes]:
        """The next page of changes for the terminal's store (a protocol ``PullPage``)."""
        page = await services.pull(ctx, terminal_auth, cursor, limit)
        headers = {"Vary": "Accept-Encoding", "Cache-Control": "no-store"}
        body = page.body
        if len(body) >= _MIN_GZIP_BYTES and accepts_gzip(
            request.headers.get("accept-encoding", "")
        ):
            # zlib lets go of the GIL: other requests go on while a big page compresses
            body = await asyncio.to_thread(gzip.compress, body, GZIP_LEVEL, mtime=0)
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type="application/json", headers=headers)

    @get("/snapshot", operation_id="Snapshot")
    async def snapshot(
        self, ctx: Ctx, terminal_auth: Till, request: Request[Any, Any, Any]
    ) -> Stream:
        """Everything live for the terminal's store and the cursor to pull on from.

        Newline-delimited JSON (``shared.protocol.snapshot``), streamed as it is read; a
        body that ends without its ``SnapshotEnd`` line was cut and must be thrown away.
        """
        compress = accepts_gzip(request.headers.get("accept-encoding", ""))
        headers = {"Vary": "Accept-Encoding", "Cache-Control": "no-store"}
        if compress:
            headers["Content-Encoding"] = "gzip"
        return Stream(
            stream_snapshot(ctx, terminal_auth, compress=compress),
            media_type=SNAPSHOT_MEDIA_TYPE,
            headers=headers,
        )
