"""Recording changes in the writing transaction, and reading them back a page at a time.

Why the cursor never skips a committed change
---------------------------------------------
A ``bigserial`` hands out numbers at ``INSERT`` time, not at commit: transaction A takes 5,
B takes 6 and commits first, a pull sees 6, returns cursor 6, and A's 5 commits behind it,
never to be pulled. Here each company has one ``change_counters`` row, and
:func:`record_changes` takes its seqs with ``UPDATE ... RETURNING`` (an upsert) inside the
writing transaction. That row stays locked until the transaction ends, so the next writer
of the company waits at its own bump until this one commits or rolls back. Seqs are
therefore committed in order: when seq N is visible, every seq below N that will ever exist
is already visible too. A page reads the counter and the rows in one statement (one
snapshot), and the cursor it returns is either the last row it returned or, when nothing is
left, the counter's committed value, so it never passes an uncommitted seq. Writers of one
company serialise only for the short tail of their transaction; other companies never wait.

Recording is the last thing a writing transaction does (one :func:`record_changes` call for
all its changes), so the counter lock is held briefly and never taken before another row
lock, which keeps lock order fixed (counter last) and deadlock-free.

Compaction
----------
``change_log`` keeps one row per (entity, entity id, scope): recording again moves the row to
its new seq. A fresh till therefore pulls the current data, not its history, and a till that
is behind skips superseded versions. Tombstones stay, so a till that was offline for a year
still hears of a deletion. Compaction reorders: a product changed after its barcodes were
recorded now comes after them, so a till applies changes without assuming that what a
change refers to arrived first.

Scope: a change is for every store (:data:`EVERY_STORE`) or for one store (its prices, its
settings, a user's login there). A store's pull reads both. A user taken off a store gets a
tombstone scoped to that store; a price of another store is simply never sent.

GST rates are law, the same for all companies: :func:`record_global_changes` writes them to a
global feed with its own counter row (same argument), and a cursor holds a position in both.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import MessageDecodeError
from shared.protocol import (
    BarcodeChange,
    BarcodeData,
    GstRateChange,
    GstRateData,
    PriceChange,
    PriceData,
    ProductChange,
    ProductData,
    ProtocolStruct,
    PullRequest,
    StoreSettingsChange,
    StoreSettingsData,
    UserChange,
    UserData,
    encode,
    validate,
)
from shared.protocol.messages import MAX_PULL_LIMIT
from shared.protocol.versions import PROTOCOL_VERSION
from sync_server.db.models import EVERY_STORE
from sync_server.domain.changes.cursor import (
    START,
    CursorError,
    Position,
    decode_cursor,
    encode_cursor,
)
from sync_server.lib.context import AppContext
from sync_server.lib.errors import InvalidInput
from sync_server.lib.principal import TerminalPrincipal

__all__ = (
    "EVERY_STORE",
    "Changed",
    "EntityName",
    "InvalidCursor",
    "PulledPage",
    "pull",
    "read_page",
    "record_changes",
    "record_global_changes",
)

EntityName = Literal["product", "barcode", "price", "gst_rate", "user", "store_settings"]
EntityData = ProductData | BarcodeData | PriceData | GstRateData | UserData | StoreSettingsData

_CHANGE_TYPES: dict[str, type[ProtocolStruct]] = {
    "product": ProductChange,
    "barcode": BarcodeChange,
    "price": PriceChange,
    "gst_rate": GstRateChange,
    "user": UserChange,
    "store_settings": StoreSettingsChange,
}
_DATA_TYPES: dict[str, type[ProtocolStruct]] = {
    "product": ProductData,
    "barcode": BarcodeData,
    "price": PriceData,
    "gst_rate": GstRateData,
    "user": UserData,
    "store_settings": StoreSettingsData,
}
_GLOBAL_ENTITIES = frozenset({"gst_rate"})


class InvalidCursor(InvalidInput):
    """A pull cursor this server did not issue to this store, or one ahead of the feed."""

    slug = "invalid-cursor"
    title = "Invalid cursor"


@dataclass(frozen=True, slots=True)
class Changed:
    """One entity's change, to be recorded in the feed.

    Attributes:
        entity: which kind of entity changed.
        entity_id: its id.
        data: the whole entity after the change, or ``None`` for a deletion (a tombstone).
        version: the entity's version after the change; ``None`` takes one above the last
            version the feed holds for this entity (entities without a version column).
        scope: the store this change is for, or :data:`EVERY_STORE`.
    """

    entity: EntityName
    entity_id: uuid.UUID
    data: EntityData | None
    version: int | None = None
    scope: uuid.UUID = EVERY_STORE

    def __post_init__(self) -> None:
        """Check the data belongs to the entity."""
        if self.data is not None and not isinstance(self.data, _DATA_TYPES[self.entity]):
            raise TypeError(f"a {self.entity} change cannot carry {type(self.data).__name__}")


def _latest(changes: Sequence[Changed]) -> list[Changed]:
    """Keep the last change of each (entity, id, scope), in first-seen order."""
    latest: dict[tuple[str, uuid.UUID, uuid.UUID], Changed] = {}
    for change in changes:
        key = (change.entity, change.entity_id, change.scope)
        latest.pop(key, None)
        latest[key] = change
    return list(latest.values())


def _encoded(change: Changed, version: int) -> str:
    cls = _CHANGE_TYPES[change.entity]
    op = "delete" if change.data is None else "upsert"
    message = cls(op=op, entity_id=change.entity_id, version=version, data=change.data)
    return encode(message).decode()


async def _versions(
    session: AsyncSession, table: str, company_id: uuid.UUID | None, changes: list[Changed]
) -> dict[tuple[str, uuid.UUID], int]:
    """Next version of each entity whose change does not carry one (read under the lock)."""
    wanted = sorted({(c.entity, c.entity_id) for c in changes if c.version is None})
    if not wanted:
        return {}
    tenant = "company_id = :company AND " if company_id is not None else ""
    rows = await session.execute(
        text(
            f"SELECT w.entity, w.entity_id, COALESCE(max(l.version), 0) + 1 AS next "  # noqa: S608 - fixed table names
            f"FROM unnest(CAST(:entities AS text[]), CAST(:ids AS uuid[])) AS w(entity, entity_id) "
            f"LEFT JOIN {table} l ON {tenant}l.entity = w.entity AND l.entity_id = w.entity_id "
            f"GROUP BY w.entity, w.entity_id"
        ),
        {
            "company": company_id,
            "entities": [e for e, _ in wanted],
            "ids": [i for _, i in wanted],
        },
    )
    return {(r.entity, r.entity_id): r.next for r in rows}


def _in_order(next_version: dict[tuple[str, uuid.UUID], int], batch: list[Changed]) -> list[int]:
    """Each change's version: its own, or the entity's next one, counting up within the batch.

    One entity may change in several scopes at once (a cashier made company admin: a
    tombstone for the store, the user for every store). A till that pulls both scopes sees
    both, and keeps the higher version; equal versions would keep the first, the tombstone,
    and lose the user. So later changes of an entity in the batch get higher versions.
    """
    taken: dict[tuple[str, uuid.UUID], int] = {}
    out = []
    for change in batch:
        if change.version is not None:
            out.append(change.version)
            continue
        key = (change.entity, change.entity_id)
        out.append(next_version[key] + taken.get(key, 0))
        taken[key] = taken.get(key, 0) + 1
    return out


async def record_changes(
    session: AsyncSession, company_id: uuid.UUID, changes: Sequence[Changed], at: datetime
) -> int:
    """Record that entities of ``company_id`` changed, in the caller's writing transaction.

    Call it once, as the last step of the transaction (see the module docstring): it locks
    the company's counter until the transaction ends.

    Args:
        session: the open tenant transaction that made the changes.
        company_id: the company.
        changes: the changes, in the order tills should apply them; a later change of the
            same (entity, id, scope) replaces an earlier one.
        at: when they were made.

    Returns:
        The seq of the last change (0 when ``changes`` is empty).

    Raises:
        TypeError: a change is of a global entity (GST rates: :func:`record_global_changes`).
    """
    batch = _latest(changes)
    if not batch:
        return 0
    if any(c.entity in _GLOBAL_ENTITIES for c in batch):
        raise TypeError("GST rates are global; record them with record_global_changes")
    last = await session.scalar(
        text(
            "INSERT INTO change_counters (company_id, last_seq) VALUES (:company, :n) "
            "ON CONFLICT (company_id) DO UPDATE "
            "SET last_seq = change_counters.last_seq + EXCLUDED.last_seq RETURNING last_seq"
        ),
        {"company": company_id, "n": len(batch)},
    )
    assert last is not None
    versions = _in_order(await _versions(session, "change_log", company_id, batch), batch)
    seqs, bodies, numbers = [], [], []
    for offset, change in enumerate(batch):
        version = versions[offset]
        seqs.append(last - len(batch) + 1 + offset)
        numbers.append(version)
        bodies.append(_encoded(change, version))
    await session.execute(
        text(
            "INSERT INTO change_log "
            "(company_id, seq, entity, entity_id, scope, op, version, change, changed_at) "
            "SELECT :company, s, e, i, sc, o, v, CAST(c AS json), :at FROM unnest("
            "CAST(:seqs AS bigint[]), CAST(:entities AS text[]), CAST(:ids AS uuid[]), "
            "CAST(:scopes AS uuid[]), CAST(:ops AS text[]), CAST(:versions AS bigint[]), "
            "CAST(:bodies AS text[])) AS t(s, e, i, sc, o, v, c) "
            "ON CONFLICT (company_id, entity, entity_id, scope) DO UPDATE SET "
            "seq = EXCLUDED.seq, op = EXCLUDED.op, version = EXCLUDED.version, "
            "change = EXCLUDED.change, changed_at = EXCLUDED.changed_at"
        ),
        {
            "company": company_id,
            "at": at,
            "seqs": seqs,
            "entities": [c.entity for c in batch],
            "ids": [c.entity_id for c in batch],
            "scopes": [c.scope for c in batch],
            "ops": ["delete" if c.data is None else "upsert" for c in batch],
            "versions": numbers,
            "bodies": bodies,
        },
    )
    return int(last)


async def record_global_changes(
    session: AsyncSession, changes: Sequence[Changed], at: datetime
) -> int:
    """Record changes to global entities (GST rates) in the caller's platform transaction.

    The same ordering argument as :func:`record_changes` holds, on the one global counter.

    Args:
        session: the open platform transaction that made the changes.
        changes: the changes, in order; scope must be :data:`EVERY_STORE`.
        at: when they were made.

    Returns:
        The seq of the last change (0 when ``changes`` is empty).

    Raises:
        TypeError: a change is not of a global entity, or is scoped to a store.
    """
    batch = _latest(changes)
    if not batch:
        return 0
    if any(c.entity not in _GLOBAL_ENTITIES or c.scope != EVERY_STORE for c in batch):
        raise TypeError("only GST rate changes, for every store, belong in the global feed")
    last = await session.scalar(
        text(
            "UPDATE global_change_counter SET last_seq = last_seq + :n "
            "WHERE id = 1 RETURNING last_seq"
        ),
        {"n": len(batch)},
    )
    assert last is not None
    versions = _in_order(await _versions(session, "global_changes", None, batch), batch)
    rows = []
    for offset, change in enumerate(batch):
        version = versions[offset]
        rows.append(
            {
                "seq": last - len(batch) + 1 + offset,
                "entity": change.entity,
                "id": change.entity_id,
                "op": "delete" if change.data is None else "upsert",
                "version": version,
                "change": _encoded(change, version),
                "at": at,
            }
        )
    await session.execute(
        text(
            "INSERT INTO global_changes (seq, entity, entity_id, op, version, change, changed_at) "
            "VALUES (:seq, :entity, :id, :op, :version, CAST(:change AS json), :at) "
            "ON CONFLICT (entity, entity_id) DO UPDATE SET "
            "seq = EXCLUDED.seq, op = EXCLUDED.op, version = EXCLUDED.version, "
            "change = EXCLUDED.change, changed_at = EXCLUDED.changed_at"
        ),
        rows,
    )
    return int(last)


# ----------------------------------------------------------------------------- reading
class _PageWire(ProtocolStruct, frozen=True, kw_only=True):
    """:class:`~shared.protocol.PullPage` with its changes already JSON (field for field)."""

    protocol_version: int
    changes: msgspec.Raw
    next_cursor: str
    has_more: bool


@dataclass(frozen=True, slots=True)
class PulledPage:
    """One page of the feed, encoded as the protocol's ``PullPage``.

    Attributes:
        body: the ``PullPage`` JSON.
        count: how many changes it carries.
        next_cursor: its ``next_cursor``.
        has_more: its ``has_more``.
    """

    body: bytes
    count: int
    next_cursor: str
    has_more: bool


@dataclass(frozen=True, slots=True)
class _Slice:
    head: int
    count: int
    last: int | None
    changes: str | None
    more: bool

    def position(self, after: int) -> int:
        """Where the till is once it applied this slice."""
        if self.more:
            assert self.last is not None
            return self.last
        return max(self.head, after)


# One statement per feed, so the counter and the rows come from one snapshot; it reads one
# row more than the page, to know whether more are waiting. The plan must walk the primary
# key (company_id, seq) in order and stop after the page; with stale statistics (right after
# a big import) the planner would rather gather the whole company through a bitmap scan and
# sort it (0.45 s instead of 10 ms per 5,000-change page), so the read transaction turns
# those two plan shapes off (see :func:`read_page`). Rows come back through asyncpg itself:
# building ORM rows for 5,000 JSON strings costs more than the query.
_COMPANY_SLICE = """
    SELECT h.last_seq AS head, r.seq, r.change
    FROM (
        SELECT COALESCE(
            (SELECT last_seq FROM change_counters WHERE company_id = $1), 0
        ) AS last_seq
    ) AS h
    LEFT JOIN LATERAL (
        SELECT seq, change::text AS change FROM change_log
        WHERE company_id = $1 AND seq > $2 AND scope IN ($3, $4)
        ORDER BY seq
        LIMIT $5
    ) AS r ON true
