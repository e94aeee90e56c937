"""Inter-store transfers: send (reserve, then move out), in transit, receive (move in).

Sending holds the goods at the source store through the reservation machinery (so a
transfer cannot ship units already promised to a customer) and commits that reservation at
once as ``transfer_out`` movements, all in one transaction: the goods are then in transit,
visible as ``incoming`` in the destination's availability. Receiving books ``transfer_in``
movements for what actually arrived; any line that differs from what was sent is recorded on
the line and raised as a ``transfer_discrepancy`` sync exception for the admins.

Both steps are idempotent by the client's transfer id: a replay returns what was stored.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sync_server.domain.stock.errors import tidy
from sync_server.domain.stock.ledger import Movement, apply_movements, driver_connection
from sync_server.domain.stock.schemas import (
    TransferCreate,
    TransferLineView,
    TransferReceive,
    TransferView,
)
from sync_server.domain.stock.services import (
    Caller,
    _check_quantity,
    checked_lines,
    commit_in,
    fingerprint,
    hold_in,
)
from sync_server.lib.context import AppContext
from sync_server.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from sync_server.lib.ids import new_id
from sync_server.lib.principal import Principal, TerminalPrincipal

__all__ = ("get_transfer", "list_transfers", "receive_transfer", "send_transfer")

_COLUMNS = (
    "id, from_store_id, to_store_id, reference, status, fingerprint, sent_at, received_at, note"
)

_INSERT_TRANSFER = f"""
INSERT INTO transfers (company_id, id, from_store_id, to_store_id, reference, status,
                       fingerprint, sent_at, sent_by, received_at, received_by, note)
