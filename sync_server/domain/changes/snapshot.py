"""The catalog snapshot: everything live in a store's feed, and the cursor it was read at.

A fresh till asks for this instead of paging through the feed from the start (the protocol
is in :mod:`shared.protocol.snapshot`). It is the feed itself, read differently: the
``change_log`` keeps one row per entity and scope (see ``services``), so its live rows (the
upserts) *are* the current data, in the very JSON the feed sends, with the same versions.
Applying them and then pulling from the cursor gives the till that pulling everything gives.

Why the cursor matches the rows
-------------------------------
All reads run in one ``REPEATABLE READ, READ ONLY`` transaction: the counters and every row
come from one database snapshot. Writers take their seqs by bumping the company's counter
row, which stays locked until they commit, so they commit in seq order (``services``): in
any snapshot whose counter reads N, every change numbered N or less that will ever exist is
already visible, and none numbered above N is (its writer's bump of the counter would be
visible too). So a change committed while a snapshot is read is either in the snapshot
(committed before it was taken, seq <= cursor) or after the cursor, pulled next; never
lost, never applied twice. A change that re-records an entity later moves its row to a new
seq; the snapshot holds the row as it was, the pull after the cursor brings the new one.
The same holds for the global feed (GST rates) and its counter.

Streaming
---------
The rows leave PostgreSQL through ``COPY ... TO STDOUT`` as raw text (no row objects are
built), are framed into newline-delimited JSON batches, compressed on a worker thread and
sent as they come, so the server never holds the whole catalog; PostgreSQL pauses when the
till reads slowly.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.protocol import PROTOCOL_VERSION, SnapshotEnd, SnapshotHead, encode
from sync_server.db.models import EVERY_STORE
from sync_server.db.session import scope_to_company
from sync_server.domain.changes.cursor import Position, encode_cursor
from sync_server.lib.context import AppContext
from sync_server.lib.principal import TerminalPrincipal

__all__ = ("BATCH_BYTES", "GZIP_LEVEL", "stream_snapshot")

BATCH_BYTES = 256 * 1024
"""Rows are framed into batches of about this many bytes of JSON (a few hundred changes)."""
GZIP_LEVEL = 1
"""As the pull pages: fast to make, and a till on a LAN is CPU-bound, not bandwidth-bound."""

_HEADS = """
    SELECT (SELECT last_seq FROM global_change_counter WHERE id = 1) AS global_head,
           COALESCE((SELECT last_seq FROM change_counters WHERE company_id = :company), 0)
               AS company_head
"""
# $n placeholders: these run through asyncpg's COPY directly
_GLOBAL_ROWS = (
    "SELECT change FROM global_changes WHERE seq <= {head} AND op = 'upsert' ORDER BY seq"
)
_COMPANY_ROWS = (
    "SELECT change FROM change_log WHERE company_id = '{company}' AND seq <= {head}"
    " AND scope IN ('{every}', '{store}') AND op = 'upsert' ORDER BY seq"
)


class _Framer:
    """Turns COPY text output (one JSON change per line) into JSON-array batch lines."""

    def __init__(self) -> None:
        self._rest = b""
        self._pending: list[bytes] = []
        self._size = 0
        self.count = 0

    def feed(self, chunk: bytes) -> bytes | None:
        """Take a COPY chunk; return a batch line once enough complete rows have come."""
        data = self._rest + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            self._rest = data
            return None
        self._rest = data[cut + 1 :]
        self._pending.append(data[:cut])
        self._size += cut
        return self.flush() if self._size >= BATCH_BYTES else None

    def flush(self) -> bytes | None:
        """The rows taken so far as one batch line (``None`` if there are none)."""
        if self._rest:  # COPY always ends its last row with a newline
            raise RuntimeError("COPY output ended inside a row")
        if not self._pending:
            return None
        rows = b"\n".join(self._pending)
        self._pending, self._size = [], 0
        self.count += rows.count(b"\n") + 1
        # COPY's text format doubles every backslash (JSON has no raw control characters,
        # so nothing else is escaped); one newline per row becomes the array's comma
        return b"[" + rows.replace(b"\\\\", b"\\").replace(b"\n", b",") + b"]\n"


async def _copied(raw: Any, query: str, framer: _Framer) -> AsyncIterator[bytes]:
    """Run one COPY and yield its batch lines as they are framed (COPY waits for the reader)."""
    out: asyncio.Queue[bytes] = asyncio.Queue(4)

    async def take(chunk: bytes) -> None:
        line = framer.feed(bytes(chunk))
        if line is not None:
            await out.put(line)

    task = asyncio.ensure_future(raw.copy_from_query(query, output=take))
    try:
        while True:
            getter = asyncio.ensure_future(out.get())
            await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                yield getter.result()
                continue
            getter.cancel()
            while not out.empty():
                yield out.get_nowait()
            task.result()  # raises what COPY raised
            break
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    line = framer.flush()
    if line is not None:
        yield line


async def _lines(ctx: AppContext, terminal: TerminalPrincipal) -> AsyncIterator[bytes]:
    """The snapshot's lines: head, batches, end; all read in one database snapshot."""
    async with ctx.db.engine.connect() as base:
        conn = await base.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        async with AsyncSession(bind=conn) as session, session.begin():
            await scope_to_company(session, terminal.company_id)
            # walk the primary key in seq order, so rows stream from the first one; with the
            # stale statistics of a fresh import the planner would sort the whole company
            # first (as for pull pages, see services)
            await session.execute(text("SET LOCAL enable_sort = off"))
            await session.execute(text("SET LOCAL enable_bitmapscan = off"))
            # the first query fixes the transaction's snapshot: the counters are read in it
            heads = (await session.execute(text(_HEADS), {"company": terminal.company_id})).one()
            position = Position(int(heads.company_head), int(heads.global_head or 0))
            cursor = encode_cursor(ctx.key, terminal.company_id, terminal.store_id, position)
            yield encode(SnapshotHead(protocol_version=PROTOCOL_VERSION, cursor=cursor)) + b"\n"
            raw = (await (await session.connection()).get_raw_connection()).driver_connection
            framer = _Framer()
            queries = (
                _GLOBAL_ROWS.format(head=position.global_seq),
                # the ids are UUIDs the server issued, formatted here: COPY takes no parameters
                _COMPANY_ROWS.format(
                    company=terminal.company_id,
                    head=position.company_seq,
                    every=EVERY_STORE,
                    store=terminal.store_id,
                ),
            )
            for query in queries:
                async for line in _copied(raw, query, framer):
                    yield line
            end = SnapshotEnd(protocol_version=PROTOCOL_VERSION, end=True, changes=framer.count)
            yield encode(end) + b"\n"


async def stream_snapshot(
    ctx: AppContext, terminal: TerminalPrincipal, *, compress: bool
) -> AsyncIterator[bytes]:
    """The snapshot for an enrolled terminal's store, as body chunks (gzip when ``compress``).

    Args:
        ctx: the services context.
        terminal: the calling terminal.
        compress: gzip the body (the till accepts it).

    Yields:
        Pieces of the body; a failure mid-way ends the body without its
        :class:`~shared.protocol.SnapshotEnd`, which the till treats as a cut download.
    """
    if not compress:
        async for line in _lines(ctx, terminal):
            yield line
        return
    gzip = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    async for line in _lines(ctx, terminal):
        # zlib lets go of the GIL: other requests go on while a batch compresses
        piece = (
            await asyncio.to_thread(gzip.compress, line)
            if len(line) > 4096
            else (gzip.compress(line))
        )
        if piece:
            yield piece
    yield gzip.flush()
