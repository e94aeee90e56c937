"""The admin's side of sync: review and resolve exceptions, inspect and retry quarantine.

Company admins see everything of their company; store managers see their stores' items
(a terminal-wide item such as a seq gap belongs to the terminal's store).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import delete, func, select, update

from sync_server.db import models as m
from sync_server.domain.stock.ledger import Movement, apply_movements
from sync_server.domain.sync import push as push_service
from sync_server.domain.sync.findings import KINDS
from sync_server.domain.sync.schemas import (
    ExceptionResolve,
    ExceptionView,
    InvolvedEvent,
    QuarantineResolve,
    QuarantineView,
)
from sync_server.lib.context import AppContext
from sync_server.lib.errors import Conflict, InvalidInput, NotFound
from sync_server.lib.principal import Principal, TerminalPrincipal

__all__ = (
    "get_exception",
    "get_quarantined",
    "list_exceptions",
    "list_quarantined",
    "resolve_exception",
    "resolve_quarantined",
)

_MAX_LIMIT = 500


def _visible_stores(actor: Principal) -> frozenset[uuid.UUID] | None:
    """``None`` for a company admin (all stores), else the stores the person manages."""
    actor.require_staff_reader()
    return None if actor.is_company_admin else actor.managed_stores()


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= _MAX_LIMIT:
        raise InvalidInput(f"limit must be 1 to {_MAX_LIMIT}, got {limit}", field="limit")


async def list_exceptions(
    ctx: AppContext,
    actor: Principal,
    *,
    status: str | None = "open",
    kind: str | None = None,
    limit: int = 100,
) -> list[ExceptionView]:
    """Exceptions newest first, filtered by status and kind."""
    company_id = actor.company()
    stores = _visible_stores(actor)
    _check_limit(limit)
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}; got {kind!r}", field="kind")
    if status not in (None, "open", "resolved"):
        raise InvalidInput(f"status must be open or resolved; got {status!r}", field="status")
    async with ctx.db.tenant(company_id) as session:
        query = select(m.SyncException).where(m.SyncException.company_id == company_id)
        if status:
            query = query.where(m.SyncException.status == status)
        if kind:
            query = query.where(m.SyncException.kind == kind)
        if stores is not None:
            query = query.where(m.SyncException.store_id.in_(stores))
        rows = (
            await session.scalars(query.order_by(m.SyncException.created_at.desc()).limit(limit))
        ).all()
        return [await _exception_view(session, row) for row in rows]


async def get_exception(
    ctx: AppContext, actor: Principal, exception_id: uuid.UUID
) -> ExceptionView:
    """One exception with the events involved."""
    company_id = actor.company()
    async with ctx.db.tenant(company_id) as session:
        row = await _exception(session, actor, company_id, exception_id)
        return await _exception_view(session, row)


async def resolve_exception(
    ctx: AppContext, actor: Principal, exception_id: uuid.UUID, body: ExceptionResolve
) -> ExceptionView:
    """Acknowledge an exception, add a note to it, or correct stock and close it.

    Acknowledging a seq gap accepts that those events are lost: the terminal's contiguous
    mark moves past the hole.

    Raises:
        Conflict: it is already resolved (a note may still be added), or ``adjust_stock``
            was asked of an exception that is not an oversell.
        InvalidInput: ``adjust_stock`` without a non-zero ``adjust_quantity``.
    """
    company_id = actor.company()
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        row = await _exception(session, actor, company_id, exception_id, for_update=True)
        if body.action != "note" and row.status == "resolved":
            raise Conflict("this exception is already resolved")
        if body.note:
            stamp = f"[{now:%Y-%m-%d %H:%M} {actor.email}] {body.note}"
            row.note = f"{row.note}\n{stamp}" if row.note else stamp
        if body.action == "adjust_stock":
            if row.kind != "oversell" or row.store_id is None or row.entity_id is None:
                raise Conflict("only an oversell exception can adjust stock")
            qty = body.adjust_quantity
            if qty is None or qty == 0 or not qty.is_finite():
                raise InvalidInput(
                    "adjust_stock needs a non-zero adjust_quantity (units to add, or negative "
                    "to remove)",
                    field="adjust_quantity",
                )
            await apply_movements(
                session,
                company_id,
                [Movement(row.store_id, row.entity_id, Decimal(qty), "adjustment", row.id, now)],
                recorded_at=now,
            )
            row.detail = {**row.detail, "adjusted_by": str(qty)}
        if body.action == "acknowledge" and row.kind == "seq_gap" and row.terminal_id:
            # the admin accepts the loss: the terminal's mark moves past the hole, so later
            # pushes stop re-reading everything after it
            await session.execute(
                update(m.Terminal)
                .where(m.Terminal.company_id == company_id, m.Terminal.id == row.terminal_id)
                .values(
                    last_event_seq=func.greatest(m.Terminal.last_event_seq, row.detail["to_seq"])
                )
            )
        if body.action in ("acknowledge", "adjust_stock"):
            row.status = "resolved"
            row.resolved_at = now
            row.resolved_by = actor.user_id
            row.resolution = "stock_adjusted" if body.action == "adjust_stock" else "acknowledged"
        await session.flush()
        return await _exception_view(session, row)


async def _exception(
    session: object,
    actor: Principal,
    company_id: uuid.UUID,
    exception_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> m.SyncException:
    query = select(m.SyncException).where(
        m.SyncException.company_id == company_id, m.SyncException.id == exception_id
    )
    if for_update:
        query = query.with_for_update()
    row = (await session.scalars(query)).one_or_none()  # type: ignore[attr-defined]
    stores = _visible_stores(actor)
    if row is None or (stores is not None and row.store_id not in stores):
        raise NotFound("no such sync exception")
    return row  # type: ignore[no-any-return]


async def _exception_view(session: object, row: m.SyncException) -> ExceptionView:
    events = []
    if row.event_ids:
        found = (
            await session.scalars(  # type: ignore[attr-defined]
                select(m.AppliedEvent).where(
                    m.AppliedEvent.company_id == row.company_id,
                    m.AppliedEvent.event_id.in_(row.event_ids),
                )
            )
        ).all()
        by_id = {e.event_id: e for e in found}
        for event_id in row.event_ids:
            e = by_id.get(event_id)
            events.append(
                InvolvedEvent(
                    event_id=event_id,
                    terminal_id=e.terminal_id if e else None,
                    seq=e.seq if e else None,
                    kind=e.kind if e else None,
                    applied_at=e.applied_at if e else None,
                )
            )
    return ExceptionView(
        id=row.id,
        kind=row.kind,
        status=row.status,
        entity=row.entity,
        entity_id=row.entity_id,
        terminal_id=row.terminal_id,
        store_id=row.store_id,
        detail=row.detail,
        events=events,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution=row.resolution,
        note=row.note,
    )


# ------------------------------------------------------------------ quarantine
def _quarantine_view(row: m.QuarantinedEvent) -> QuarantineView:
    return QuarantineView(
        id=row.id,
        terminal_id=row.terminal_id,
        event_id=row.event_id,
        seq=row.seq,
        kind=row.kind,
        reason=row.reason,
        raw=row.raw,
        status=row.status,
        received_at=row.received_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        note=row.note,
    )


async def list_quarantined(
    ctx: AppContext, actor: Principal, *, status: str | None = "open", limit: int = 100
) -> list[QuarantineView]:
    """Quarantined events, newest first (company admins only: payloads are raw)."""
    company_id = actor.require_admin()
    _check_limit(limit)
    if status not in (None, "open", "resolved"):
        raise InvalidInput(f"status must be open or resolved; got {status!r}", field="status")
    async with ctx.db.tenant(company_id) as session:
        query = select(m.QuarantinedEvent).where(m.QuarantinedEvent.company_id == company_id)
        if status:
            query = query.where(m.QuarantinedEvent.status == status)
        rows = await session.scalars(
            query.order_by(m.QuarantinedEvent.received_at.desc()).limit(limit)
        )
        return [_quarantine_view(row) for row in rows]


async def get_quarantined(
    ctx: AppContext, actor: Principal, quarantine_id: uuid.UUID
) -> QuarantineView:
    """One quarantined event with its raw payload."""
    company_id = actor.require_admin()
    async with ctx.db.tenant(company_id) as session:
        row = await session.get(m.QuarantinedEvent, (company_id, quarantine_id))
        if row is None:
            raise NotFound("no such quarantined event")
        return _quarantine_view(row)


async def resolve_quarantined(
    ctx: AppContext, actor: Principal, quarantine_id: uuid.UUID, body: QuarantineResolve
) -> QuarantineView:
    """Dismiss a quarantined event, or retry it after its cause was fixed.

    A retry re-runs the event through the push path as its terminal: its earlier rejection
    is forgotten first, so the retry is judged afresh. If it is rejected again, it stays in
    quarantine with the new reason.

    Raises:
        Conflict: it is already resolved, or it has no readable id and seq to retry with.
    """
    company_id = actor.require_admin()
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        row = await session.get(
            m.QuarantinedEvent, (company_id, quarantine_id), with_for_update=True
        )
        if row is None:
            raise NotFound("no such quarantined event")
        if row.status == "resolved":
            raise Conflict("this quarantined event is already resolved")
        if body.action == "retry":
            if row.event_id is None or row.seq is None:
                raise Conflict("this event has no readable id and seq; it cannot be retried")
            terminal = await session.get(m.Terminal, (company_id, row.terminal_id))
            assert terminal is not None
            await session.execute(
                delete(m.AppliedEvent).where(
                    m.AppliedEvent.company_id == company_id,
                    m.AppliedEvent.event_id == row.event_id,
                )
            )
            raw, principal = (
                row.raw,
                TerminalPrincipal(
                    company_id=company_id,
                    terminal_id=terminal.id,
                    store_id=terminal.store_id,
                    code=terminal.code,
                ),
            )
        else:
            row.status, row.resolved_at, row.resolved_by = "resolved", now, actor.user_id
            row.note = body.note or "dismissed"
            return _quarantine_view(row)
    verdict = await push_service.retry_event(ctx, principal, raw.encode())
    async with ctx.db.tenant(company_id) as session:
        row = await session.get(m.QuarantinedEvent, (company_id, quarantine_id))
        assert row is not None
        if verdict.status == "rejected":
            row.reason = verdict.reason or row.reason
            row.note = body.note or row.note
        else:
            row.status, row.resolved_at, row.resolved_by = "resolved", ctx.clock(), actor.user_id
            row.note = body.note or "retried and booked"
        return _quarantine_view(row)
