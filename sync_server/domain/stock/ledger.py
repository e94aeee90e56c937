"""The stock ledger: signed movements in, per-store levels kept as their running sum.

``stock_movements`` is append-only and ``stock_levels.on_hand`` is its projection: for every
(store, product), ``on_hand`` equals the sum of that key's movement quantities
(:func:`ledger_drift` checks it). :func:`apply_movements` is the one way stock changes.

It is built for the push path (tens of thousands of sale lines a second), so it runs a fixed
handful of set-based statements per call whatever the batch size, through the session's
asyncpg connection, each taking its rows as one JSON parameter (:mod:`sync_server.db.bulk`):

1. one ``INSERT INTO stock_levels ... SELECT ... ORDER BY store_id, product_id ON CONFLICT
   DO UPDATE SET on_hand = on_hand + delta RETURNING ...``: it makes the missing level rows,
   locks every touched row and applies each key's net change, *in key order*. Rows are
   inserted or locked one at a time in the order the sorted ``SELECT`` yields them, so this is
   the same fixed-order lock as a separate ``SELECT ... ORDER BY ... FOR UPDATE`` (concurrent
   batches over overlapping products wait for each other but never deadlock), for one
   statement and one index probe per key instead of three. Every writer of ``stock_levels``
   (pushes, reservations, transfers, the cleanup job) locks level rows in this one order;
2. only when there are counts: one ``UPDATE ... FROM`` the rows for the count
   differences, on rows the first statement already holds;
3. one ``INSERT INTO stock_movements ... SELECT`` for the movement rows,
   counts included (their ids: one UUIDv7 per call, numbered per row by the database).

Counts are applied after the movements of the same call: a count's booked difference is the
counted quantity minus on hand at that point, so the count's figure is what remains.

There is no ``on_hand >= 0`` rule: an offline sale may take stock below zero and is still
accepted (DESIGN.md, conflict rules); the caller raises the oversell exception from the
returned :class:`LevelChange` values.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sync_server.db.bulk import json_rows, json_table
from sync_server.domain.stock.errors import InvalidMovement, UnknownProduct, UnknownStore
from sync_server.lib.ids import new_id

__all__ = (
    "REASONS",
    "Count",
    "Drift",
    "LevelChange",
    "Movement",
    "apply_movements",
    "driver_connection",
    "ledger_drift",
    "rebuild_levels",
)

REASONS = frozenset(
    {
        "sale",
        "void",
        "refund",
        "count",
        "transfer_out",
        "transfer_in",
        "reservation",
        "adjustment",
    }
)
"""Why stock moved; ``stock_movements.reason`` holds one of these."""

_MAX_DIGITS = 11  # numeric(14, 3): 11 whole digits
_ZERO = Decimal(0)

Key = tuple[uuid.UUID, uuid.UUID]
"""A stock level's key: ``(store_id, product_id)``."""


@dataclass(frozen=True, slots=True)
class Movement:
    """A signed change to on-hand stock.

    Attributes:
        quantity: negative takes stock out (a sale), positive puts it back (a void, refund).
        reason: one of :data:`REASONS`.
        reference_id: the sale, refund, count, transfer or reservation it came from.
    """

    store_id: uuid.UUID
    product_id: uuid.UUID
    quantity: Decimal
    reason: str
    reference_id: uuid.UUID | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Count:
    """A stock count: ``counted`` replaces on hand, and the ledger books the difference."""

    store_id: uuid.UUID
    product_id: uuid.UUID
    counted: Decimal
    reference_id: uuid.UUID | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class LevelChange:
    """What one call did to one stock level.

    Attributes:
        delta: the net change this call made (movements plus count differences).
        on_hand_before: on hand when the row was locked, before this call's changes.
        on_hand_after: on hand after them (may be negative: an oversell).
        reserved: the level's reserved counter (this call does not change it).
    """

    store_id: uuid.UUID
    product_id: uuid.UUID
    delta: Decimal
    on_hand_before: Decimal
    on_hand_after: Decimal
    reserved: Decimal


