"""Inter-store transfers through the API: send, in transit, receive, discrepancies."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from sync_server.db import models as m
from sync_server.domain.stock.ledger import ledger_drift
from tests.sync_server.conftest import Server
from tests.sync_server.stock.helpers import Shop, bearer, make_shop

pytestmark = pytest.mark.postgres
D = Decimal


@pytest.fixture
async def shop(server: Server) -> Shop:
    """Company "alpha": two stores, four products, a till enrolled in the first store."""
    return await make_shop(server)


async def send(shop: Shop, lines: list[tuple[int, Any]], tid: uuid.UUID | None = None) -> Any:
    return await shop.server.client.post(
        "/api/v1/transfers",
        json={
            "id": str(tid or uuid.uuid4()),
            "from_store_id": str(shop.stores[0]),
            "to_store_id": str(shop.stores[1]),
            "reference": "restock A2",
            "lines": [{"product_id": str(shop.products[p]), "quantity": str(q)} for p, q in lines],
        },
        headers=shop.admin.auth,
    )


async def receive(shop: Shop, tid: str, lines: list[tuple[int, Any]] | None, **kw: Any) -> Any:
    token = kw.pop("token", None) or shop.admin.token
    body: dict[str, Any] = dict(kw)
    if lines is not None:
        body["lines"] = [
            {"product_id": str(shop.products[p]), "quantity": str(q)} for p, q in lines
        ]
    return await shop.server.client.post(
        f"/api/v1/transfers/{tid}/receive",
        json=body,
        headers=bearer(token),
    )


async def test_sending_moves_stock_out_and_shows_it_in_transit(shop: Shop) -> None:
    await shop.stock(0, 10)

    sent = await send(shop, [(0, 4)])

    assert sent.status_code == 201, sent.text
    assert sent.json()["status"] == "in_transit"
    assert (await shop.level(0)).on_hand == 6
    assert (await shop.level(0)).reserved == 0
    destination = (await shop.availability(0, store=1))[0]
    assert (destination["on_hand"], destination["incoming"]) == ("0", "4")
    listed = await shop.server.client.get(
        "/api/v1/transfers",
        params={"status": "in_transit", "store_id": str(shop.stores[1])},
        headers=shop.admin.auth,
    )
    assert [t["id"] for t in listed.json()] == [sent.json()["id"]]
    moved = await shop.movements()
    assert {(mv.reason, mv.reference_id) for mv in moved} == {
        ("transfer_out", uuid.UUID(sent.json()["id"]))
    }


async def test_receiving_moves_stock_in_and_records_a_shortfall(shop: Shop) -> None:
    await shop.stock(0, 10)
    await shop.stock(1, 5)
    tid = (await send(shop, [(0, 4), (1, 2)])).json()["id"]

    got = await receive(shop, tid, [(0, 3), (1, 2)], note="one box crushed")

    assert got.status_code == 200, got.text
    body = got.json()
    assert body["status"] == "received"
    by_product = {line["product_id"]: line for line in body["lines"]}
    assert by_product[str(shop.products[0])]["discrepancy"] == "-1"
    assert by_product[str(shop.products[1])]["discrepancy"] == "0"
    assert (await shop.level(0, store=1)).on_hand == 3
    assert (await shop.level(1, store=1)).on_hand == 2
    assert (await shop.availability(0, store=1))[0]["incoming"] == "0"
    async with shop.server.ctx.db.tenant(shop.company_id) as session:
        [flag] = (
            await session.scalars(
                select(m.SyncException).where(m.SyncException.kind == "transfer_discrepancy")
            )
        ).all()
        assert await ledger_drift(session, shop.company_id) == []
    assert flag.entity_id == uuid.UUID(tid)
    assert flag.detail["lines"] == [
        {"product_id": str(shop.products[0]), "sent": "4", "received": "3"}
    ]


async def test_a_full_receipt_needs_no_lines_and_raises_no_flag(shop: Shop) -> None:
    await shop.stock(0, 10)
    tid = (await send(shop, [(0, 4)])).json()["id"]

    got = await receive(shop, tid, None)

    assert got.status_code == 200
    assert (await shop.level(0, store=1)).on_hand == 4
    async with shop.server.ctx.db.tenant(shop.company_id) as session:
        flags = (await session.scalars(select(m.SyncException))).all()
    assert flags == []


async def test_receiving_twice_books_once_and_other_figures_are_refused(shop: Shop) -> None:
    await shop.stock(0, 10)
    tid = (await send(shop, [(0, 4)])).json()["id"]

    answers = await asyncio.gather(*(receive(shop, tid, [(0, 4)]) for _ in range(4)))

    assert [a.status_code for a in answers] == [200] * 4
    assert (await shop.level(0, store=1)).on_hand == 4
    other = await receive(shop, tid, [(0, 2)])
    assert other.status_code == 409
    assert (await shop.level(0, store=1)).on_hand == 4


async def test_a_transfer_cannot_ship_stock_a_customer_holds(shop: Shop) -> None:
    await shop.stock(0, 5)
    assert (await shop.reserve([(0, 3)])).status_code == 201

    refused = await send(shop, [(0, 3)])

    assert refused.status_code == 409
    assert refused.json()["available"] == "2"
    assert (await shop.level(0)).on_hand == 5
    async with shop.server.ctx.db.tenant(shop.company_id) as session:
        assert (await session.scalars(select(m.Transfer))).all() == []


async def test_a_replayed_send_moves_stock_once(shop: Shop) -> None:
    await shop.stock(0, 10)
    tid = uuid.uuid4()

    answers = await asyncio.gather(*(send(shop, [(0, 4)], tid) for _ in range(5)))

    assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201]
    assert (await shop.level(0)).on_hand == 6
    reused = await send(shop, [(0, 1)], tid)
    assert reused.status_code == 409


async def test_the_destination_till_may_receive_but_not_the_source_till(shop: Shop) -> None:
    await shop.stock(0, 10)
    tid = (await send(shop, [(0, 4)])).json()["id"]
    destination = await shop.server.enrol(
        await shop.server.enrolment_code(shop.admin, shop.stores[1])
    )

    wrong = await shop.server.client.post(
        f"/api/v1/transfers/{tid}/receive", json={}, headers=bearer(shop.till)
    )
    right = await shop.server.client.post(
        f"/api/v1/transfers/{tid}/receive", json={}, headers=bearer(destination["credential"])
    )

    assert wrong.status_code == 403
    assert right.status_code == 200, right.text


async def test_a_receipt_must_name_each_line_once(shop: Shop) -> None:
    await shop.stock(0, 10)
    tid = (await send(shop, [(0, 4)])).json()["id"]
    bad: list[tuple[list[tuple[int, Any]], str]] = [
        ([(0, 4), (0, 1)], "lines[1].product_id"),
        ([(2, 1)], "lines[0].product_id"),
        ([], "lines"),
        ([(0, -1)], "lines[0].quantity"),
    ]
    for lines, field in bad:
        refused = await receive(shop, tid, lines)

        assert refused.status_code == 400, refused.text
        assert refused.json()["field"] == field
    assert "transfer_in" not in {mv.reason for mv in await shop.movements()}


async def test_a_transfer_needs_two_stores(shop: Shop) -> None:
    await shop.stock(0, 10)
    refused = await shop.server.client.post(
        "/api/v1/transfers",
        json={
            "id": str(uuid.uuid4()),
            "from_store_id": str(shop.stores[0]),
            "to_store_id": str(shop.stores[0]),
            "lines": [{"product_id": str(shop.products[0]), "quantity": "1"}],
        },
        headers=shop.admin.auth,
    )
    assert refused.status_code == 400
    assert refused.json()["field"] == "to_store_id"
