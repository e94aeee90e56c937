"""Push: a batch of a terminal's events, each applied exactly once, forever.

One batch is one transaction:

1. **Read** the body with :func:`shared.protocol.read_push_batch`: the envelope must be valid,
   but an event that is invalid on its own is kept apart (quarantined), never allowed to
   block the events after it.
2. **Check** each decoded event against the terminal (its store, its terminal id) and the
   catalog (every product it names exists). A failure is a *rejection*: the event is acked
   ``rejected`` with the reason and kept in ``quarantined_events`` with its payload.
3. **Claim** every event id in ``applied_events`` with ``INSERT ... ON CONFLICT DO NOTHING
   RETURNING``: only the rows this transaction inserted are new. The primary key
   ``(company_id, event_id)`` is what makes delivery exactly-once forever; a concurrent push
   of the same event waits on the row and then finds it claimed. The stored ack is what a
   replay is answered with (``applied`` becomes ``duplicate``; a rejection stays a rejection
   with its reason). The same statement finds any earlier event of the terminal with a new
   event's seq (a ``seq_reused`` finding).
4. **Book** the new events (:mod:`.booking`): rows, stock movements, findings.
5. **Track** the terminal: its contiguous ``seq`` high-water mark (a hole becomes a
   ``seq_gap`` exception, healed when the missing events arrive), and the status it reported.

Row locks are taken in one order (claimed event rows, stock levels in key order, then the
terminal row), so concurrent pushes wait for each other but never deadlock.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.errors import MessageDecodeError, UnsupportedProtocolVersion
from shared.protocol import (
    PROTOCOL_VERSION,
    EventAck,
    PushAck,
    ReceivedBatch,
    TerminalStatus,
    UndecodableEvent,
    decode,
    encode,
    read_push_batch,
)
from shared.protocol.events import (
    Event,
    RefundIssued,
    SaleCompleted,
    ShiftOpened,
    StockCounted,
)
from shared.protocol.messages import AckStatus
from sync_server.db.bulk import json_rows, json_table
from sync_server.domain.stock.ledger import driver_connection
from sync_server.domain.sync.booking import book
from sync_server.domain.sync.findings import Finding, insert_findings, jsonb
from sync_server.lib.context import AppContext
from sync_server.lib.errors import InvalidInput, PermissionDenied
from sync_server.lib.ids import new_id
from sync_server.lib.principal import TerminalPrincipal

__all__ = ("push", "read_batch", "retry_event")

_APPLIED = {"status": "applied"}


def read_batch(body: bytes, terminal: TerminalPrincipal) -> ReceivedBatch:
    """Decode a push body for ``terminal``, mapping protocol errors to HTTP problems.

    Raises:
        InvalidInput: the envelope is malformed or speaks an unsupported version.
        PermissionDenied: the batch names another terminal.
    """
    try:
        received = read_push_batch(body)
    except UnsupportedProtocolVersion as exc:
        raise InvalidInput(
            str(exc), field="protocol_version", supported=list(exc.supported)
        ) from exc
    except MessageDecodeError as exc:
        raise InvalidInput(f"{exc.path or 'the body'}: {exc}", field=exc.path or None) from exc
    if received.terminal_id != terminal.terminal_id:
        raise PermissionDenied(
            f"this batch is from terminal {received.terminal_id}, "
            f"but the credential is terminal {terminal.terminal_id}'s"
        )
    return received


@dataclass(slots=True)
class _Verdict:
    """What the server says of one event of the batch."""

    event_id: uuid.UUID | None
    seq: int | None
    kind: str | None
    event: Event | None
    reason: str | None
    raw: bytes | None = None


async def push(ctx: AppContext, terminal: TerminalPrincipal, received: ReceivedBatch) -> bytes:
    """Apply a decoded batch and return the encoded :class:`PushAck`."""
    acks = await _apply(ctx, terminal, received.events, received.status)
    return encode(
        PushAck(protocol_version=PROTOCOL_VERSION, acks=tuple(acks), server_time=ctx.clock())
    )


async def retry_event(ctx: AppContext, terminal: TerminalPrincipal, raw: bytes) -> EventAck:
    """Run one quarantined event through the push path again, as ``terminal``.

    The caller has forgotten its earlier claim; the terminal's reported status is left as
    it was. Returns the event's new ack (``rejected`` again if the cause remains).
    """
    try:
        event: Event | UndecodableEvent = decode(raw, Event)
    except MessageDecodeError as exc:
        return EventAck(event_id=uuid.UUID(int=0), status="rejected", reason=str(exc))
    acks = await _apply(ctx, terminal, [event], None)
    return acks[0]


async def _apply(
    ctx: AppContext,
    terminal: TerminalPrincipal,
    events: Sequence[Event | UndecodableEvent],
    status: TerminalStatus | None,
) -> list[EventAck]:
    now = ctx.clock()
    company_id = terminal.company_id
    async with ctx.db.tenant(company_id, plan_each_statement=True) as session:
        conn = await driver_connection(session)
        verdicts = await _judge(conn, terminal, events)
        claimable = [v for v in verdicts if v.event_id is not None and v.seq is not None]
        claimed, reused = await _claim(conn, company_id, terminal.terminal_id, claimable, now)
        stored = await _stored_acks(
            conn, company_id, [v.event_id for v in claimable if v.event_id not in claimed]
        )
        await _quarantine(
            conn,
            company_id,
            terminal.terminal_id,
            [
                v
                for v in verdicts
                if v.reason and (v.event_id is None or v.seq is None or v.event_id in claimed)
            ],
            now,
        )
        fresh = [v.event for v in claimable if v.event_id in claimed and v.reason is None]
        findings: list[Finding] = []
        findings += _seq_reuse(terminal.terminal_id, fresh, reused)
        booked = await book(
            session,
            conn,
            company_id=company_id,
            terminal_id=terminal.terminal_id,
            store_id=terminal.store_id,
            events=[e for e in fresh if e is not None],
            now=now,
        )
        findings += booked.findings
        findings += await _track_terminal(conn, terminal, status, bool(claimed), now)
        await insert_findings(conn, company_id, terminal.terminal_id, findings, now)
    acks = []
    for v in verdicts:
        if v.event_id is None:
            continue  # no id to acknowledge: quarantined by its raw bytes
        if v.event_id in claimed or v.seq is None:
            verdict: AckStatus = "rejected" if v.reason else "applied"
            acks.append(EventAck(event_id=v.event_id, status=verdict, reason=v.reason))
        else:
            acks.append(stored[v.event_id])
    return acks


# ------------------------------------------------------------------ 2. judge
async def _judge(
    conn: Any, terminal: TerminalPrincipal, events: Sequence[Event | UndecodableEvent]
) -> list[_Verdict]:
    """Decide which events can be booked; give every other one its rejection reason."""
    verdicts: list[_Verdict] = []
    products: set[uuid.UUID] = set()
    for item in events:
        if isinstance(item, UndecodableEvent):
            verdicts.append(
                _Verdict(item.event_id, item.seq, item.kind, None, str(item.error), item.raw)
            )
            continue
        verdicts.append(
            _Verdict(item.event_id, item.seq, item.kind, item, _misplaced(item, terminal))
        )
        products.update(_products_of(item))
    if products:
        known = {
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM products WHERE company_id = $1 AND id = ANY($2::uuid[])",
                terminal.company_id,
                list(products),
            )
        }
        missing = products - known
        if missing:
            for v in verdicts:
                if v.event is not None and v.reason is None:
                    unknown = sorted(str(p) for p in _products_of(v.event) if p in missing)
                    if unknown:
                        v.reason = (
                            f"product {', '.join(unknown)} is not in the company's catalog; "
                            "add it and retry the event from quarantine"
                        )
    return verdicts


def _misplaced(event: Event, terminal: TerminalPrincipal) -> str | None:
    """Why the event cannot be this terminal's, or ``None`` when it can."""
    p = event.payload
    if isinstance(p, SaleCompleted | RefundIssued | ShiftOpened):
        if p.terminal_id != terminal.terminal_id:
            return (
                f"the event names terminal {p.terminal_id}, but it came from {terminal.terminal_id}"
            )
        if p.store_id != terminal.store_id:
            return (
                f"the event names store {p.store_id}, but this terminal is in {terminal.store_id}"
            )
    if isinstance(p, StockCounted) and p.store_id != terminal.store_id:
        return f"the count names store {p.store_id}, but this terminal is in {terminal.store_id}"
    return None


