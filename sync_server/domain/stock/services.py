"""Availability and reservations: holding stock online so the last unit is promised once.

The counter and expiry
----------------------
``stock_levels.reserved`` is a maintained counter: the sum of every reservation line that is
still ``held``, *including lines that have expired but are not cleaned up yet*. Keeping the
counter (rather than summing reservations on every request) is what makes taking quantity
one conditional ``UPDATE`` on the level row, the only way to reach 1,000+ holds a second on
one hot product. Expiry is then enforced where availability is read:

* **reading** (:func:`availability`): ``reserved`` shown = counter minus the held lines whose
  ``expires_at`` has passed (one partial-index range scan per level over the expired lines
  only), so an expired hold stops counting the moment it expires, cleanup or not;
* **taking** (:func:`reserve`, one call of the ``stock_reserve`` function of migration
  0004, its own transaction): ``UPDATE ... SET reserved = reserved + q WHERE on_hand -
  reserved >= q``. The counter can only over-count (by expired lines), so a success is always
  safe. When it fails, the level row is locked and that product's expired lines are released
  on the spot (``held = false``, counter decremented), then the update is tried once more;
  so expired holds never make a reservation fail either. The header, lines and takes are one
  statement, so the hot level row is locked only inside the server, never across a round
  trip;
* **cleaning** (``expire_reservations``, the scheduled job): marks expired reservations
  ``expired`` and gives their counted quantity back, in batches.

Locks, always in this order, so nothing deadlocks: a reservation's own row, then level rows in
(company, store, product) order, then reservation lines (``stock_reserve`` inserts a new
reservation's lines before its takes: rows nobody else can lock yet, and the hot level row is
then locked last, for the shortest time). A line is only flipped while its
level row is locked, so the counter and the lines never disagree.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sync_server.db.session import Database
from sync_server.domain.stock.errors import (
    InsufficientStock,
    InvalidMovement,
    ReservationClosed,
    ReservationExpired,
    UnknownProduct,
    UnknownStore,
    tidy,
)
from sync_server.domain.stock.ledger import Movement, apply_movements, driver_connection
from sync_server.domain.stock.schemas import (
    Availability,
    ReservationCreate,
    ReservationExtend,
    ReservationLineIn,
    ReservationLineView,
    ReservationView,
)
from sync_server.lib.context import AppContext
from sync_server.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from sync_server.lib.principal import Principal, TerminalPrincipal

__all__ = (
    "Caller",
    "Expired",
    "availability",
    "commit_reservation",
    "expire_reservations",
    "extend_reservation",
    "get_reservation",
    "list_reservations",
    "release_reservation",
    "reserve",
)

Caller = Principal | TerminalPrincipal
"""Who may hold stock: a signed-in person or an enrolled terminal."""

_ZERO = Decimal(0)
_MAX_AVAILABILITY_PRODUCTS = 500


# ---------------------------------------------------------------- who may do what


def _company(caller: Caller) -> uuid.UUID:
    if isinstance(caller, TerminalPrincipal):
        return caller.company_id
    return caller.company()


def _writable_store(caller: Caller, store_id: uuid.UUID | None) -> tuple[uuid.UUID, uuid.UUID]:
    """The (company, store) the caller may hold stock in: a till's own store, or a staff one."""
    if isinstance(caller, TerminalPrincipal):
        if store_id is not None and store_id != caller.store_id:
            raise PermissionDenied("a terminal holds stock only in its own store")
        return caller.company_id, caller.store_id
    if store_id is None:
        raise InvalidInput("store_id is required", field="store_id")
    return caller.require_store(store_id), store_id


def _readable_store(caller: Caller, store_id: uuid.UUID) -> uuid.UUID:
    """The company when the caller may read ``store_id``'s stock (tills: any of its company)."""
    if isinstance(caller, TerminalPrincipal):
        return caller.company_id
    company = caller.company()
    if not (caller.is_company_admin or store_id in caller.managed_stores()):
        raise PermissionDenied("only a company admin or this store's manager may see its stock")
    return company


