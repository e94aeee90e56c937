"""The pull cursor never skips a change committed by a concurrent transaction.

The scenario is the classic one: transaction A records a change first and commits last,
transaction B records second and commits first, and a pull runs in between. With a plain
``bigserial`` the pull sees B's seq, returns a cursor past A's, and A's change is never
pulled; the first test shows that happens for real on this PostgreSQL, so the second one,
run through the same steps on the change feed, is a test that could fail.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import date
from decimal import Decimal

import asyncpg
import pytest

from shared.protocol import GstRateData, ProductData, PullPage, decode
from sync_server.db.embedded import asyncpg_connect_args
from sync_server.domain.changes.services import (
    Changed,
    read_page,
    record_changes,
    record_global_changes,
)
from sync_server.lib.context import AppContext
from tests.sync_server.conftest import Server
from tests.sync_server.pull.helpers import Shop, make_shop

BLOCKED = 0.3


def product(name: str) -> ProductData:
    return ProductData(code=name[:64], name=name, hsn="1006", unit="pcs", price_includes_tax=True)


async def _pull(ctx: AppContext, shop: Shop, cursor: str | None) -> PullPage:
    async with ctx.db.tenant(shop.company_id) as session:
        page = await read_page(
            session, ctx.key, shop.company_id, shop.a1.store_id, cursor=cursor, limit=100
        )
    return decode(page.body, PullPage)


async def test_a_plain_bigserial_cursor_does_skip_a_change_committed_out_of_order(
    db_url: str,
) -> None:
    a = await asyncpg.connect(**asyncpg_connect_args(db_url))
    b = await asyncpg.connect(**asyncpg_connect_args(db_url))
    reader = await asyncpg.connect(**asyncpg_connect_args(db_url))
    try:
        await reader.execute("CREATE TABLE naive_log (seq bigserial PRIMARY KEY, what text)")
        await a.execute("BEGIN")
        await a.execute("INSERT INTO naive_log (what) VALUES ('A')")  # takes seq 1
        await b.execute("BEGIN")
        await b.execute("INSERT INTO naive_log (what) VALUES ('B')")  # takes seq 2
        await b.execute("COMMIT")  # B commits first
        seen = await reader.fetch("SELECT seq, what FROM naive_log WHERE seq > 0 ORDER BY seq")
        cursor = max(r["seq"] for r in seen)
        await a.execute("COMMIT")  # A commits last, behind the cursor
        after = await reader.fetch("SELECT what FROM naive_log WHERE seq > $1", cursor)
        assert [r["what"] for r in seen] == ["B"]
        assert after == []  # A's change is lost to this reader for ever
        assert await reader.fetchval("SELECT what FROM naive_log WHERE seq = 1") == "A"
    finally:
        for conn in (a, b, reader):
            await conn.close()


async def test_a_pull_between_out_of_order_commits_never_returns_a_cursor_past_the_first(
    server: Server, shop: Shop
) -> None:
    ctx = server.ctx
    start = (await _pull(ctx, shop, None)).next_cursor
    first, second = uuid.uuid4(), uuid.uuid4()
    a_recorded = asyncio.Event()
    a_may_commit = asyncio.Event()

    async def transaction_a() -> None:
        async with ctx.db.tenant(shop.company_id) as session:  # its own connection
            await record_changes(
                session, shop.company_id, [Changed("product", first, product("A"), 1)], ctx.clock()
            )
            a_recorded.set()
            await a_may_commit.wait()

    async def transaction_b() -> None:
        async with ctx.db.tenant(shop.company_id) as session:  # another connection
            await record_changes(
                session, shop.company_id, [Changed("product", second, product("B"), 1)], ctx.clock()
            )

    task_a = asyncio.create_task(transaction_a())
    await a_recorded.wait()
    task_b = asyncio.create_task(transaction_b())  # records second, wants to commit first
    done, _ = await asyncio.wait({task_b}, timeout=BLOCKED)
    assert not done, "B must wait for A's seq to commit before it can take its own"
    between = await _pull(ctx, shop, start)  # the pull in between
    assert between.changes == ()
    a_may_commit.set()
    await asyncio.gather(task_a, task_b)
    later = await _pull(ctx, shop, between.next_cursor)
    assert [c.entity_id for c in later.changes] == [first, second]
    assert later.has_more is False


async def test_a_rolled_back_writer_leaves_no_hole_and_no_loss(server: Server, shop: Shop) -> None:
    ctx = server.ctx
    start = (await _pull(ctx, shop, None)).next_cursor
    kept = uuid.uuid4()

    async def failing_write() -> None:
        async with ctx.db.tenant(shop.company_id) as session:
            await record_changes(
                session,
                shop.company_id,
                [Changed("product", uuid.uuid4(), product("X"), 1)],
                ctx.clock(),
            )
            raise RuntimeError("the write failed after recording")

    with pytest.raises(RuntimeError):
        await failing_write()
    async with ctx.db.tenant(shop.company_id) as session:
        await record_changes(
            session, shop.company_id, [Changed("product", kept, product("K"), 1)], ctx.clock()
        )
    page = await _pull(ctx, shop, start)
    assert [c.entity_id for c in page.changes] == [kept]


async def test_concurrent_writers_and_a_pulling_till_agree_on_every_change(
    server: Server, shop: Shop
) -> None:
    """Eight writers update their products over and over while a till pulls in a loop."""
    ctx = server.ctx
    ids = [uuid.uuid4() for _ in range(40)]
    versions = dict.fromkeys(ids, 0)
    rng = random.Random(7)

    async def writer(n: int) -> None:
        # each writer owns five products (as a row lock would make it); the feed orders all
        own = ids[n * 5 : n * 5 + 5]
        for i in range(15):
            batch = []
            for entity_id in rng.sample(own, 2):
                versions[entity_id] += 1
                batch.append(
                    Changed("product", entity_id, product(f"{n}-{i}"), versions[entity_id])
                )
            async with ctx.db.tenant(shop.company_id) as session:
                await record_changes(session, shop.company_id, batch, ctx.clock())
                await asyncio.sleep(rng.random() * 0.01)  # commit late, in any order

    seen: dict[uuid.UUID, int] = {}
    stop = asyncio.Event()

    async def till() -> str | None:
        cursor = None
        while True:
            finishing = stop.is_set()
            page = await _pull(ctx, shop, cursor)
            for change in page.changes:
                if change.entity_id not in versions:
                    continue  # the shop's own store settings
                assert change.version >= seen.get(change.entity_id, 0)
                seen[change.entity_id] = change.version
            cursor = page.next_cursor
            if finishing and not page.has_more:
                return cursor
            await asyncio.sleep(0)

    puller = asyncio.create_task(till())
    await asyncio.gather(*(writer(n) for n in range(8)))
    stop.set()
    await puller
    assert seen == {i: v for i, v in versions.items() if v}


async def test_writers_of_another_company_never_wait_for_the_lock(
    server: Server, shop: Shop
) -> None:
    ctx = server.ctx
    other = await make_shop(server, "bravo")
    a_recorded = asyncio.Event()
    a_may_commit = asyncio.Event()

    async def alpha() -> None:
        async with ctx.db.tenant(shop.company_id) as session:
            await record_changes(
                session,
                shop.company_id,
                [Changed("product", uuid.uuid4(), product("A"), 1)],
                ctx.clock(),
            )
            a_recorded.set()
            await a_may_commit.wait()

    async def bravo() -> None:
        async with ctx.db.tenant(other.company_id) as session:
            await record_changes(
                session,
                other.company_id,
                [Changed("product", uuid.uuid4(), product("B"), 1)],
                ctx.clock(),
            )

    task_a = asyncio.create_task(alpha())
    await a_recorded.wait()
    await asyncio.wait_for(bravo(), timeout=5)  # commits while alpha still holds its lock
    assert not task_a.done()
    a_may_commit.set()
    await task_a


async def test_the_global_feed_orders_its_writers_the_same_way(server: Server, shop: Shop) -> None:
    ctx = server.ctx
    start = (await _pull(ctx, shop, None)).next_cursor
    first, second = uuid.uuid4(), uuid.uuid4()
    a_recorded = asyncio.Event()
    a_may_commit = asyncio.Event()

    def rate(hsn: str) -> GstRateData:
        return GstRateData(hsn=hsn, rate=Decimal(5), effective_from=date(2030, 1, 1))

    async def transaction_a() -> None:
        async with ctx.db.platform() as session:
            await record_global_changes(
                session, [Changed("gst_rate", first, rate("1001"))], ctx.clock()
            )
            a_recorded.set()
            await a_may_commit.wait()

    async def transaction_b() -> None:
        async with ctx.db.platform() as session:
            await record_global_changes(
                session, [Changed("gst_rate", second, rate("1002"))], ctx.clock()
            )

    task_a = asyncio.create_task(transaction_a())
    await a_recorded.wait()
    task_b = asyncio.create_task(transaction_b())
    done, _ = await asyncio.wait({task_b}, timeout=BLOCKED)
    assert not done
    between = await _pull(ctx, shop, start)
    assert between.changes == ()
    a_may_commit.set()
    await asyncio.gather(task_a, task_b)
    later = await _pull(ctx, shop, between.next_cursor)
    assert [(c.entity_id, c.version) for c in later.changes] == [(first, 1), (second, 1)]