@dataclass(frozen=True, slots=True)
class Drift:
    """A stock level whose ``on_hand`` differs from the sum of its movements."""

    store_id: uuid.UUID
    product_id: uuid.UUID
    on_hand: Decimal
    ledger_sum: Decimal


_UPSERT = """
INSERT INTO stock_levels AS l (company_id, store_id, product_id, on_hand, reserved, updated_at)
SELECT $1::uuid, k.store_id, k.product_id, k.delta, 0, $3::timestamptz
FROM {rows} AS k
{checks}
ORDER BY k.store_id, k.product_id
ON CONFLICT (company_id, store_id, product_id)
DO UPDATE SET on_hand = l.on_hand + excluded.on_hand, updated_at = excluded.updated_at
RETURNING l.store_id, l.product_id, l.on_hand, l.reserved
"""
_CHECKS = """
WHERE EXISTS (SELECT 1 FROM products AS p WHERE p.company_id = $1::uuid AND p.id = k.product_id)
  AND EXISTS (SELECT 1 FROM stores AS s WHERE s.company_id = $1::uuid AND s.id = k.store_id)
"""
_KEY_ROWS = json_table("$2", "store_id uuid, product_id uuid, delta numeric")
_UPSERT_CHECKED = _UPSERT.format(rows=_KEY_ROWS, checks=_CHECKS)
_UPSERT_KNOWN = _UPSERT.format(rows=_KEY_ROWS, checks="")

_KNOWN = """
SELECT (SELECT array_agg(id) FROM products WHERE company_id = $1::uuid AND id = ANY($3::uuid[])),
       (SELECT array_agg(id) FROM stores WHERE company_id = $1::uuid AND id = ANY($2::uuid[]))
"""

_SET_COUNTED = f"""
UPDATE stock_levels AS l
SET on_hand = l.on_hand + d.delta
FROM {_KEY_ROWS} AS d
WHERE l.company_id = $1::uuid AND l.store_id = d.store_id AND l.product_id = d.product_id
"""  # noqa: S608 - a bulk.json_table constant

_INSERT_MOVEMENTS = """
INSERT INTO stock_movements
    (company_id, id, store_id, product_id, quantity, reason, reference_id, occurred_at,
     recorded_at)
SELECT $1::uuid, ($2::text || lpad(to_hex(r.n - 1), 8, '0'))::uuid, r.store_id, r.product_id,
       r.quantity, r.reason, r.reference_id, r.occurred_at, $4::timestamptz
FROM {rows} AS r
""".format(
    rows=json_table(
        "$3",
        "store_id uuid, product_id uuid, quantity numeric, reason text, reference_id uuid, "
        "occurred_at timestamptz",
        ordinality="n",
    )
)


async def driver_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under ``session``'s open transaction (for set-based SQL).

    Statements sent on it run in the session's transaction, under its role and tenant.
    """
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


def _check_quantity(value: Decimal, what: str, index: int) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidMovement(f"{what} {index}: quantity must be a finite Decimal, got {value!r}")
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if exponent < -3:
        raise InvalidMovement(f"{what} {index}: quantity {value} has more than 3 decimal places")
    if len(digits) + exponent > _MAX_DIGITS:
        raise InvalidMovement(f"{what} {index}: quantity {value} is too large")


def _check_time(value: datetime, what: str, index: int) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidMovement(f"{what} {index}: occurred_at must be a timezone-aware datetime")


async def _unknown_reference(conn: Any, company_id: uuid.UUID, missing: list[Key]) -> Exception:
    """The domain error naming the first id of ``missing`` that is not the company's."""
    products, stores = await conn.fetchrow(
        _KNOWN, company_id, [k[0] for k in missing], [k[1] for k in missing]
    )
    known_products, known_stores = set(products or ()), set(stores or ())
    for store_id, product_id in missing:
        if product_id not in known_products:
            return UnknownProduct(product_id)
        if store_id not in known_stores:
            return UnknownStore(store_id)
    raise AssertionError(f"stock levels {missing} vanished while locked")  # pragma: no cover