def _products_of(event: Event) -> set[uuid.UUID]:
    p = event.payload
    if isinstance(p, SaleCompleted | RefundIssued):
        return {line.product_id for line in p.lines}
    if isinstance(p, StockCounted):
        return {p.product_id}
    return set()


# ------------------------------------------------------------------ 3. claim
# The subquery reads the snapshot from before the INSERT (a data-modifying CTE's rows are
# invisible to the rest of its statement), so it finds only earlier events with the seq.
_CLAIM = """
WITH claimed AS (
    INSERT INTO applied_events (company_id, event_id, terminal_id, seq, kind, ack, applied_at)
    SELECT $1, e.id, $2, e.seq, e.kind, e.ack, $3
    FROM {rows} AS e
    ON CONFLICT (company_id, event_id) DO NOTHING
    RETURNING event_id, seq
)
SELECT c.event_id, c.seq,
       (SELECT a.event_id FROM applied_events AS a
        WHERE a.company_id = $1 AND a.terminal_id = $2 AND a.seq = c.seq
        ORDER BY a.applied_at LIMIT 1) AS earlier
FROM claimed AS c
""".format(rows=json_table("$4", "id uuid, seq bigint, kind text, ack jsonb"))  # noqa: S608


async def _claim(
    conn: Any,
    company_id: uuid.UUID,
    terminal_id: uuid.UUID,
    verdicts: Sequence[_Verdict],
    now: datetime,
) -> tuple[set[uuid.UUID], dict[int, uuid.UUID]]:
    """Claim the events; return the ids newly claimed and, per reused seq, the earlier event."""
    if not verdicts:
        return set(), {}
    rows = await conn.fetch(
        _CLAIM,
        company_id,
        terminal_id,
        now,
        json_rows(
            [
                (
                    v.event_id,
                    v.seq,
                    v.kind or "unknown",
                    _APPLIED if v.reason is None else {"status": "rejected", "reason": v.reason},
                )
                for v in verdicts
            ]
        ),
    )
    reused = {r["seq"]: r["earlier"] for r in rows if r["earlier"] is not None}
    return {r["event_id"] for r in rows}, reused