def _check_quantity(value: Decimal, field: str) -> Decimal:
    if not value.is_finite() or value <= 0:
        raise InvalidInput(f"{field} must be a positive quantity", field=field)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        raise InvalidInput(f"{field} {value} has more than 3 decimal places", field=field)
    if value >= Decimal("1e11"):
        raise InvalidInput(f"{field} {value} is too large", field=field)
    return value


def checked_lines(lines: Sequence[ReservationLineIn]) -> list[tuple[uuid.UUID, Decimal]]:
    """``(product_id, quantity)`` pairs sorted by product, after checking each line once."""
    seen: set[uuid.UUID] = set()
    pairs = []
    for i, line in enumerate(lines):
        if line.product_id in seen:
            raise InvalidInput(
                f"product {line.product_id} is listed twice; send one line per product",
                field=f"lines[{i}].product_id",
            )
        seen.add(line.product_id)
        pairs.append((line.product_id, _check_quantity(line.quantity, f"lines[{i}].quantity")))
    return sorted(pairs, key=lambda p: p[0].int)


def fingerprint(**parts: Any) -> str:
    """A digest of what a request asked for, to tell a replay from a reused id."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- availability

_AVAILABLE_FROM = """
SELECT p.id,
       coalesce(l.on_hand, 0),
       coalesce(l.reserved, 0) - coalesce((
           SELECT sum(rl.quantity) FROM reservation_lines AS rl
           WHERE rl.company_id = $1::uuid AND rl.store_id = $2::uuid AND rl.product_id = p.id
             AND rl.held AND rl.expires_at <= $3::timestamptz), 0),
       coalesce((
           SELECT sum(tl.quantity_sent) FROM transfers AS t
           JOIN transfer_lines AS tl ON tl.company_id = t.company_id AND tl.transfer_id = t.id
           WHERE t.company_id = $1::uuid AND t.to_store_id = $2::uuid
             AND t.status = 'in_transit' AND tl.product_id = p.id), 0)
"""

_AVAILABILITY_OF = (
    _AVAILABLE_FROM
    + """
FROM products AS p
LEFT JOIN stock_levels AS l
  ON l.company_id = p.company_id AND l.store_id = $2::uuid AND l.product_id = p.id
WHERE p.company_id = $1::uuid AND p.id = ANY($4::uuid[])
ORDER BY p.id
"""
)

_AVAILABILITY_ALL = (
    _AVAILABLE_FROM
    + """