"""
_GLOBAL_SLICE = """
    SELECT h.last_seq AS head, r.seq, r.change
    FROM (SELECT last_seq FROM global_change_counter WHERE id = 1) AS h
    LEFT JOIN LATERAL (
        SELECT seq, change::text AS change FROM global_changes
        WHERE seq > $1 ORDER BY seq LIMIT $2
    ) AS r ON true
"""


async def _slice(conn: Any, query: str, limit: int, *args: object) -> _Slice:
    records = await conn.fetch(query, *args, limit + 1)
    head = int(records[0]["head"] or 0) if records else 0
    rows = sorted((r for r in records if r["seq"] is not None), key=lambda r: r["seq"])
    page = rows[:limit]
    return _Slice(
        head=head,
        count=len(page),
        last=page[-1]["seq"] if page else None,
        changes=",".join(r["change"] for r in page) if page else None,
        more=len(rows) > limit,
    )


async def read_page(
    session: AsyncSession,
    key: bytes,
    company_id: uuid.UUID,
    store_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
) -> PulledPage:
    """Read the changes a store's till has not applied yet: global ones first, then its company's.

    Each feed is read in one statement, so its rows and its counter come from one snapshot:
    the cursor returned is the last seq returned, or the committed counter when the feed is
    exhausted, never past a seq that is still uncommitted.

    Args:
        session: an open tenant transaction of ``company_id``.
        key: the server's secret key (cursors are bound to the store).
        company_id: the terminal's company.
        store_id: the terminal's store.
        cursor: the ``next_cursor`` of the last page the till applied, or ``None``.
        limit: the most changes to return (1 to ``MAX_PULL_LIMIT``).

    Returns:
        The page, encoded.

    Raises:
        InvalidCursor: the cursor is malformed, was issued to another store or company, or
            is ahead of the feed (the server's data was restored from an older backup).
    """
    try:
        after = START if cursor is None else decode_cursor(key, company_id, store_id, cursor)
    except CursorError as exc:
        raise InvalidCursor(str(exc), field="cursor") from exc
    await session.execute(text("SET LOCAL enable_sort = off"))
    await session.execute(text("SET LOCAL enable_bitmapscan = off"))
    conn = (await (await session.connection()).get_raw_connection()).driver_connection
    glob = await _slice(conn, _GLOBAL_SLICE, limit, after.global_seq)
    rest = limit - glob.count
    # a full page of GST rates still asks for one company row, to learn has_more
    own = await _slice(
        conn, _COMPANY_SLICE, max(rest, 1), company_id, after.company_seq, EVERY_STORE, store_id
    )
    if after.global_seq > glob.head or after.company_seq > own.head:
        raise InvalidCursor(
            "the cursor is ahead of this server's feed (was the server restored from a "
            "backup?); pull without a cursor to start over",
            field="cursor",
        )
    parts = [p for p in (glob.changes, own.changes if rest > 0 else None) if p]
    count = glob.count + (own.count if rest > 0 else 0)
    if rest > 0:
        company_at = own.position(after.company_seq)
        has_more = glob.more or own.more
    else:
        company_at = after.company_seq
        has_more = glob.more or own.count > 0
    position = Position(company_at, glob.position(after.global_seq))
    next_cursor = encode_cursor(key, company_id, store_id, position)
    body = encode(
        _PageWire(
            protocol_version=PROTOCOL_VERSION,
            changes=msgspec.Raw(("[" + ",".join(parts) + "]").encode()),
            next_cursor=next_cursor,
            has_more=has_more,
        )
    )
    return PulledPage(body=body, count=count, next_cursor=next_cursor, has_more=has_more)


async def pull(
    ctx: AppContext, terminal: TerminalPrincipal, cursor: str | None, limit: int
) -> PulledPage:
    """Read the next page of changes for an enrolled terminal's store.

    Args:
        ctx: the services context.
        terminal: the calling terminal.
        cursor: the ``next_cursor`` of the last page it applied, or ``None`` to start over.
        limit: the most changes it wants (1 to ``MAX_PULL_LIMIT``).

    Returns:
        The page, encoded as the protocol's ``PullPage``.

    Raises:
        InvalidInput: ``limit`` is out of range.
        InvalidCursor: the cursor is malformed, foreign, or ahead of the feed.
    """
    if not 1 <= limit <= MAX_PULL_LIMIT:
        raise InvalidInput(f"limit is 1 to {MAX_PULL_LIMIT} changes, got {limit}", field="limit")
    try:
        validate(PullRequest(protocol_version=PROTOCOL_VERSION, cursor=cursor, limit=limit))
    except MessageDecodeError as exc:
        raise InvalidCursor(
            "the cursor is not one this server issues (at most 256 of A-Z a-z 0-9 . _ ~ -); "
            "send the next_cursor of the last page applied, or no cursor to start over",
            field="cursor",
        ) from exc
    async with ctx.db.tenant(terminal.company_id) as session:
        return await read_page(
            session,
            ctx.key,
            terminal.company_id,
            terminal.store_id,
            cursor=cursor,
            limit=limit,
        )