async def _stored_acks(
    conn: Any, company_id: uuid.UUID, event_ids: Sequence[uuid.UUID | None]
) -> dict[uuid.UUID, EventAck]:
    """The acks of events claimed before: ``applied`` is now ``duplicate``."""
    if not event_ids:
        return {}
    rows = await conn.fetch(
        "SELECT event_id, ack FROM applied_events "
        "WHERE company_id = $1 AND event_id = ANY($2::uuid[])",
        company_id,
        list(event_ids),
    )
    acks = {}
    for r in rows:
        ack = jsonb(r["ack"])
        if ack["status"] == "rejected":
            acks[r["event_id"]] = EventAck(
                event_id=r["event_id"], status="rejected", reason=ack["reason"]
            )
        else:
            acks[r["event_id"]] = EventAck(event_id=r["event_id"], status="duplicate")
    return acks


_QUARANTINE = """
INSERT INTO quarantined_events (company_id, id, terminal_id, event_id, seq, kind, reason, raw,
                                raw_digest, status, received_at)
SELECT $1, q.id, $2, q.event_id, q.seq, q.kind, q.reason, q.raw, q.digest, 'open', $3
FROM {rows} AS q
ON CONFLICT (company_id, terminal_id, raw_digest) DO NOTHING
""".format(
    rows=json_table(
        "$4", "id uuid, event_id uuid, seq bigint, kind text, reason text, raw text, digest text"
    )
)


