"""The one-statement reservation (``stock_reserve``, migration 0004) against real PostgreSQL.

The API tests (``test_reservations.py``) cover what a caller sees; these pin what the
statement itself promises: it runs as the tenant role of the company it is given, leaves a
pooled connection as it found it, refuses another company's transaction, and takes level
rows in key order whatever order the lines come in.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from sync_server.db.session import Database
from sync_server.domain.stock.errors import InsufficientStock, UnknownProduct, UnknownStore
from sync_server.domain.stock.ledger import Movement, apply_movements, driver_connection
from sync_server.domain.stock.services import hold_in
from sync_server.lib.errors import Conflict
from tests.sync_server.stock.conftest import T0, Shop, make_company

pytestmark = pytest.mark.postgres
D = Decimal


@asynccontextmanager
async def bare(db: Database) -> AsyncIterator[Any]:
    """A pooled connection's asyncpg connection with no transaction open."""
    async with db.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        yield raw.driver_connection


async def put(shop: Shop, product: int, qty: int) -> None:
    async with shop.db.tenant(shop.company_id) as session:
        await apply_movements(
            session,
            shop.company_id,
            [Movement(shop.stores[0], shop.products[product], D(qty), "adjustment", None, T0)],
            recorded_at=T0,
        )


async def hold(
    conn: Any,
    shop: Shop,
    lines: list[tuple[uuid.UUID, Decimal]],
    *,
    rid: uuid.UUID | None = None,
    store: uuid.UUID | None = None,
    digest: str = "d" * 64,
) -> tuple[Any, list[tuple[uuid.UUID, Decimal]], bool]:
    return await hold_in(
        conn,
        shop.company_id,
        rid or uuid.uuid4(),
        store or shop.stores[0],
        lines,
        kind="hold",
        reference="test",
        digest=digest,
        expires_at=T0 + timedelta(minutes=15),
        now=T0,
    )


async def reserved(shop: Shop, product: int) -> Decimal:
    async with shop.db.tenant(shop.company_id) as session:
        conn = await driver_connection(session)
        value = await conn.fetchval(
            "SELECT reserved FROM stock_levels WHERE company_id = $1 AND store_id = $2 "
            "AND product_id = $3",
            shop.company_id,
            shop.stores[0],
            shop.products[product],
        )
    return D(value)


async def test_the_statement_leaves_the_pooled_connection_as_it_found_it(shop: Shop) -> None:
    await put(shop, 0, 5)
    async with bare(shop.db) as conn:
        before = await conn.fetchrow("SELECT current_user, current_setting('role')")

        row, lines, made = await hold(conn, shop, [(shop.products[0], D(2))])

        after = await conn.fetchrow(
            "SELECT current_user, current_setting('role'), "
            "coalesce(current_setting('galla.company_id', true), '')"
        )
    assert (made, row.status) == (True, "held")
    assert lines == [(shop.products[0], D(2))]
    assert tuple(after) == (*before, "")
    assert await reserved(shop, 0) == 2


async def test_it_runs_under_row_level_security_for_the_company_it_is_given(
    shop: Shop, database: Database
) -> None:
    other = await make_company(database, "bravo")
    await put(shop, 0, 5)
    async with bare(database) as conn:
        with pytest.raises(UnknownStore):  # alpha's store, seen as bravo: not there
            await hold_in(
                conn,
                other.company_id,
                uuid.uuid4(),
                shop.stores[0],
                [(shop.products[0], D(1))],
                kind="hold",
                reference="test",
                digest="d" * 64,
                expires_at=T0 + timedelta(minutes=15),
                now=T0,
            )
        with pytest.raises(UnknownProduct):  # bravo's store, alpha's product
            await hold_in(
                conn,
                other.company_id,
                uuid.uuid4(),
                other.stores[0],
                [(shop.products[0], D(1))],
                kind="hold",
                reference="test",
                digest="d" * 64,
                expires_at=T0 + timedelta(minutes=15),
                now=T0,
            )
    assert await reserved(shop, 0) == 0


async def test_it_refuses_to_run_inside_another_companys_transaction(
    shop: Shop, database: Database
) -> None:
    other = await make_company(database, "bravo")
    await put(shop, 0, 5)

    async def cross() -> None:
        async with database.tenant(other.company_id) as session:
            await hold(await driver_connection(session), shop, [(shop.products[0], D(1))])

    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="inside company"):
        await cross()
    assert await reserved(shop, 0) == 0


async def test_inside_its_own_companys_transaction_it_holds_until_that_commits(
    shop: Shop,
) -> None:
    await put(shop, 0, 5)
    made: list[bool] = []

    async def give_up() -> None:
        async with shop.db.tenant(shop.company_id) as session:
            made.append((await hold(await driver_connection(session), shop, lines))[2])
            raise RuntimeError("caller gave up")

    lines = [(shop.products[0], D(3))]
    with pytest.raises(RuntimeError, match="caller gave up"):
        await give_up()
    assert made == [True]
    assert await reserved(shop, 0) == 0


async def test_a_short_line_keeps_nothing_and_names_what_is_available(shop: Shop) -> None:
    await put(shop, 0, 5)
    await put(shop, 1, 2)
    rid = uuid.uuid4()
    async with bare(shop.db) as conn:
        with pytest.raises(InsufficientStock) as refused:
            await hold(conn, shop, [(shop.products[0], D(1)), (shop.products[1], D(3))], rid=rid)
        count = await conn.fetchval("SELECT count(*) FROM reservations")
    assert (refused.value.product_id, refused.value.available) == (shop.products[1], D(2))
    assert (await reserved(shop, 0), await reserved(shop, 1), count) == (0, 0, 0)


async def test_a_replay_answers_the_stored_lines_and_a_reused_id_is_refused(shop: Shop) -> None:
    await put(shop, 0, 5)
    rid = uuid.uuid4()
    async with bare(shop.db) as conn:
        await hold(conn, shop, [(shop.products[0], D("1.5"))], rid=rid)

        row, lines, made = await hold(conn, shop, [(shop.products[0], D("1.5"))], rid=rid)
        with pytest.raises(Conflict):
            await hold(conn, shop, [(shop.products[0], D(1))], rid=rid, digest="e" * 64)
    assert (made, row.id, lines) == (False, rid, [(shop.products[0], D("1.5"))])
    assert await reserved(shop, 0) == D("1.5")


async def test_lines_in_any_order_are_taken_in_key_order_without_deadlock(
    shop: Shop,
) -> None:
    for product in range(4):
        await put(shop, product, 1000)
    keys = shop.products[:4]
    orders = [keys, keys[::-1], [keys[2], keys[0], keys[3], keys[1]]]

    async def one(i: int) -> bool:
        async with bare(shop.db) as conn:
            lines = [(p, D(1)) for p in orders[i % len(orders)]]
            return (await hold(conn, shop, lines))[2]

    made = await asyncio.gather(*(one(i) for i in range(30)))

    assert made == [True] * 30
    assert [await reserved(shop, p) for p in range(4)] == [30] * 4