async def apply_movements(
    session: AsyncSession,
    company_id: uuid.UUID,
    movements: Sequence[Movement],
    counts: Sequence[Count] = (),
    *,
    recorded_at: datetime,
    ids_checked: bool = False,
) -> list[LevelChange]:
    """Book ``movements`` and ``counts`` in the ledger and move the stock levels they touch.

    Runs inside the caller's open tenant transaction (``Database.tenant(company_id)``); the
    touched ``stock_levels`` rows stay locked until the caller commits. Two statements run
    whatever the size of the batch (three with counts, none when both sequences are empty).

    Args:
        session: the caller's tenant session for ``company_id``.
        company_id: the company whose stock moves.
        movements: signed changes; several may touch the same key (they are netted).
        counts: counted quantities, applied after the movements, in the order given.
        recorded_at: when the server books them (``stock_movements.recorded_at``).
        ids_checked: the caller has read, in this transaction, that every product and store
            named is the company's (the push does, before it books anything), so the level
            upsert skips its two existence checks (a third of its time on a 400-line batch).

    Returns:
        One :class:`LevelChange` per touched (store, product), sorted by that key.

    Raises:
        InvalidMovement: a reason outside :data:`REASONS`, a non-finite, over-precise
            (more than 3 decimals) or too large quantity, a negative count, or a naive time.
            Nothing is written.
        UnknownProduct / UnknownStore: an id that is not the company's. Level rows may
            have been made for the other keys, so the caller must roll back (leaving a
            ``Database.tenant`` block by this exception does).
    """
    if not movements and not counts:
        return []
    _validate(movements, counts)
    # keys as ints: hashing and sorting uuid.UUID objects is slow Python code
    net: dict[tuple[int, int], Decimal] = {}
    named: dict[tuple[int, int], Key] = {}
    for mv in movements:
        key = (mv.store_id.int, mv.product_id.int)
        if key in net:
            net[key] += mv.quantity
        else:
            net[key] = mv.quantity
            named[key] = (mv.store_id, mv.product_id)
    for count in counts:
        key = (count.store_id.int, count.product_id.int)
        if key not in net:
            net[key] = _ZERO
            named[key] = (count.store_id, count.product_id)

    keys = sorted(net)
    conn = await driver_connection(session)
    # unknown ids are left out here (a foreign-key failure would abort the caller's
    # transaction and, under RLS, not even say which id), then named below
    rows = await conn.fetch(
        _UPSERT_KNOWN if ids_checked else _UPSERT_CHECKED,
        company_id,
        json_rows([(*named[k], net[k]) for k in keys]),
        recorded_at,
    )
    after = {(r[0].int, r[1].int): (r[2], r[3]) for r in rows}
    if len(after) != len(keys):
        missing = [named[k] for k in keys if k not in after]
        raise await _unknown_reference(conn, company_id, missing)
    before = {k: after[k][0] - net[k] for k in keys}

    count_quantities: list[Decimal] = []
    if counts:
        running: dict[tuple[int, int], Decimal] = {}
        for count in counts:
            key = (count.store_id.int, count.product_id.int)
            current = running.get(key, after[key][0])
            count_quantities.append(count.counted - current)
            running[key] = count.counted
        extra = {k: running[k] - after[k][0] for k in running}
        changed = sorted(k for k, d in extra.items() if d != 0)
        if changed:  # the upsert holds these rows' locks already
            await conn.execute(
                _SET_COUNTED, company_id, json_rows([(*named[k], extra[k]) for k in changed])
            )
        for k, d in extra.items():
            net[k] += d

    # one UUIDv7 for the batch; the database numbers the rows in its last 32 bits
    rows_out = [
        (mv.store_id, mv.product_id, mv.quantity, mv.reason, mv.reference_id, mv.occurred_at)
        for mv in movements
    ]
    rows_out += [
        (c.store_id, c.product_id, q, "count", c.reference_id, c.occurred_at)
        for c, q in zip(counts, count_quantities, strict=True)
    ]
    await conn.execute(
        _INSERT_MOVEMENTS, company_id, new_id().hex[:24], json_rows(rows_out), recorded_at
    )

    return [
        LevelChange(
            store_id=named[key][0],
            product_id=named[key][1],
            delta=net[key],
            on_hand_before=before[key],
            on_hand_after=before[key] + net[key],
            reserved=after[key][1],
        )
        for key in keys
    ]