FROM stock_levels AS l
JOIN products AS p ON p.company_id = l.company_id AND p.id = l.product_id
WHERE l.company_id = $1::uuid AND l.store_id = $2::uuid
ORDER BY l.product_id
LIMIT $4 OFFSET $5
"""
)


async def availability(
    ctx: AppContext,
    caller: Caller,
    store_id: uuid.UUID,
    product_ids: Sequence[uuid.UUID] | None = None,
    *,
    limit: int = 500,
    offset: int = 0,
) -> list[Availability]:
    """On hand, unexpired reserved, available and incoming stock per product at a store.

    Args:
        ctx: the process's context.
        caller: a terminal (any store of its company) or an admin / the store's manager.
        store_id: the store asked about.
        product_ids: the products asked about (each answered, zeros when never stocked);
            ``None``: every product with a stock level at the store, by product id.
        limit: page size when listing every product.
        offset: rows to skip when listing every product.

    Raises:
        UnknownProduct / UnknownStore: an id that is not the company's.
        InvalidInput: more than 500 products in one ask.
    """
    company_id = _readable_store(caller, store_id)
    if product_ids is not None:
        product_ids = list(dict.fromkeys(product_ids))
        if len(product_ids) > _MAX_AVAILABILITY_PRODUCTS:
            raise InvalidInput(
                f"ask for at most {_MAX_AVAILABILITY_PRODUCTS} products at a time",
                field="product_id",
            )
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        conn = await driver_connection(session)
        if not await conn.fetchval(
            "SELECT 1 FROM stores WHERE company_id = $1 AND id = $2", company_id, store_id
        ):
            raise UnknownStore(store_id)
        if product_ids is None:
            rows = await conn.fetch(_AVAILABILITY_ALL, company_id, store_id, now, limit, offset)
        else:
            rows = await conn.fetch(_AVAILABILITY_OF, company_id, store_id, now, product_ids)
    if product_ids is not None and len(rows) != len(product_ids):
        found = {r[0] for r in rows}
        raise UnknownProduct(next(p for p in product_ids if p not in found))
    return [
        Availability(
            store_id=store_id,
            product_id=r[0],
            on_hand=tidy(r[1]),
            reserved=tidy(r[2]),
            available=tidy(max(_ZERO, r[1] - r[2])),
            incoming=tidy(r[3]),
        )
        for r in rows
    ]


# ---------------------------------------------------------------- reservations

_COLUMNS = (
    "id, store_id, kind, reference, status, fingerprint, expires_at, created_at, updated_at, "
    "closed_at"
)

_RESERVE = "SELECT * FROM stock_reserve($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
"""The one-statement reservation (migration 0004's ``stock_reserve``): outcome, header, lines."""

_SHORT = "GS001"  # stock_reserve: a line cannot be covered (DETAIL: product available)
_NO_PRODUCT = "GS002"  # stock_reserve: a product that is not the company's (DETAIL: product)

_LINES = """
SELECT product_id, quantity, held FROM reservation_lines
WHERE company_id = $1 AND reservation_id = $2 ORDER BY product_id
"""

_LOCK_LEVELS = """
SELECT 1 FROM stock_levels
WHERE company_id = $1 AND store_id = $2 AND product_id = ANY($3::uuid[])
ORDER BY store_id, product_id
FOR NO KEY UPDATE
"""

_UNHOLD = """
WITH unheld AS (
    UPDATE reservation_lines SET held = false
    WHERE company_id = $1 AND reservation_id = $2 AND held
    RETURNING store_id, product_id, quantity
)
UPDATE stock_levels AS s SET reserved = s.reserved - u.quantity, updated_at = $3
FROM unheld AS u
WHERE s.company_id = $1 AND s.store_id = u.store_id AND s.product_id = u.product_id
RETURNING s.product_id
"""

_CLOSE = """
UPDATE reservations SET status = $3, closed_at = $4, updated_at = $4
WHERE company_id = $1 AND id = $2
"""


@dataclass(frozen=True, slots=True)
class _Row:
    id: uuid.UUID
    store_id: uuid.UUID
    kind: str
    reference: str
    status: str
    fingerprint: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


def _row(record: Any) -> _Row:
    return _Row(*record)


def effective_status(status: str, expires_at: datetime, now: datetime) -> str:
    """``expired`` for a held reservation whose time is up, else the stored status."""
    return "expired" if status == "held" and now >= expires_at else status


def _view(row: _Row, lines: Sequence[Any], now: datetime) -> ReservationView:
    return ReservationView(
        id=row.id,
        store_id=row.store_id,
        kind=row.kind,
        reference=row.reference,
        status=effective_status(row.status, row.expires_at, now),
        expires_at=row.expires_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
        lines=[ReservationLineView(product_id=r[0], quantity=tidy(r[1])) for r in lines],
    )


def _ttl(ctx: AppContext, requested: int | None) -> timedelta:
    settings = ctx.settings
    seconds = settings.reservation_default_seconds if requested is None else requested
    if seconds > settings.reservation_max_seconds:
        raise InvalidInput(
            f"ttl_seconds may be at most {settings.reservation_max_seconds}",
            field="ttl_seconds",
        )
    return timedelta(seconds=seconds)


async def hold_in(
    conn: Any,
    company_id: uuid.UUID,
    reservation_id: uuid.UUID,
    store_id: uuid.UUID,
    lines: Sequence[tuple[uuid.UUID, Decimal]],
    *,
    kind: str,
    reference: str,
    digest: str,
    expires_at: datetime,
    now: datetime,
    terminal_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
) -> tuple[_Row, list[tuple[uuid.UUID, Decimal]], bool]:
    """Make (or find) reservation ``reservation_id`` in one statement on ``conn``.

    ``conn`` is either a connection outside any transaction (the statement is then its own
    transaction, committed when it returns: the hot level row is locked only inside the
    server) or one inside an open tenant transaction of ``company_id`` (its caller commits).
    Either way the statement runs as the tenant role under row-level security.

    Returns:
        The reservation's row, its lines, and whether this call made it (``False``: a
        replay, nothing was taken again).

    Raises:
        Conflict: the id is taken by a reservation that asked for something else.
        InsufficientStock: a line cannot be covered; ``available`` says what there is.
            Nothing was kept (inside a transaction, the caller must roll back).
        UnknownProduct / UnknownStore: an id that is not the company's.
    """
    try:
        record = await conn.fetchrow(
            _RESERVE,
            company_id,
            reservation_id,
            store_id,
            kind,
            reference,
            digest,
            expires_at,
            now,
            terminal_id,
            user_id,
            [p for p, _ in lines],
            [q for _, q in lines],
        )
    except Exception as error:  # asyncpg's PostgresError; the driver stays out of the domain
        state = getattr(error, "sqlstate", None)
        detail = str(getattr(error, "detail", "") or "").split()
        if state == _SHORT and len(detail) == 2:
            product_id, available = uuid.UUID(detail[0]), Decimal(detail[1])
            requested = next(q for p, q in lines if p == product_id)
            raise InsufficientStock(store_id, product_id, requested, available) from None
        if state == _NO_PRODUCT and detail:
            raise UnknownProduct(detail[0]) from None
        raise
    outcome = record[0]
    if outcome == "no_store":
        raise UnknownStore(store_id)
    if outcome == "conflict":
        raise Conflict(
            f"reservation id {reservation_id} is already used for a different request; "
            "use a new id for a new reservation",
            field="id",
        )
    row = _row(record[1:11])
    if outcome == "made":
        return row, list(lines), True
    stored = list(zip(record[11] or [], record[12] or [], strict=True))
    return row, stored, False


async def reserve(
    ctx: AppContext, caller: Caller, body: ReservationCreate
) -> tuple[ReservationView, bool]:
    """Hold stock for a reference until it expires; a replay of the same id is answered as is.

    All lines are held or none is. Returns the reservation and whether it was made now.

    One statement, one round trip after the pool checkout: ``stock_reserve`` (migration
    0004) switches to the tenant role and company itself, so it runs as its own
    transaction instead of inside :meth:`Database.tenant` (which would add BEGIN, the
    scope statement and COMMIT, and keep the hot level row locked across two of them).

    Raises:
        InsufficientStock: a line cannot be covered (nothing is held).
        Conflict: the id is taken by a different request.
        UnknownProduct / UnknownStore / InvalidInput: bad ids or quantities.
    """
    company_id, store_id = _writable_store(caller, body.store_id)
    lines = checked_lines(body.lines)
    now = ctx.clock()
    expires_at = now + _ttl(ctx, body.ttl_seconds)
    digest = fingerprint(
        store=store_id,
        kind=body.kind,
        reference=body.reference,
        lines=[(str(p), str(q.normalize())) for p, q in lines],
    )
    terminal = caller.terminal_id if isinstance(caller, TerminalPrincipal) else None
    user = caller.user_id if isinstance(caller, Principal) else None
    async with ctx.db.engine.connect() as connection:  # no BEGIN: the statement is one
        raw = await connection.get_raw_connection()
        row, held, made = await hold_in(
            raw.driver_connection,
            company_id,
            body.id,
            store_id,
            lines,
            kind=body.kind,
            reference=body.reference,
            digest=digest,
            expires_at=expires_at,
            now=now,
            terminal_id=terminal,
            user_id=user,
        )
    if not made:
        _check_reservation_access(caller, row)
    return _view(row, held, now), made


def _check_reservation_access(caller: Caller, row: _Row) -> None:
    if isinstance(caller, TerminalPrincipal):
        if row.store_id != caller.store_id:
            raise NotFound(f"no reservation {row.id}")
    elif not (caller.is_company_admin or row.store_id in caller.managed_stores()):
        raise NotFound(f"no reservation {row.id}")


async def _locked(
    session: AsyncSession, caller: Caller, company_id: uuid.UUID, reservation_id: uuid.UUID
) -> tuple[Any, _Row]:
    conn = await driver_connection(session)
    record = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM reservations WHERE company_id = $1 AND id = $2 FOR UPDATE",  # noqa: S608
        company_id,
        reservation_id,
    )
    if record is None:
        raise NotFound(f"no reservation {reservation_id}")
    row = _row(record)
    _check_reservation_access(caller, row)
    return conn, row


