"""Prices: a new price closes the one before it, versions grow, schedules, store prices."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any

from sync_server.domain.catalog.schemas import PriceCreate
from sync_server.domain.catalog.services import set_price
from sync_server.lib.principal import COMPANY_ADMIN, Principal
from tests.sync_server.catalog.test_products import PRODUCTS, RICE, counts, problem
from tests.sync_server.pull.helpers import Shop, entities, pull_all


def at(value: datetime) -> str:
    return value.isoformat()


async def rice(shop: Shop) -> tuple[str, dict[str, Any]]:
    made = await shop.ok("POST", PRODUCTS, RICE, status=201)
    return f"{PRODUCTS}/{made['id']}", made


async def test_a_new_price_closes_the_open_one_and_bumps_its_version(shop: Shop) -> None:
    url, made = await rice(shop)
    first = made["prices"][0]
    shop.server.ctx.clock.advance(minutes=10)  # type: ignore[attr-defined]
    now = shop.server.ctx.clock()
    second = await shop.ok("POST", f"{url}/prices", {"price_paise": 11000}, status=201)
    assert datetime.fromisoformat(second["effective_from"]) == now
    assert (second["effective_to"], second["version"]) == (None, 1)
    prices = {p["id"]: p for p in (await shop.ok("GET", url))["prices"]}
    closed = prices[first["id"]]
    assert datetime.fromisoformat(closed["effective_to"]) == now
    assert (closed["version"], closed["price_paise"]) == (2, 11500)  # the amount never changes
    assert second["mrp_paise"] == 12000  # the product's MRP by default


async def test_a_scheduled_price_starts_later_and_the_current_one_ends_then(shop: Shop) -> None:
    url, _ = await rice(shop)
    now = shop.server.ctx.clock()
    later = now + timedelta(days=7)
    scheduled = await shop.ok(
        "POST", f"{url}/prices", {"price_paise": 9900, "effective_from": at(later)}, status=201
    )
    # a price set now, before the scheduled one, ends where the scheduled one starts
    shop.server.ctx.clock.advance(minutes=10)  # type: ignore[attr-defined]
    between = await shop.ok("POST", f"{url}/prices", {"price_paise": 10500}, status=201)
    assert datetime.fromisoformat(between["effective_to"]) == later
    # setting the same start again replaces the scheduled price (its tombstone goes out)
    _, cursor, _ = await pull_all(shop.server, shop.a1)
    again = await shop.ok(
        "POST", f"{url}/prices", {"price_paise": 9500, "effective_from": at(later)}, status=201
    )
    changes, _, _ = await pull_all(shop.server, shop.a1, cursor)
    prices = entities(changes, "price")
    assert prices[uuid.UUID(scheduled["id"])].op == "delete"
    assert prices[uuid.UUID(again["id"])].data.unit_price_paise == 9500  # type: ignore[union-attr]
    ids = [p["id"] for p in (await shop.ok("GET", url))["prices"]]
    assert scheduled["id"] not in ids
    assert len(ids) == 3


async def test_cancelling_a_scheduled_price_reopens_the_one_before(shop: Shop) -> None:
    url, made = await rice(shop)
    current = made["prices"][0]
    later = shop.server.ctx.clock() + timedelta(days=1)
    scheduled = await shop.ok(
        "POST", f"{url}/prices", {"price_paise": 9900, "effective_from": at(later)}, status=201
    )
    response = await shop.api("DELETE", f"{url}/prices/{scheduled['id']}")
    assert response.status_code == 204, response.text
    prices = (await shop.ok("GET", url))["prices"]
    assert [(p["id"], p["effective_to"], p["version"]) for p in prices] == [
        (current["id"], None, 3)
    ]
    body = problem(await shop.api("DELETE", f"{url}/prices/{current['id']}"), 409, "price_id")
    assert "set a new price" in body["detail"]
    problem(await shop.api("DELETE", f"{url}/prices/{uuid.uuid4()}"), 404, "price_id")


async def test_a_store_price_reaches_only_that_store_and_leaves_the_company_price(
    shop: Shop,
) -> None:
    url, made = await rice(shop)
    store_price = await shop.ok(
        "POST",
        f"{url}/prices",
        {"price_paise": 10900, "store_id": str(shop.a2.store_id)},
        status=201,
    )
    assert made["prices"][0]["effective_to"] is None  # another scope: untouched
    a1, _, _ = await pull_all(shop.server, shop.a1)
    a2, _, _ = await pull_all(shop.server, shop.a2)
    assert set(entities(a1, "price")) == {uuid.UUID(made["prices"][0]["id"])}
    assert set(entities(a2, "price")) == {
        uuid.UUID(made["prices"][0]["id"]),
        uuid.UUID(store_price["id"]),
    }
    problem(
        await shop.api("POST", f"{url}/prices", {"price_paise": 1, "store_id": str(uuid.uuid4())}),
        404,
        "store_id",
    )


async def test_bad_prices_are_refused_naming_the_field_and_change_nothing(shop: Shop) -> None:
    url, _ = await rice(shop)
    past = shop.server.ctx.clock() - timedelta(hours=1)
    before = await counts(shop)
    for body, field in (
        ({"price_paise": 100, "effective_from": at(past)}, "effective_from"),
        ({"price_paise": 100, "effective_from": "2026-01-05T09:00:00"}, "effective_from"),
        ({"price_paise": "100"}, "price_paise"),
        ({"price_paise": 1.5}, "price_paise"),
        ({"price_paise": -5}, "price_paise"),
        ({"price_paise": 100, "mrp_paise": 99.0}, "mrp_paise"),
        ({}, "price_paise"),
        ({"price_paise": 100, "currency": "INR"}, "currency"),
    ):
        problem(await shop.api("POST", f"{url}/prices", body), 400, field)
    problem(
        await shop.api("POST", f"{PRODUCTS}/{uuid.uuid4()}/prices", {"price_paise": 1}), 404, None
    )
    assert await counts(shop) == before


async def test_the_price_version_a_till_sees_is_the_one_the_server_stores(shop: Shop) -> None:
    url, made = await rice(shop)
    shop.server.ctx.clock.advance(minutes=1)  # type: ignore[attr-defined]
    await shop.ok("POST", f"{url}/prices", {"price_paise": 11000}, status=201)
    changes, _, _ = await pull_all(shop.server, shop.a1)
    stored = {uuid.UUID(p["id"]): p["version"] for p in (await shop.ok("GET", url))["prices"]}
    assert {i: c.version for i, c in entities(changes, "price").items()} == stored
    closed = entities(changes, "price")[uuid.UUID(made["prices"][0]["id"])]
    assert closed.data is not None
    assert closed.data.effective_until is not None


async def test_concurrent_price_changes_of_one_product_leave_one_open_price(shop: Shop) -> None:
    """Ten admins set the price at once: the product lock lines them up, no span overlaps."""
    url, made = await rice(shop)
    ctx = shop.server.ctx
    admin = Principal(
        account_id=uuid.uuid4(),
        email="admin@alpha.example",
        family_id=uuid.uuid4(),
        platform_admin=False,
        company_id=shop.company_id,
        user_id=None,
        roles=frozenset({(COMPANY_ADMIN, None)}),
    )
    starts = [ctx.clock() + timedelta(minutes=n) for n in range(1, 11)]
    await asyncio.gather(
        *(
            set_price(
                ctx,
                admin,
                uuid.UUID(made["id"]),
                PriceCreate(price_paise=10_000 + n, effective_from=start),
            )
            for n, start in enumerate(reversed(starts))
        )
    )
    prices = sorted((await shop.ok("GET", url))["prices"], key=lambda p: p["effective_from"])
    assert len(prices) == 11
    assert [p["effective_to"] is None for p in prices] == [False] * 10 + [True]
    for before, after in itertools.pairwise(prices):
        assert before["effective_to"] == after["effective_from"]  # back to back, no overlap
