"""The stock ledger against real PostgreSQL: netting, counts, oversells, errors, concurrency."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import timedelta
from decimal import Decimal

import asyncpg
import pytest
from sqlalchemy import func, select, text

from sync_server.db import models as m
from sync_server.db.embedded import asyncpg_connect_args
from sync_server.db.session import Database
from sync_server.domain.stock.errors import InvalidMovement, UnknownProduct, UnknownStore
from sync_server.domain.stock.ledger import (
    Count,
    LevelChange,
    Movement,
    apply_movements,
    ledger_drift,
    rebuild_levels,
)
from tests.sync_server.stock.conftest import T0, Shop, make_company

pytestmark = pytest.mark.postgres
D = Decimal


def sale(shop: Shop, product: int, qty: str, store: int = 0) -> Movement:
    return Movement(
        store_id=shop.stores[store],
        product_id=shop.products[product],
        quantity=-D(qty),
        reason="sale",
        reference_id=uuid.uuid4(),
        occurred_at=T0,
    )


def put(shop: Shop, product: int, qty: str, store: int = 0, reason: str = "adjustment") -> Movement:
    return Movement(
        store_id=shop.stores[store],
        product_id=shop.products[product],
        quantity=D(qty),
        reason=reason,
        reference_id=None,
        occurred_at=T0,
    )


def count(shop: Shop, product: int, counted: str, store: int = 0) -> Count:
    return Count(
        store_id=shop.stores[store],
        product_id=shop.products[product],
        counted=D(counted),
        reference_id=uuid.uuid4(),
        occurred_at=T0,
    )


async def apply(
    shop: Shop, movements: list[Movement], counts: list[Count] | None = None
) -> list[LevelChange]:
    async with shop.db.tenant(shop.company_id) as session:
        return await apply_movements(
            session, shop.company_id, movements, counts or [], recorded_at=T0
        )


async def on_hand(shop: Shop, product: int, store: int = 0) -> Decimal | None:
    async with shop.db.tenant(shop.company_id) as session:
        level = await session.get(
            m.StockLevel, (shop.company_id, shop.stores[store], shop.products[product])
        )
        return None if level is None else level.on_hand


async def movement_rows(shop: Shop) -> list[tuple[uuid.UUID, Decimal, str]]:
    async with shop.db.tenant(shop.company_id) as session:
        rows = await session.execute(
            select(m.StockMovement.product_id, m.StockMovement.quantity, m.StockMovement.reason)
        )
        return sorted(((r[0], r[1], r[2]) for r in rows), key=lambda r: (str(r[0]), r[1]))


async def test_movements_of_one_key_are_netted_into_one_level_change(shop: Shop) -> None:
    changes = await apply(
        shop, [put(shop, 0, "10"), sale(shop, 0, "2"), sale(shop, 0, "1.5"), sale(shop, 1, "1")]
    )

    by_product = {c.product_id: c for c in changes}
    assert by_product[shop.products[0]].delta == D("6.5")
    assert by_product[shop.products[0]].on_hand_before == 0
    assert by_product[shop.products[0]].on_hand_after == D("6.5")
    assert by_product[shop.products[1]].on_hand_after == D(-1)
    assert await on_hand(shop, 0) == D("6.5")
    assert len(await movement_rows(shop)) == 4  # one row per movement, not per key


async def test_level_changes_come_back_sorted_by_store_then_product(shop: Shop) -> None:
    movements = [sale(shop, p, "1", store=s) for p in range(10) for s in (1, 0)]
    random.Random(3).shuffle(movements)

    changes = await apply(shop, movements)

    keys = [(c.store_id, c.product_id) for c in changes]
    assert keys == sorted(keys)
    assert len(keys) == 20


async def test_a_second_call_starts_from_what_the_first_left(shop: Shop) -> None:
    await apply(shop, [put(shop, 0, "5")])

    [change] = await apply(shop, [sale(shop, 0, "2")])

    assert (change.on_hand_before, change.delta, change.on_hand_after) == (5, -2, 3)


async def test_an_offline_sale_may_take_on_hand_below_zero(shop: Shop) -> None:
    await apply(shop, [put(shop, 0, "1")])

    [change] = await apply(shop, [sale(shop, 0, "3")])

    assert change.on_hand_after == D(-2)
    assert await on_hand(shop, 0) == D(-2)


async def test_a_count_replaces_on_hand_after_the_movements_and_books_the_difference(
    shop: Shop,
) -> None:
    await apply(shop, [put(shop, 0, "10")])

    [change] = await apply(shop, [sale(shop, 0, "3")], [count(shop, 0, "5")])

    assert change.on_hand_before == 10
    assert change.delta == D(-5)  # -3 sold, then -2 found missing by the count
    assert change.on_hand_after == 5
    assert await on_hand(shop, 0) == 5
    rows = await movement_rows(shop)
    assert (shop.products[0], D(-2), "count") in rows
    assert (shop.products[0], D(-3), "sale") in rows


async def test_a_count_of_an_unknown_level_creates_it_with_the_counted_quantity(
    shop: Shop,
) -> None:
    [change] = await apply(shop, [], [count(shop, 4, "12.250")])

    assert (change.on_hand_before, change.delta, change.on_hand_after) == (0, D("12.25"), 12.25)
    assert await on_hand(shop, 4) == D("12.25")


async def test_the_last_of_two_counts_wins_and_each_books_its_own_difference(
    shop: Shop,
) -> None:
    await apply(shop, [put(shop, 0, "10")])

    [change] = await apply(shop, [], [count(shop, 0, "7"), count(shop, 0, "9")])

    assert change.on_hand_after == 9
    counts = [r[1] for r in await movement_rows(shop) if r[2] == "count"]
    assert sorted(counts) == [D(-3), D(2)]


async def test_a_count_that_matches_on_hand_is_still_recorded(shop: Shop) -> None:
    await apply(shop, [put(shop, 0, "4")])

    [change] = await apply(shop, [], [count(shop, 0, "4")])

    assert change.delta == 0
    assert [r for r in await movement_rows(shop) if r[2] == "count"] == [
        (shop.products[0], D(0), "count")
    ]


async def test_reserved_is_reported_and_left_alone(shop: Shop) -> None:
    await apply(shop, [put(shop, 0, "5")])
    async with shop.db.tenant(shop.company_id) as session:
        await session.execute(
            text("UPDATE stock_levels SET reserved = 2 WHERE product_id = :p"),
            {"p": shop.products[0]},
        )

    [change] = await apply(shop, [sale(shop, 0, "1")])

    assert change.reserved == 2


async def test_nothing_to_apply_touches_nothing(shop: Shop) -> None:
    assert await apply(shop, []) == []
    assert await movement_rows(shop) == []


async def test_an_unknown_product_is_named_and_nothing_is_written(shop: Shop) -> None:
    stranger = uuid.uuid4()
    bad = Movement(shop.stores[0], stranger, D(-1), "sale", None, T0)

    with pytest.raises(UnknownProduct) as caught:
        await apply(shop, [sale(shop, 0, "1"), bad])

    assert caught.value.product_id == str(stranger)
    assert str(stranger) in caught.value.detail
    assert await movement_rows(shop) == []
    assert await on_hand(shop, 0) is None


async def test_another_companys_product_is_unknown_here(shop: Shop, database: Database) -> None:
    other = await make_company(database, "beta", products=1)
    theirs = Movement(shop.stores[0], other.products[0], D(-1), "sale", None, T0)

    with pytest.raises(UnknownProduct):
        await apply(shop, [theirs])


async def test_an_unknown_store_is_named(shop: Shop) -> None:
    stranger = uuid.uuid4()
    with pytest.raises(UnknownStore) as caught:
        await apply(shop, [Movement(stranger, shop.products[0], D(-1), "sale", None, T0)])
    assert caught.value.store_id == str(stranger)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": "theft"}, "reason 'theft'"),
        ({"quantity": D("1.0005")}, "more than 3 decimal places"),
        ({"quantity": D("NaN")}, "finite"),
        ({"quantity": D("1e12")}, "too large"),
        ({"occurred_at": T0.replace(tzinfo=None)}, "timezone-aware"),
    ],
)
async def test_a_bad_movement_is_refused_before_anything_is_written(
    shop: Shop, change: dict[str, object], message: str
) -> None:
    fields: dict[str, object] = {
        "store_id": shop.stores[0],
        "product_id": shop.products[0],
        "quantity": D(-1),
        "reason": "sale",
        "reference_id": None,
        "occurred_at": T0,
    }
    fields.update(change)

    with pytest.raises(InvalidMovement, match=message):
        await apply(shop, [sale(shop, 1, "1"), Movement(**fields)])  # type: ignore[arg-type]

    assert await movement_rows(shop) == []


async def test_a_negative_count_is_refused(shop: Shop) -> None:
    with pytest.raises(InvalidMovement, match="negative"):
        await apply(shop, [], [count(shop, 0, "-1")])


async def test_the_ledger_check_finds_a_tampered_level_and_the_rebuild_repairs_it(
    shop: Shop,
) -> None:
    await apply(shop, [put(shop, 0, "8"), sale(shop, 1, "2")])
    async with shop.db.tenant(shop.company_id) as session:
        assert await ledger_drift(session, shop.company_id) == []
        await session.execute(
            text("UPDATE stock_levels SET on_hand = 100 WHERE product_id = :p"),
            {"p": shop.products[0]},
        )

    async with shop.db.tenant(shop.company_id) as session:
        [drift] = await rebuild_levels(session, shop.company_id, recorded_at=T0)
    assert (drift.product_id, drift.on_hand, drift.ledger_sum) == (shop.products[0], 100, 8)
    assert await on_hand(shop, 0) == 8
    async with shop.db.tenant(shop.company_id) as session:
        assert await ledger_drift(session, shop.company_id) == []


async def deadlocks(url: str) -> int:
    conn = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        value = await conn.fetchval(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        )
        return int(value)
    finally:
        await conn.close()


async def test_the_deadlock_counter_does_see_a_deadlock(db_url: str, shop: Shop) -> None:
    """Guards the concurrency test below: the way it reads the counter really sees deadlocks."""
    await apply(shop, [put(shop, 0, "1"), put(shop, 1, "1")])
    before = await deadlocks(db_url)
    a = await asyncpg.connect(**asyncpg_connect_args(db_url))
    b = await asyncpg.connect(**asyncpg_connect_args(db_url))
    lock = "SELECT 1 FROM stock_levels WHERE product_id = $1 FOR UPDATE"
    try:
        await a.execute("SET deadlock_timeout = '100ms'")
        await b.execute("SET deadlock_timeout = '100ms'")
        ta, tb = a.transaction(), b.transaction()
        await ta.start()
        await tb.start()
        await a.execute(lock, shop.products[0])
        await b.execute(lock, shop.products[1])
        outcome = await asyncio.gather(
            a.execute(lock, shop.products[1]),
            b.execute(lock, shop.products[0]),
            return_exceptions=True,
        )
        assert any(isinstance(o, asyncpg.DeadlockDetectedError) for o in outcome)
    finally:
        await a.close()
        await b.close()  # closing flushes the backends' statistics
    for _ in range(50):
        if await deadlocks(db_url) > before:
            break
        await asyncio.sleep(0.1)
    assert await deadlocks(db_url) == before + 1


async def test_concurrent_overlapping_batches_never_deadlock_and_levels_equal_the_ledger(
    db_url: str, database: Database
) -> None:
    shop = await make_company(database, "hot", stores=2, products=40)
    rng = random.Random(8)
    batches = []
    expected: dict[tuple[uuid.UUID, uuid.UUID], Decimal] = {}
    for _ in range(48):
        movements = []
        for _ in range(60):  # heavy overlap: 60 lines over 80 keys, in random order
            mv = sale(shop, rng.randrange(40), str(rng.randint(1, 3)), store=rng.randrange(2))
            movements.append(mv)
            key = (mv.store_id, mv.product_id)
            expected[key] = expected.get(key, D(0)) + mv.quantity
        batches.append(movements)
    before = await deadlocks(db_url)

    async def worker(mine: list[list[Movement]]) -> None:
        for movements in mine:
            await apply(shop, movements)
            await asyncio.sleep(0)

    await asyncio.gather(*(worker(batches[i::8]) for i in range(8)))
    await database.dispose()  # the backends exit and flush their statistics

    assert await deadlocks(db_url) == before
    async with database.tenant(shop.company_id) as session:
        assert await ledger_drift(session, shop.company_id) == []
        rows = await session.execute(
            select(m.StockLevel.store_id, m.StockLevel.product_id, m.StockLevel.on_hand)
        )
        levels = {(r[0], r[1]): r[2] for r in rows}
        total = await session.scalar(select(func.count()).select_from(m.StockMovement))
    assert levels == expected
    assert total == 48 * 60


async def test_concurrent_first_touches_of_new_levels_do_not_collide(database: Database) -> None:
    shop = await make_company(database, "fresh", stores=1, products=30)

    async def one(seed: int) -> None:
        order = list(range(30))
        random.Random(seed).shuffle(order)
        await apply(shop, [sale(shop, p, "1") for p in order])

    await asyncio.gather(*(one(s) for s in range(10)))

    for p in range(30):
        assert await on_hand(shop, p) == D(-10)


async def test_recorded_at_and_occurred_at_are_kept(shop: Shop) -> None:
    later = T0 + timedelta(days=2)
    async with shop.db.tenant(shop.company_id) as session:
        await apply_movements(session, shop.company_id, [sale(shop, 0, "1")], recorded_at=later)
    async with shop.db.tenant(shop.company_id) as session:
        row = (await session.scalars(select(m.StockMovement))).one()
    assert (row.occurred_at, row.recorded_at) == (T0, later)