async def get_reservation(
    ctx: AppContext, caller: Caller, reservation_id: uuid.UUID
) -> ReservationView:
    """One reservation the caller may see (a till: its store's; staff: their stores')."""
    company_id = _company(caller)
    async with ctx.db.tenant(company_id) as session:
        conn = await driver_connection(session)
        record = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM reservations WHERE company_id = $1 AND id = $2",  # noqa: S608
            company_id,
            reservation_id,
        )
        if record is None:
            raise NotFound(f"no reservation {reservation_id}")
        row = _row(record)
        _check_reservation_access(caller, row)
        lines = await conn.fetch(_LINES, company_id, reservation_id)
    return _view(row, lines, ctx.clock())


async def list_reservations(
    ctx: AppContext,
    caller: Caller,
    store_id: uuid.UUID,
    status: str | None = None,
    *,
    limit: int = 100,
) -> list[ReservationView]:
    """A store's newest reservations, optionally only those in ``status`` (as it reads now)."""
    if status is not None and status not in {"held", "committed", "released", "expired"}:
        raise InvalidInput("status must be held, committed, released or expired", field="status")
    company_id = _readable_store(caller, store_id)
    if isinstance(caller, TerminalPrincipal) and store_id != caller.store_id:
        raise PermissionDenied("a terminal sees only its own store's reservations")
    now = ctx.clock()
    where = ""
    if status == "held":
        where = "AND status = 'held' AND expires_at > $3"
    elif status == "expired":
        where = "AND (status = 'expired' OR (status = 'held' AND expires_at <= $3))"
    elif status is not None:
        where = f"AND status = '{status}'"
    query = (
        f"SELECT {_COLUMNS} FROM reservations WHERE company_id = $1 AND store_id = $2 "  # noqa: S608
        f"AND $3::timestamptz IS NOT NULL {where} ORDER BY created_at DESC LIMIT $4"
    )
    async with ctx.db.tenant(company_id) as session:
        conn = await driver_connection(session)
        rows = [_row(r) for r in await conn.fetch(query, company_id, store_id, now, limit)]
        lines: dict[uuid.UUID, list[Any]] = {r.id: [] for r in rows}
        for record in await conn.fetch(
            "SELECT reservation_id, product_id, quantity FROM reservation_lines "
            "WHERE company_id = $1 AND reservation_id = ANY($2::uuid[]) "
            "ORDER BY reservation_id, product_id",
            company_id,
            list(lines),
        ):
            lines[record[0]].append((record[1], record[2]))
    return [_view(r, lines[r.id], now) for r in rows]


