"""Concurrent pushes over overlapping products: exact stock, no deadlock, no double booking."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy import text

from sync_server.domain.stock.ledger import ledger_drift
from sync_server.domain.sync.push import push, read_batch
from sync_server.lib.principal import TerminalPrincipal
from tests.sync_server.conftest import Server
from tests.sync_server.sync.conftest import FakeTill, make_shop


async def deadlocks(server: Server) -> int:
    """This database's deadlock count (statistics are flushed about once a second)."""
    await asyncio.sleep(1.1)
    async with server.ctx.db.engine.connect() as conn:
        await conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        value = await conn.scalar(
            text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        )
    return int(value or 0)


async def test_eight_concurrent_pushers_keep_the_ledger_exact_and_never_deadlock(
    server: Server,
) -> None:
    shop = await make_shop(server, "busy", n_items=12)
    tills: list[FakeTill] = [await shop.till(f"A1T{n}") for n in range(8)]
    rng = random.Random(11)
    plans = []
    for till in tills:
        events = [till.open_shift()]
        for _ in range(300):
            basket = rng.sample(shop.items, 4)  # overlapping products, random lock order
            events.append(till.sale([(item, rng.randint(1, 3)) for item in basket]))
        plans.append((till, [till.batch(events[i : i + 100]) for i in range(0, len(events), 100)]))
    principals = {
        till.terminal_id: TerminalPrincipal(
            company_id=shop.tenant.company_id,
            terminal_id=till.terminal_id,
            store_id=shop.store_id,
            code=till.code,
        )
        for till in tills
    }
    before = await deadlocks(server)

    async def pusher(till: FakeTill, bodies: list[bytes]) -> None:
        principal = principals[till.terminal_id]
        for body in bodies + bodies[:2]:  # and two replays each, racing the others
            await push(server.ctx, principal, read_batch(body, principal))

    await asyncio.gather(*(pusher(till, bodies) for till, bodies in plans))
    assert await deadlocks(server) == before

    sold = dict(
        await shop.sql("SELECT product_id, sum(quantity) FROM sale_lines GROUP BY product_id")
    )
    expected_units = sum(
        line.quantity
        for till, bodies in plans
        for body in bodies
        for event in read_batch(body, principals[till.terminal_id]).events
        for line in getattr(event.payload, "lines", ())  # type: ignore[union-attr]
    )
    assert sum(sold.values()) == expected_units
    for item in shop.items:
        assert await shop.on_hand(item) == 100 - sold.get(item.product_id, 0)
    async with server.ctx.db.tenant(shop.tenant.company_id) as session:
        assert await ledger_drift(session, shop.tenant.company_id) == []
    assert await shop.sql("SELECT count(*) FROM sales") == [(8 * 300,)]
    assert await shop.sql("SELECT count(*) FROM applied_events") == [(8 * 301,)]
    oversold = await shop.sql("SELECT count(*) FROM sync_exceptions WHERE kind = 'oversell'")
    assert oversold[0][0] > 0  # 12 products x 100 units cannot cover 2,400 baskets
    marks = await shop.sql("SELECT last_event_seq FROM terminals ORDER BY 1")
    assert marks == [(301,)] * 8
