"""The demo seed (``galla-server dev``) gives a till something real to pull."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from shared.protocol import PullPage, decode
from sync_server.db import models as m
from sync_server.domain.changes.services import read_page
from sync_server.seed import DEMO_SLUG, seed_demo
from tests.sync_server.conftest import Server


async def test_a_demo_till_pulls_the_catalog_rates_its_store_and_its_cashier(
    server: Server,
) -> None:
    ctx = server.ctx
    await seed_demo(ctx)
    async with ctx.db.platform() as session:
        company = await session.scalar(select(m.Company.id).where(m.Company.slug == DEMO_SLUG))
        assert company is not None
        mumbai = await session.scalar(select(m.Store.id).where(m.Store.code == "MUM1"))
        assert mumbai is not None
    changes = []
    cursor = None
    while True:
        async with ctx.db.tenant(company) as session:
            page = decode(
                (
                    await read_page(session, ctx.key, company, mumbai, cursor=cursor, limit=5000)
                ).body,
                PullPage,
            )
        changes.extend(page.changes)
        cursor = page.next_cursor
        if not page.has_more:
            break
    kinds = Counter(c.__struct_config__.tag for c in changes)  # type: ignore[attr-defined]
    assert (kinds["product"], kinds["barcode"], kinds["price"]) == (200, 200, 200)
    assert kinds["store_settings"] == 1  # Mumbai's own; Bengaluru's stays with Bengaluru
    assert kinds["gst_rate"] >= 20
    users = [c.data for c in changes if c.__struct_config__.tag == "user"]  # type: ignore[attr-defined]
    assert [(u.name, u.role) for u in users if u is not None] == [
        ("Asha (cashier, Mumbai)", "cashier")
    ]
    await seed_demo(ctx)  # idempotent: a second run adds nothing to the feed
    async with ctx.db.tenant(company) as session:
        again = decode(
            (await read_page(session, ctx.key, company, mumbai, cursor=cursor, limit=10)).body,
            PullPage,
        )
    assert again.changes == ()
