"""GET /api/v1/sync/snapshot: the feed's live entities and a cursor from one database snapshot."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from sqlalchemy import text

from shared.protocol import (
    ProductData,
    SnapshotBatch,
    decode_snapshot_batch,
    decode_snapshot_end,
    decode_snapshot_head,
)
from sync_server.domain.changes import snapshot as snapshot_module
from sync_server.domain.changes.services import Changed, record_changes
from sync_server.domain.changes.snapshot import stream_snapshot
from sync_server.lib.principal import TerminalPrincipal
from tests.sync_server.pull.helpers import PULL, Shop, Till, apply, make_shop, pull_all
from tests.sync_server.pull.test_pull import add_products, add_user

SNAPSHOT = "/api/v1/sync/snapshot"
PRODUCTS = "/api/v1/catalog/products"


def parse(body: bytes) -> tuple[str, list[Any]]:
    """A snapshot body's cursor and its changes, checked as a till checks them."""
    lines = body.rstrip(b"\n").split(b"\n")
    head = decode_snapshot_head(lines[0])
    end = decode_snapshot_end(lines[-1])
    batches: list[SnapshotBatch] = [decode_snapshot_batch(line) for line in lines[1:-1]]
    changes: list[Any] = []
    for batch in batches:
        changes += [*batch.products, *batch.barcodes, *batch.prices, *batch.others]
    assert end is not None
    assert end.changes == len(changes)
    return head.cursor, changes


async def snapshot(shop: Shop, till: Till) -> tuple[str, list[Any]]:
    response = await shop.server.client.get(SNAPSHOT, headers=till.auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return parse(response.content)


def state(changes: list[Any]) -> dict[tuple[str, str], tuple[int, Any]]:
    """(kind, id) -> (version, data as JSON values), whatever struct carried it."""
    return {
        (c.__struct_config__.tag, str(c.entity_id)): (
            c.version,
            msgspec.json.decode(msgspec.json.encode(c.data)),
        )
        for c in changes
    }


def terminal(shop: Shop, till: Till) -> TerminalPrincipal:
    return TerminalPrincipal(
        company_id=shop.company_id, terminal_id=till.terminal_id, store_id=till.store_id, code="T"
    )


async def a_product(shop: Shop, sku: str, paise: int = 1000) -> dict[str, Any]:
    made: dict[str, Any] = await shop.ok(
        "POST",
        PRODUCTS,
        {"sku": sku, "name": f"Item {sku}", "hsn": "3401", "price_paise": paise},
        status=201,
    )
    return made


async def test_the_snapshot_holds_exactly_what_pulling_the_whole_feed_leaves(shop: Shop) -> None:
    ids = await add_products(shop, 4)
    await add_user(shop, [{"role": "cashier", "store_id": str(shop.a1.store_id)}])
    await add_user(shop, [{"role": "cashier", "store_id": str(shop.a2.store_id)}])
    # a product deleted, a barcode removed, a store price of A2 and a re-priced product
    assert (await shop.api("DELETE", f"{PRODUCTS}/{ids[0]}")).status_code == 204
    assert (await shop.api("DELETE", f"{PRODUCTS}/{ids[1]}/barcodes/P-1")).status_code == 204
    await shop.ok(
        "POST",
        f"{PRODUCTS}/{ids[2]}/prices",
        {"price_paise": 999, "store_id": str(shop.a2.store_id)},
        status=201,
    )
    await shop.ok("PATCH", f"{PRODUCTS}/{ids[3]}", {"name": "Renamed"})
    for till in (shop.a1, shop.a2):
        feed, feed_cursor, _ = await pull_all(shop.server, till, limit=3)
        pulled: dict[Any, Any] = {}
        apply(pulled, feed)
        cursor, changes = await snapshot(shop, till)
        assert state(changes) == state(list(pulled.values()))
        assert cursor == feed_cursor  # read at the same feed position
        assert all(c.op == "upsert" for c in changes)
        assert ids[0] not in {str(c.entity_id) for c in changes}  # deleted: not there at all
        after, _, _ = await pull_all(shop.server, till, cursor)
        assert after == []
    a1 = state((await snapshot(shop, shop.a1))[1])
    a2 = state((await snapshot(shop, shop.a2))[1])
    assert [k for k in a2 if k not in a1 and k[0] == "price"]  # A2's own price, A2 only
    assert not [k for k in a1 if k not in a2 and k[0] == "price"]


async def test_a_change_committed_while_the_snapshot_streams_is_pulled_after_its_cursor(
    shop: Shop,
) -> None:
    made = await a_product(shop, "RICE", 5000)
    ctx = shop.server.ctx
    body = stream_snapshot(ctx, terminal(shop, shop.a1), compress=False)
    head = await anext(body)  # the snapshot is taken: its counter is read
    # re-priced while the snapshot is still being read
    await shop.ok("POST", f"{PRODUCTS}/{made['id']}/prices", {"price_paise": 6000}, status=201)
    rest = [piece async for piece in body]
    cursor, changes = parse(head + b"".join(rest))
    prices = [c for c in changes if c.__struct_config__.tag == "price"]
    assert [p.data.unit_price_paise for p in prices] == [5000]  # as it was when taken
    after, _, _ = await pull_all(shop.server, shop.a1, cursor)
    tags = [c.__struct_config__.tag for c in after]
    new = [
        c.data.unit_price_paise for c, t in zip(after, tags, strict=True) if t == "price" and c.data
    ]
    assert 6000 in new
    merged = state(changes)
    for change in after:  # versions only grow: nothing applied twice, nothing missing
        key = (change.__struct_config__.tag, str(change.entity_id))
        assert key not in merged or merged[key][0] < change.version
        if change.op == "delete":
            merged.pop(key, None)
        else:
            merged[key] = state([change])[key]
    feed, _, _ = await pull_all(shop.server, shop.a1)
    everything: dict[Any, Any] = {}
    apply(everything, feed)
    assert merged == state(list(everything.values()))


async def test_a_writer_holding_the_counter_is_never_lost_nor_doubled(shop: Shop) -> None:
    ctx = shop.server.ctx
    await a_product(shop, "SALT")
    before = uuid.uuid4()
    after_id = uuid.uuid4()
    data = ProductData(
        code="X1", name="Committed before", hsn="3401", unit="pcs", price_includes_tax=True
    )
    at = datetime(2026, 7, 1, tzinfo=UTC)
    async with ctx.db.tenant(shop.company_id) as session:
        await record_changes(session, shop.company_id, [Changed("product", before, data, 1)], at)
    writer_ready = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        # records a change and holds the counter row (uncommitted) across the snapshot
        async with ctx.db.tenant(shop.company_id) as session:
            late = ProductData(
                code="X2", name="Committed during", hsn="3401", unit="pcs", price_includes_tax=True
            )
            await record_changes(
                session, shop.company_id, [Changed("product", after_id, late, 1)], at
            )
            writer_ready.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await writer_ready.wait()
    pieces = [p async for p in stream_snapshot(ctx, terminal(shop, shop.a1), compress=False)]
    release.set()
    await task
    cursor, changes = parse(b"".join(pieces))
    in_snapshot = {c.entity_id for c in changes}
    assert str(before) in in_snapshot
    assert str(after_id) not in in_snapshot
    later, _, _ = await pull_all(shop.server, shop.a1, cursor)
    assert [c.entity_id for c in later] == [after_id]  # after the cursor, exactly once


async def test_the_snapshot_is_read_in_one_repeatable_read_read_only_transaction(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, ...]] = []
    real = snapshot_module.scope_to_company

    async def scoped(session: Any, company_id: uuid.UUID, **kw: Any) -> None:
        await real(session, company_id, **kw)
        mode = await session.execute(
            text(
                "SELECT current_setting('transaction_isolation'),"
                " current_setting('transaction_read_only'), current_user"
            )
        )
        seen.append(tuple(mode.one()))

    monkeypatch.setattr(snapshot_module, "scope_to_company", scoped)
    await snapshot(shop, shop.a1)
    assert seen == [("repeatable read", "on", "galla_app")]