async def extend_reservation(
    ctx: AppContext, caller: Caller, reservation_id: uuid.UUID, body: ReservationExtend
) -> ReservationView:
    """Keep a held reservation for ``ttl_seconds`` from now.

    Raises:
        ReservationExpired: its time was already up (the stock may be promised elsewhere).
        ReservationClosed: it was committed or released.
    """
    company_id = _company(caller)
    ttl = _ttl(ctx, body.ttl_seconds)
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        conn, row = await _locked(session, caller, company_id, reservation_id)
        _require_open(row, now)
        lines = await conn.fetch(_LINES, company_id, reservation_id)
        expires_at = now + ttl
        moved = await conn.fetch(
            "UPDATE reservation_lines SET expires_at = $3 "
            "WHERE company_id = $1 AND reservation_id = $2 AND held RETURNING product_id",
            company_id,
            reservation_id,
            expires_at,
        )
        if len(moved) != len(lines):  # a taker released its lapsed lines: it is over
            raise ReservationExpired(reservation_id, row.expires_at)
        await conn.execute(
            "UPDATE reservations SET expires_at = $3, updated_at = $4 "
            "WHERE company_id = $1 AND id = $2",
            company_id,
            reservation_id,
            expires_at,
            now,
        )
        row = replace(row, expires_at=expires_at, updated_at=now)
    return _view(row, lines, now)