async def _quarantine(
    conn: Any,
    company_id: uuid.UUID,
    terminal_id: uuid.UUID,
    rejected: Sequence[_Verdict],
    now: datetime,
) -> None:
    """Keep every rejected event with its payload (decoded ones re-encoded canonically)."""
    if not rejected:
        return
    raws = [
        v.raw.decode("utf-8", "replace") if v.raw is not None else encode(v.event).decode()  # type: ignore[arg-type]
        for v in rejected
    ]
    await conn.execute(
        _QUARANTINE,
        company_id,
        terminal_id,
        now,
        json_rows(
            [
                (
                    new_id(),
                    v.event_id,
                    v.seq,
                    v.kind,
                    v.reason,
                    raw,
                    hashlib.sha256(raw.encode()).hexdigest(),
                )
                for v, raw in zip(rejected, raws, strict=True)
            ]
        ),
    )


# ------------------------------------------------------------------ 5. terminal
def _seq_reuse(
    terminal_id: uuid.UUID, fresh: Sequence[Event | None], earlier: dict[int, uuid.UUID]
) -> list[Finding]:
    """New events whose seq an earlier, different event of the terminal already had."""
    return [
        Finding(
            "seq_reused",
            "terminal",
            terminal_id,
            (earlier[e.seq], e.event_id),
            {"seq": e.seq, "hint": "a till restored from a backup resends old numbers"},
        )
        for e in fresh
        if e is not None and e.seq in earlier
    ]


async def _track_terminal(
    conn: Any,
    terminal: TerminalPrincipal,
    status: TerminalStatus | None,
    anything_new: bool,
    now: datetime,
) -> list[Finding]:
    """Record the terminal's status and advance its contiguous seq mark; report holes."""
    company_id, terminal_id = terminal.company_id, terminal.terminal_id
    mark = await conn.fetchval(
        "SELECT last_event_seq FROM terminals WHERE company_id = $1 AND id = $2 FOR UPDATE",
        company_id,
        terminal_id,
    )
    findings: list[Finding] = []
    if anything_new:
        seqs = await conn.fetch(
            "SELECT DISTINCT seq FROM applied_events WHERE company_id = $1 AND terminal_id = $2 "
            "AND seq > $3 ORDER BY seq LIMIT 100000",
            company_id,
            terminal_id,
            mark,
        )
        ahead = None
        for row in seqs:
            if row["seq"] == mark + 1:
                mark += 1
            else:
                ahead = row["seq"]
                break
        findings = await _gaps(conn, terminal, mark, ahead, now)
    if status is None:
        await conn.execute(
            "UPDATE terminals SET last_event_seq = $3 WHERE company_id = $1 AND id = $2",
            company_id,
            terminal_id,
            mark,
        )
        return findings
    await conn.execute(
        "UPDATE terminals SET last_event_seq = $3, last_push_at = $4, last_seen_at = $4, "
        "queue_depth = $5, oldest_pending_at = $6, app_version = $7, printer_state = $8 "
        "WHERE company_id = $1 AND id = $2",
        company_id,
        terminal_id,
        mark,
        now,
        status.queue_depth,
        status.oldest_pending_at,
        status.app_version,
        status.printer,
    )
    return findings


async def _gaps(
    conn: Any, terminal: TerminalPrincipal, mark: int, ahead: int | None, now: datetime
) -> list[Finding]:
    """Heal gap exceptions the mark has passed; open one for the hole after the mark."""
    open_gaps = await conn.fetch(
        "SELECT id, detail FROM sync_exceptions WHERE company_id = $1 AND kind = 'seq_gap' "
        "AND status = 'open' AND terminal_id = $2",
        terminal.company_id,
        terminal.terminal_id,
    )
    healed, known = [], set()
    for row in open_gaps:
        detail = jsonb(row["detail"])
        if detail["from_seq"] <= mark:
            healed.append(row["id"])
        else:
            known.add(detail["from_seq"])
    if healed:
        await conn.execute(
            "UPDATE sync_exceptions SET status = 'resolved', resolution = 'self_healed', "
            "resolved_at = $3, note = 'the missing events arrived' "
            "WHERE company_id = $1 AND id = ANY($2::uuid[])",
            terminal.company_id,
            healed,
            now,
        )
    if ahead is None or mark + 1 in known:
        return []
    return [
        Finding(
            "seq_gap",
            "terminal",
            terminal.terminal_id,
            (),
            {"from_seq": mark + 1, "to_seq": ahead - 1, "terminal_code": terminal.code},
            terminal.store_id,
        )
    ]