async def test_a_terminal_sees_only_its_own_company(shop: Shop) -> None:
    await add_products(shop, 2)
    bravo = await make_shop(shop.server, "bravo")
    await add_products(bravo, 1, prefix="B")
    _, mine = await snapshot(shop, shop.a1)
    _, theirs = await snapshot(bravo, bravo.a1)
    assert {c.data.code for c in theirs if c.__struct_config__.tag == "product"} == {"B000"}
    codes = {c.data.code for c in mine if c.__struct_config__.tag == "product"}
    assert codes == {"P000", "P001"}
    # the cursor is bound to the store it was read for
    cursor, _ = await snapshot(shop, shop.a1)
    wrong = await shop.server.client.get(PULL, params={"cursor": cursor}, headers=shop.a2.auth)
    assert wrong.status_code == 400


async def test_a_snapshot_needs_a_terminal_credential(shop: Shop) -> None:
    client = shop.server.client
    assert (await client.get(SNAPSHOT)).status_code == 401
    assert (await client.get(SNAPSHOT, headers=shop.admin)).status_code in {401, 403}


async def test_the_snapshot_is_gzip_when_the_till_accepts_it(shop: Shop) -> None:
    await add_products(shop, 3)
    client = shop.server.client
    zipped = await client.get(SNAPSHOT, headers={**shop.a1.auth, "Accept-Encoding": "gzip"})
    plain = await client.get(SNAPSHOT, headers={**shop.a1.auth, "Accept-Encoding": "identity"})
    assert zipped.headers.get("content-encoding") == "gzip"
    assert "content-encoding" not in plain.headers
    assert parse(zipped.content) == parse(plain.content)