def _require_open(row: _Row, now: datetime) -> None:
    if row.status in {"committed", "released"}:
        raise ReservationClosed(row.id, row.status)
    if row.status == "expired" or now >= row.expires_at:
        raise ReservationExpired(row.id, row.expires_at)


async def _unhold(
    conn: Any,
    company_id: uuid.UUID,
    row: _Row,
    lines: Sequence[Any],
    now: datetime,
) -> int:
    """Give a reservation's counted lines back; returns how many lines were still held."""
    await conn.execute(_LOCK_LEVELS, company_id, row.store_id, [r[0] for r in lines])
    return len(await conn.fetch(_UNHOLD, company_id, row.id, now))


async def commit_in(
    session: AsyncSession,
    company_id: uuid.UUID,
    row: _Row,
    now: datetime,
    *,
    reason: str = "reservation",
    reference_id: uuid.UUID | None = None,
) -> list[Any]:
    """Turn a locked, open reservation into stock movements (in the caller's transaction).

    The movements cite ``reference_id`` (default: the reservation). Returns its lines.
    Raises :class:`ReservationExpired` when a line was already released as lapsed (the
    caller must roll back).
    """
    conn = await driver_connection(session)
    lines = await conn.fetch(_LINES, company_id, row.id)
    await apply_movements(
        session,
        company_id,
        [Movement(row.store_id, r[0], -r[1], reason, reference_id or row.id, now) for r in lines],
        recorded_at=now,
    )  # locks the level rows in key order
    if len(await conn.fetch(_UNHOLD, company_id, row.id, now)) != len(lines):
        raise ReservationExpired(row.id, row.expires_at)
    await conn.execute(_CLOSE, company_id, row.id, "committed", now)
    return list(lines)


async def commit_reservation(
    ctx: AppContext, caller: Caller, reservation_id: uuid.UUID
) -> ReservationView:
    """Turn a held reservation into stock movements, exactly once.

    A replay of a commit returns the committed reservation and moves nothing.

    Raises:
        ReservationExpired: its time is up (commit it no more; reserve again).
        ReservationClosed: it was released.
    """
    company_id = _company(caller)
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        conn, row = await _locked(session, caller, company_id, reservation_id)
        if row.status == "committed":
            lines = await conn.fetch(_LINES, company_id, reservation_id)
            return _view(row, lines, now)
        _require_open(row, now)
        lines = await commit_in(session, company_id, row, now)
    return _view(replace(row, status="committed", updated_at=now, closed_at=now), lines, now)


async def release_reservation(
    ctx: AppContext, caller: Caller, reservation_id: uuid.UUID
) -> ReservationView:
    """Give a held reservation's stock back, exactly once (a replay changes nothing).

    Releasing one whose time is up just settles it as ``expired``.

    Raises:
        ReservationClosed: it was committed.
    """
    company_id = _company(caller)
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        conn, row = await _locked(session, caller, company_id, reservation_id)
        lines = await conn.fetch(_LINES, company_id, reservation_id)
        if row.status == "committed":
            raise ReservationClosed(row.id, row.status)
        if row.status in {"released", "expired"}:
            return _view(row, lines, now)
        status = "expired" if now >= row.expires_at else "released"
        await _unhold(conn, company_id, row, lines, now)
        await conn.execute(_CLOSE, company_id, row.id, status, now)
    return _view(replace(row, status=status, updated_at=now, closed_at=now), lines, now)


# ---------------------------------------------------------------- expiry (the job's work)


@dataclass(frozen=True, slots=True)
class Expired:
    """What one cleanup did: reservations settled as expired, and closed ones deleted."""

    expired: int
    lines_released: int
    deleted: int
    batches: int


_CLAIM = """
SELECT company_id, id FROM reservations
WHERE status = 'held' AND expires_at <= $1 AND ($2::uuid IS NULL OR company_id = $2::uuid)
ORDER BY company_id, id
LIMIT $3
FOR UPDATE SKIP LOCKED
"""