VALUES ($1, $2, $3, $4, $5, 'in_transit', $6, $7, $8, NULL, NULL, $9)
ON CONFLICT (company_id, id) DO NOTHING
RETURNING {_COLUMNS}
"""  # noqa: S608 - fixed column list

_MARK_RECEIVED = f"""
UPDATE transfers SET status = 'received', received_at = $3, received_by = $4, note = $5
WHERE company_id = $1 AND id = $2
RETURNING {_COLUMNS}
"""  # noqa: S608 - fixed column list


def _view(row: Any, lines: Sequence[Any]) -> TransferView:
    return TransferView(
        id=row[0],
        from_store_id=row[1],
        to_store_id=row[2],
        reference=row[3],
        status=row[4],
        sent_at=row[6],
        received_at=row[7],
        note=row[8],
        lines=[
            TransferLineView(
                product_id=r[0],
                quantity_sent=tidy(r[1]),
                quantity_received=None if r[2] is None else tidy(r[2]),
                discrepancy=None if r[2] is None else tidy(r[2] - r[1]),
            )
            for r in lines
        ],
    )


async def _lines(conn: Any, company_id: uuid.UUID, transfer_id: uuid.UUID) -> list[Any]:
    return list(
        await conn.fetch(
            "SELECT product_id, quantity_sent, quantity_received FROM transfer_lines "
            "WHERE company_id = $1 AND transfer_id = $2 ORDER BY product_id",
            company_id,
            transfer_id,
        )
    )


def _may_see(caller: Caller, row: Any) -> bool:
    stores = {row[1], row[2]}
    if isinstance(caller, TerminalPrincipal):
        return caller.store_id in stores
    return caller.is_company_admin or bool(stores & caller.managed_stores())


async def send_transfer(
    ctx: AppContext, actor: Principal, body: TransferCreate
) -> tuple[TransferView, bool]:
    """Send stock from one store to another; returns the transfer and whether it is new.

    Raises:
        InsufficientStock: the source cannot spare a line (nothing is sent).
        Conflict: the id is used by a different transfer.
        UnknownStore / UnknownProduct / InvalidInput: bad ids, quantities or stores.
    """
    company_id = actor.require_store(body.from_store_id)
    if body.from_store_id == body.to_store_id:
        raise InvalidInput("a transfer needs two different stores", field="to_store_id")
    lines = checked_lines(body.lines)
    now = ctx.clock()
    digest = fingerprint(
        source=body.from_store_id,
        destination=body.to_store_id,
        reference=body.reference,
        lines=[(str(p), str(q.normalize())) for p, q in lines],
    )
    async with ctx.db.tenant(company_id) as session:
        conn = await driver_connection(session)
        if not await conn.fetchval(
            "SELECT 1 FROM stores WHERE company_id = $1 AND id = $2 AND active",
            company_id,
            body.to_store_id,
        ):
            raise InvalidInput(
                f"store {body.to_store_id} is not an open store of this company",
                field="to_store_id",
            )
        # the transfer row first: a concurrent twin waits here, then finds it and replays
        inserted = await conn.fetchrow(
            _INSERT_TRANSFER,
            company_id,
            body.id,
            body.from_store_id,
            body.to_store_id,
            body.reference,
            digest,
            now,
            actor.user_id,
            body.note,
        )
        if inserted is None:
            existing = await conn.fetchrow(
                f"SELECT {_COLUMNS} FROM transfers WHERE company_id = $1 AND id = $2",  # noqa: S608
                company_id,
                body.id,
            )
            if existing[5] != digest:
                raise Conflict(
                    f"transfer id {body.id} is already used for a different transfer", field="id"
                )
            return _view(existing, await _lines(conn, company_id, body.id)), False
        row, _, _ = await hold_in(
            conn,
            company_id,
            body.id,  # the transfer's own reservation at the source
            body.from_store_id,
            lines,
            kind="transfer",
            reference=f"transfer {body.id}",
            digest=digest,
            expires_at=now + timedelta(minutes=5),
            now=now,
            user_id=actor.user_id,
        )
        await commit_in(session, company_id, row, now, reason="transfer_out", reference_id=body.id)
        await conn.execute(
            "INSERT INTO transfer_lines (company_id, transfer_id, product_id, quantity_sent, "
            "quantity_received) SELECT $1, $2, l.p, l.q, NULL "
            "FROM unnest($3::uuid[], $4::numeric[]) AS l(p, q)",
            company_id,
            body.id,
            [p for p, _ in lines],
            [q for _, q in lines],
        )
        stored = await _lines(conn, company_id, body.id)
    return _view(inserted, stored), True


def _received(body: TransferReceive, sent: Sequence[Any]) -> dict[uuid.UUID, Decimal]:
    quantities = {r[0]: r[1] for r in sent}
    if body.lines is None:
        return quantities
    received: dict[uuid.UUID, Decimal] = {}
    for i, line in enumerate(body.lines):
        field = f"lines[{i}]"
        if line.product_id not in quantities:
            raise InvalidInput(
                f"product {line.product_id} is not in this transfer", field=f"{field}.product_id"
            )
        if line.product_id in received:
            raise InvalidInput(
                f"product {line.product_id} is listed twice", field=f"{field}.product_id"
            )
        if line.quantity != 0:
            _check_quantity(line.quantity, f"{field}.quantity")
        received[line.product_id] = line.quantity
    missing = [str(p) for p in quantities if p not in received]
    if missing:
        raise InvalidInput(
            f"list every product of the transfer; missing: {', '.join(missing)}", field="lines"
        )
    return received


async def receive_transfer(
    ctx: AppContext, caller: Caller, transfer_id: uuid.UUID, body: TransferReceive
) -> TransferView:
    """Book what arrived at the destination; differences are recorded and flagged.

    A replay with the same quantities returns the received transfer and books nothing.

    Raises:
        NotFound: no such transfer for this caller.
        PermissionDenied: the caller is not at (or over) the destination store.
        Conflict: it was received already with other quantities.
    """
    company_id = caller.company_id if isinstance(caller, TerminalPrincipal) else caller.company()
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        conn = await driver_connection(session)
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM transfers WHERE company_id = $1 AND id = $2 FOR UPDATE",  # noqa: S608
            company_id,
            transfer_id,
        )
        if row is None or not _may_see(caller, row):
            raise NotFound(f"no transfer {transfer_id}")
        destination = row[2]
        if isinstance(caller, TerminalPrincipal):
            if caller.store_id != destination:
                raise PermissionDenied("only the destination store receives a transfer")
        elif not (caller.is_company_admin or destination in caller.managed_stores()):
            raise PermissionDenied("only the destination store's manager or an admin receives")
        sent = await _lines(conn, company_id, transfer_id)
        received = _received(body, sent)
        if row[4] == "received":
            if {r[0]: r[2] for r in sent} != received:
                raise Conflict(f"transfer {transfer_id} was received already, with other figures")
            return _view(row, sent)
        await apply_movements(
            session,
            company_id,
            [
                Movement(destination, p, q, "transfer_in", transfer_id, now)
                for p, q in received.items()
                if q != 0
            ],
            recorded_at=now,
        )
        await conn.execute(
            "UPDATE transfer_lines AS tl SET quantity_received = r.q "
            "FROM unnest($3::uuid[], $4::numeric[]) AS r(p, q) "
            "WHERE tl.company_id = $1 AND tl.transfer_id = $2 AND tl.product_id = r.p",
            company_id,
            transfer_id,
            list(received),
            list(received.values()),
        )
        user = caller.user_id if isinstance(caller, Principal) else None
        note = body.note or row[8]
        row = await conn.fetchrow(
            _MARK_RECEIVED,
            company_id,
            transfer_id,
            now,
            user,
            note,
        )
        lines = await _lines(conn, company_id, transfer_id)
        differing = [
            {"product_id": str(r[0]), "sent": str(tidy(r[1])), "received": str(tidy(r[2]))}
            for r in lines
            if r[2] != r[1]
        ]
        if differing:
            await _flag_discrepancy(
                conn,
                company_id=company_id,
                transfer_id=transfer_id,
                store_id=destination,
                lines=differing,
                now=now,
            )
    return _view(row, lines)


async def _flag_discrepancy(
    conn: Any,
    *,
    company_id: uuid.UUID,
    transfer_id: uuid.UUID,
    store_id: uuid.UUID,
    lines: list[dict[str, str]],
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO sync_exceptions (company_id, id, kind, status, entity, entity_id, "
        "terminal_id, store_id, event_ids, detail, created_at) "
        "VALUES ($1, $2, 'transfer_discrepancy', 'open', 'transfer', $3, NULL, $4, "
        "'{}'::uuid[], $5::jsonb, $6)",
        company_id,
        new_id(),
        transfer_id,
        store_id,
        json.dumps({"transfer_id": str(transfer_id), "lines": lines}),
        now,
    )


async def get_transfer(ctx: AppContext, caller: Caller, transfer_id: uuid.UUID) -> TransferView:
    """One transfer the caller may see (either store's staff or terminals)."""
    company_id = caller.company_id if isinstance(caller, TerminalPrincipal) else caller.company()
    async with ctx.db.tenant(company_id) as session:
        conn = await driver_connection(session)
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM transfers WHERE company_id = $1 AND id = $2",  # noqa: S608
            company_id,
            transfer_id,
        )
        if row is None or not _may_see(caller, row):
            raise NotFound(f"no transfer {transfer_id}")
        return _view(row, await _lines(conn, company_id, transfer_id))


async def list_transfers(
    ctx: AppContext,
    caller: Caller,
    *,
    store_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[TransferView]:
    """Newest transfers from or to the caller's stores (``in_transit``: what is on the road)."""
    if status is not None and status not in {"in_transit", "received"}:
        raise InvalidInput("status must be in_transit or received", field="status")
    company_id = caller.company_id if isinstance(caller, TerminalPrincipal) else caller.company()
    if isinstance(caller, Principal) and not (caller.is_company_admin or caller.managed_stores()):
        raise PermissionDenied("only company admins and store managers may see transfers")
    async with ctx.db.tenant(company_id) as session:
        conn = await driver_connection(session)
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM transfers WHERE company_id = $1 "  # noqa: S608
            "AND ($2::uuid IS NULL OR from_store_id = $2 OR to_store_id = $2) "
            "AND ($3::text IS NULL OR status = $3) ORDER BY sent_at DESC LIMIT $4",
            company_id,
            store_id,
            status,
            limit,
        )
        visible = [r for r in rows if _may_see(caller, r)]
        return [_view(r, await _lines(conn, company_id, r[0])) for r in visible]