def _validate(movements: Sequence[Movement], counts: Sequence[Count]) -> None:
    """Refuse the batch before any statement runs (distinct values are checked once)."""
    quantities: set[Decimal] = set()
    times: set[datetime] = set()
    for i, mv in enumerate(movements):
        if mv.reason not in REASONS:
            raise InvalidMovement(
                f"movement {i}: reason {mv.reason!r} is not one of {sorted(REASONS)}"
            )
        q = mv.quantity
        if type(q) is not Decimal or q not in quantities:
            _check_quantity(q, "movement", i)
            quantities.add(q)
        if mv.occurred_at not in times:
            _check_time(mv.occurred_at, "movement", i)
            times.add(mv.occurred_at)
    for i, count in enumerate(counts):
        _check_quantity(count.counted, "count", i)
        _check_time(count.occurred_at, "count", i)
        if count.counted < 0:
            raise InvalidMovement(f"count {i}: counted quantity {count.counted} is negative")


_DRIFT = """
SELECT coalesce(l.store_id, s.store_id), coalesce(l.product_id, s.product_id),
       coalesce(l.on_hand, 0), coalesce(s.total, 0)
FROM (SELECT store_id, product_id, on_hand FROM stock_levels WHERE company_id = $1::uuid) AS l
FULL JOIN (
    SELECT store_id, product_id, sum(quantity) AS total
    FROM stock_movements WHERE company_id = $1::uuid
    GROUP BY store_id, product_id
) AS s ON s.store_id = l.store_id AND s.product_id = l.product_id
WHERE coalesce(l.on_hand, 0) <> coalesce(s.total, 0)
ORDER BY 1, 2
"""


async def ledger_drift(session: AsyncSession, company_id: uuid.UUID) -> list[Drift]:
    """Every stock level of ``company_id`` whose on hand is not the sum of its movements.

    An empty list means the levels are exactly the ledger's projection. Reads the whole
    company's ledger: an admin check, not a hot path.
    """
    conn = await driver_connection(session)
    rows = await conn.fetch(_DRIFT, company_id)
    return [Drift(r[0], r[1], r[2], r[3]) for r in rows]


_REBUILD = """
WITH totals AS (
    SELECT store_id, product_id, sum(quantity) AS total
    FROM stock_movements WHERE company_id = $1::uuid
    GROUP BY store_id, product_id
), locked AS (
    SELECT l.store_id, l.product_id FROM stock_levels AS l
    WHERE l.company_id = $1::uuid
    ORDER BY l.store_id, l.product_id
    FOR UPDATE
)
UPDATE stock_levels AS l
SET on_hand = coalesce(t.total, 0), updated_at = $2::timestamptz
FROM locked LEFT JOIN totals AS t
  ON t.store_id = locked.store_id AND t.product_id = locked.product_id
WHERE l.company_id = $1::uuid AND l.store_id = locked.store_id
  AND l.product_id = locked.product_id AND l.on_hand <> coalesce(t.total, 0)
"""


async def rebuild_levels(
    session: AsyncSession, company_id: uuid.UUID, *, recorded_at: datetime
) -> list[Drift]:
    """Reset every drifted ``on_hand`` of ``company_id`` to the sum of its movements.

    Returns what was wrong before the repair (as :func:`ledger_drift` saw it). Every movement
    row has a level row (``apply_movements`` makes it first), so a sum never lacks a level.
    """
    drift = await ledger_drift(session, company_id)
    if drift:
        conn = await driver_connection(session)
        await conn.execute(_REBUILD, company_id, recorded_at)
    return drift