_LOCK_CLAIMED_LEVELS = """
SELECT 1 FROM stock_levels AS s
WHERE (s.company_id, s.store_id, s.product_id) IN (
    SELECT rl.company_id, rl.store_id, rl.product_id FROM reservation_lines AS rl
    JOIN unnest($1::uuid[], $2::uuid[]) AS c(company_id, id)
      ON rl.company_id = c.company_id AND rl.reservation_id = c.id
    WHERE rl.held)
ORDER BY s.company_id, s.store_id, s.product_id
FOR NO KEY UPDATE OF s
"""

_RELEASE_CLAIMED = """
WITH released AS (
    UPDATE reservation_lines AS rl SET held = false
    FROM unnest($1::uuid[], $2::uuid[]) AS c(company_id, id)
    WHERE rl.company_id = c.company_id AND rl.reservation_id = c.id AND rl.held
    RETURNING rl.company_id, rl.store_id, rl.product_id, rl.quantity
), per_level AS (
    SELECT company_id, store_id, product_id, sum(quantity) AS quantity, count(*) AS lines
    FROM released GROUP BY company_id, store_id, product_id
), levels AS (
    UPDATE stock_levels AS s SET reserved = s.reserved - p.quantity, updated_at = $3
    FROM per_level AS p
    WHERE s.company_id = p.company_id AND s.store_id = p.store_id
      AND s.product_id = p.product_id
    RETURNING p.lines
)
SELECT coalesce(sum(lines), 0) FROM levels
"""

_SETTLE_CLAIMED = """
UPDATE reservations AS r SET status = 'expired', closed_at = $3, updated_at = $3
FROM unnest($1::uuid[], $2::uuid[]) AS c(company_id, id)
WHERE r.company_id = c.company_id AND r.id = c.id
"""

_DELETE_OLD_LINES = """
DELETE FROM reservation_lines AS rl USING reservations AS r
WHERE rl.company_id = r.company_id AND rl.reservation_id = r.id
  AND r.status <> 'held' AND r.closed_at < $1 AND ($2::uuid IS NULL OR r.company_id = $2::uuid)
"""

_DELETE_OLD = """
DELETE FROM reservations
WHERE status <> 'held' AND closed_at < $1 AND ($2::uuid IS NULL OR company_id = $2::uuid)
"""


async def expire_reservations(
    db: Database,
    now: datetime,
    *,
    company_id: uuid.UUID | None = None,
    retention: timedelta = timedelta(days=30),
    batch: int = 5000,
) -> Expired:
    """Settle every held reservation whose time is up as ``expired``, and delete old ones.

    Availability already ignores expired holds; this gives their counted quantity back to
    ``stock_levels.reserved`` and keeps the table small. Reservations closed more than
    ``retention`` ago are deleted. Each batch is its own transaction; reservations another
    transaction holds (being committed or extended right now) are skipped until next time.

    Args:
        db: the database.
        now: the business time: holds with ``expires_at <= now`` are settled.
        company_id: one company only (an admin's manual run, under its row-level security);
            ``None``: every company (the scheduled run, in the platform session).
        retention: how long closed reservations are kept.
        batch: reservations settled per transaction.
    """
    if batch < 1:
        raise InvalidMovement("batch must be at least 1")
    expired = released = batches = 0
    while True:
        async with _session(db, company_id) as session:
            conn = await driver_connection(session)
            claimed = await conn.fetch(_CLAIM, now, company_id, batch)
            if not claimed:
                break
            companies = [r[0] for r in claimed]
            ids = [r[1] for r in claimed]
            await conn.execute(_LOCK_CLAIMED_LEVELS, companies, ids)
            released += int(await conn.fetchval(_RELEASE_CLAIMED, companies, ids, now))
            await conn.execute(_SETTLE_CLAIMED, companies, ids, now)
        expired += len(claimed)
        batches += 1
        if len(claimed) < batch:
            break
    async with _session(db, company_id) as session:
        conn = await driver_connection(session)
        await conn.execute(_DELETE_OLD_LINES, now - retention, company_id)
        status = await conn.execute(_DELETE_OLD, now - retention, company_id)
    deleted = int(status.split()[-1])
    return Expired(expired=expired, lines_released=released, deleted=deleted, batches=batches)


def _session(db: Database, company_id: uuid.UUID | None) -> Any:
    return db.platform() if company_id is None else db.tenant(company_id)
