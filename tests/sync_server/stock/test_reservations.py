"""Reservations and availability through the API, against real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from sync_server.db import models as m
from sync_server.domain.stock.ledger import ledger_drift
from sync_server.domain.stock.services import expire_reservations
from sync_server.lib.clock import FakeClock
from tests.sync_server.conftest import PASSWORD, Server
from tests.sync_server.stock.helpers import Shop, bearer, make_shop

pytestmark = pytest.mark.postgres
D = Decimal


@pytest.fixture
async def shop(server: Server) -> Shop:
    """Company "alpha": two stores, four products, a till enrolled in the first store."""
    return await make_shop(server)


async def test_fifty_concurrent_requests_for_the_last_five_units_reserve_exactly_five(
    shop: Shop,
) -> None:
    await shop.stock(0, 5)

    answers = await asyncio.gather(*(shop.reserve([(0, 1)]) for _ in range(50)))

    codes = [a.status_code for a in answers]
    assert codes.count(201) == 5
    assert codes.count(409) == 45
    refused = [a.json() for a in answers if a.status_code == 409]
    assert {r["type"].rsplit("/", 1)[-1] for r in refused} == {"insufficient-stock"}
    assert {r["available"] for r in refused} == {"0"}
    assert all("insufficient stock" in r["detail"] for r in refused)
    level = await shop.level(0)
    assert (level.on_hand, level.reserved) == (5, 5)
    view = (await shop.availability(0))[0]
    assert (D(view["reserved"]), D(view["available"])) == (5, 0)


async def test_a_refusal_names_the_available_quantity(shop: Shop) -> None:
    await shop.stock(0, 7)
    assert (await shop.reserve([(0, 4)])).status_code == 201

    refused = await shop.reserve([(0, 5)])

    assert refused.status_code == 409
    assert refused.json()["available"] == "3"
    assert refused.json()["product_id"] == str(shop.products[0])


async def test_a_reservation_holds_every_line_or_none(shop: Shop) -> None:
    await shop.stock(0, 10)
    await shop.stock(1, 1)

    refused = await shop.reserve([(0, 2), (1, 5)])

    assert refused.status_code == 409
    assert refused.json()["product_id"] == str(shop.products[1])
    assert (await shop.level(0)).reserved == 0
    async with shop.server.ctx.db.tenant(shop.company_id) as session:
        assert await session.scalar(select(func.count()).select_from(m.Reservation)) == 0


async def test_a_product_never_stocked_has_nothing_available(shop: Shop) -> None:
    refused = await shop.reserve([(3, 1)])

    assert refused.status_code == 409
    assert refused.json()["available"] == "0"
    view = (await shop.availability(3))[3]
    assert (view["on_hand"], view["reserved"], view["available"]) == ("0", "0", "0")


async def test_an_expired_hold_stops_counting_before_the_cleanup_runs(
    shop: Shop, clock: FakeClock
) -> None:
    await shop.stock(0, 10)
    made = await shop.reserve([(0, 3)], ttl_seconds=60)
    rid = made.json()["id"]
    assert (await shop.availability(0))[0]["available"] == "7"

    clock.advance(seconds=60)

    view = (await shop.availability(0))[0]
    assert (view["reserved"], view["available"]) == ("0", "10")
    assert (await shop.level(0)).reserved == 3  # the counter waits for the cleanup
    got = await shop.server.client.get(f"/api/v1/reservations/{rid}", headers=shop.admin.auth)
    assert got.json()["status"] == "expired"
    late = await shop.act(rid, "commit")
    assert late.status_code == 409
    assert late.json()["type"].endswith("/reservation-expired")
    assert await shop.movements() == []

    done = await expire_reservations(shop.server.ctx.db, clock())

    assert (done.expired, done.lines_released) == (1, 1)
    assert (await shop.level(0)).reserved == 0
    async with shop.server.ctx.db.tenant(shop.company_id) as session:
        row = await session.get(m.Reservation, (shop.company_id, uuid.UUID(rid)))
    assert row is not None
    assert row.status == "expired"
    again = await expire_reservations(shop.server.ctx.db, clock())
    assert again.expired == 0


async def test_expired_holds_do_not_block_a_new_reservation(shop: Shop, clock: FakeClock) -> None:
    await shop.stock(0, 5)
    old = await shop.reserve([(0, 5)], ttl_seconds=30)
    assert (await shop.reserve([(0, 1)])).status_code == 409
    clock.advance(seconds=31)

    fresh = await shop.reserve([(0, 5)])

    assert fresh.status_code == 201
    assert (await shop.level(0)).reserved == 5  # the lapsed 5 went back, the new 5 came in
    async with shop.server.ctx.db.tenant(shop.company_id) as session:
        lapsed = await session.get(
            m.ReservationLine, (shop.company_id, uuid.UUID(old.json()["id"]), shop.products[0])
        )
    assert lapsed is not None
    assert lapsed.held is False
    done = await expire_reservations(shop.server.ctx.db, clock())
    assert (done.expired, done.lines_released) == (1, 0)  # settled, nothing left to give back
    assert (await shop.level(0)).reserved == 5


async def test_commit_books_the_movements_exactly_once_even_when_repeated(shop: Shop) -> None:
    await shop.stock(0, 10)
    await shop.stock(1, 4)
    rid = (await shop.reserve([(0, 2), (1, "1.5")])).json()["id"]

    answers = await asyncio.gather(*(shop.act(rid, "commit") for _ in range(5)))

    assert [a.status_code for a in answers] == [200] * 5
    assert {a.json()["status"] for a in answers} == {"committed"}
    moved = sorted((mv.product_id, mv.quantity, mv.reason) for mv in await shop.movements())
    assert moved == sorted(
        [(shop.products[0], D(-2), "reservation"), (shop.products[1], D("-1.5"), "reservation")]
    )
    assert all(mv.reference_id == uuid.UUID(rid) for mv in await shop.movements())
    assert ((await shop.level(0)).on_hand, (await shop.level(0)).reserved) == (8, 0)
    assert ((await shop.level(1)).on_hand, (await shop.level(1)).reserved) == (D("2.5"), 0)
    released = await shop.act(rid, "release")
    assert released.status_code == 409
    assert released.json()["type"].endswith("/reservation-closed")
    async with shop.server.ctx.db.tenant(shop.company_id) as session:
        assert await ledger_drift(session, shop.company_id) == []


async def test_release_gives_the_stock_back_exactly_once(shop: Shop) -> None:
    await shop.stock(0, 10)
    rid = (await shop.reserve([(0, 4)])).json()["id"]

    answers = await asyncio.gather(*(shop.act(rid, "release") for _ in range(5)))

    assert [a.status_code for a in answers] == [200] * 5
    assert {a.json()["status"] for a in answers} == {"released"}
    assert (await shop.level(0)).reserved == 0
    assert (await shop.availability(0))[0]["available"] == "10"
    committed = await shop.act(rid, "commit")
    assert committed.status_code == 409
    assert committed.json()["status"] == "released"
    assert await shop.movements() == []


async def test_releasing_an_expired_hold_settles_it_as_expired(
    shop: Shop, clock: FakeClock
) -> None:
    await shop.stock(0, 10)
    rid = (await shop.reserve([(0, 4)], ttl_seconds=10)).json()["id"]
    clock.advance(seconds=11)

    released = await shop.act(rid, "release")

    assert released.status_code == 200
    assert released.json()["status"] == "expired"
    assert (await shop.level(0)).reserved == 0


async def test_a_replayed_reservation_is_answered_from_what_is_stored(shop: Shop) -> None:
    await shop.stock(0, 10)
    rid = uuid.uuid4()

    answers = await asyncio.gather(*(shop.reserve([(0, 3)], rid=rid) for _ in range(8)))

    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * 7 + [201]
    assert {a.json()["id"] for a in answers} == {str(rid)}
    assert (await shop.level(0)).reserved == 3
    reused = await shop.reserve([(0, 4)], rid=rid)
    assert reused.status_code == 409
    assert reused.json()["field"] == "id"


async def test_extending_keeps_the_hold_past_its_first_expiry(shop: Shop, clock: FakeClock) -> None:
    await shop.stock(0, 10)
    rid = (await shop.reserve([(0, 2)], ttl_seconds=60)).json()["id"]
    clock.advance(seconds=50)

    extended = await shop.act(rid, "extend", ttl_seconds=120)

    assert extended.status_code == 200, extended.text
    clock.advance(seconds=100)  # 150 s after the reservation: past the first 60 s
    assert (await shop.availability(0))[0]["reserved"] == "2"
    assert (await shop.act(rid, "commit")).status_code == 200
    assert (await shop.level(0)).on_hand == 8


async def test_an_expired_hold_cannot_be_extended(shop: Shop, clock: FakeClock) -> None:
    await shop.stock(0, 10)
    rid = (await shop.reserve([(0, 2)], ttl_seconds=60)).json()["id"]
    clock.advance(seconds=61)

    late = await shop.act(rid, "extend", ttl_seconds=60)

    assert late.status_code == 409
    assert late.json()["type"].endswith("/reservation-expired")


async def test_a_terminal_holds_stock_in_its_own_store_only(shop: Shop) -> None:
    await shop.stock(0, 3)
    await shop.stock(0, 3, store=1)

    own = await shop.reserve([(0, 1)], store=None, token=shop.till)
    other = await shop.reserve([(0, 1)], store=1, token=shop.till)

    assert own.status_code == 201, own.text
    assert own.json()["store_id"] == str(shop.stores[0])
    assert other.status_code == 403
    seen = await shop.server.client.get(
        "/api/v1/stock/availability",
        params={"store_id": str(shop.stores[1]), "product_id": str(shop.products[0])},
        headers=bearer(shop.till),
    )
    assert seen.status_code == 200  # a till may look up another store of its company
    assert seen.json()[0]["available"] == "3"
    committed = await shop.act(own.json()["id"], "commit", token=shop.till)
    assert committed.status_code == 200


async def test_a_store_manager_cannot_hold_stock_in_another_store(shop: Shop) -> None:
    server = shop.server
    created = await server.client.post(
        "/api/v1/users",
        json={
            "full_name": "Manager",
            "email": "manager@alpha.example",
            "password": PASSWORD,
            "roles": [{"role": "store_manager", "store_id": str(shop.stores[1])}],
        },
        headers=shop.admin.auth,
    )
    assert created.status_code == 201, created.text
    token = (await server.login("manager@alpha.example"))["access_token"]
    await shop.stock(0, 3)

    refused = await shop.reserve([(0, 1)], store=0, token=token)

    assert refused.status_code == 403


BAD_REQUESTS = [
    ({"lines": [{"product_id": "{p}", "quantity": "1.0005"}]}, "lines[0].quantity"),
    ({"lines": [{"product_id": "{p}", "quantity": "1"}] * 2}, "lines[1].product_id"),
    ({"ttl_seconds": 10**9}, "ttl_seconds"),
    ({"lines": [{"product_id": "{p}", "quantity": "-1"}]}, "lines[0].quantity"),
    ({"lines": [{"product_id": "{p}", "quantity": "NaN"}]}, "lines[0].quantity"),
    ({"lines": []}, "lines"),
    ({"colour": "red"}, "colour"),
]


async def test_bad_reservation_requests_are_refused_naming_the_field(shop: Shop) -> None:
    await shop.stock(0, 3)
    for body, field in BAD_REQUESTS:
        request: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "store_id": str(shop.stores[0]),
            "reference": "x",
            "lines": [{"product_id": str(shop.products[0]), "quantity": "1"}],
        }
        request.update(body)
        request = json.loads(json.dumps(request).replace("{p}", str(shop.products[0])))

        refused = await shop.server.client.post(
            "/api/v1/reservations", json=request, headers=shop.admin.auth
        )

        assert refused.status_code == 400, (body, refused.text)
        assert refused.json().get("field") == field, body
    assert (await shop.level(0)).reserved == 0


async def test_an_unknown_product_is_named(shop: Shop) -> None:
    stranger = uuid.uuid4()
    refused = await shop.server.client.post(
        "/api/v1/reservations",
        json={
            "id": str(uuid.uuid4()),
            "store_id": str(shop.stores[0]),
            "reference": "x",
            "lines": [{"product_id": str(stranger), "quantity": "1"}],
        },
        headers=shop.admin.auth,
    )
    assert refused.status_code == 400
    assert refused.json()["product_id"] == str(stranger)


async def test_a_store_lists_its_reservations_by_status(shop: Shop, clock: FakeClock) -> None:
    await shop.stock(0, 10)
    held = (await shop.reserve([(0, 1)])).json()["id"]
    gone = (await shop.reserve([(0, 1)], ttl_seconds=5)).json()["id"]
    done = (await shop.reserve([(0, 1)])).json()["id"]
    await shop.act(done, "commit")
    clock.advance(seconds=6)

    async def listed(status: str) -> list[str]:
        response = await shop.server.client.get(
            "/api/v1/reservations",
            params={"store_id": str(shop.stores[0]), "status": status},
            headers=shop.admin.auth,
        )
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()]

    assert await listed("held") == [held]
    assert await listed("expired") == [gone]
    assert await listed("committed") == [done]
    assert (await listed("released")) == []


async def test_another_companys_stock_and_reservations_are_out_of_reach(
    shop: Shop, server: Server
) -> None:
    await shop.stock(0, 5)
    rid = (await shop.reserve([(0, 1)])).json()["id"]
    other = await server.tenant("bravo")

    seen = await server.client.get(
        "/api/v1/stock/availability",
        params={"store_id": str(shop.stores[0])},
        headers=other.auth,
    )
    got = await server.client.get(f"/api/v1/reservations/{rid}", headers=other.auth)
    taken = await server.client.post(f"/api/v1/reservations/{rid}/commit", headers=other.auth)

    assert seen.status_code in {403, 404, 400}
    assert str(shop.products[0]) not in seen.text
    assert (got.status_code, taken.status_code) == (404, 404)
    assert (await shop.level(0)).on_hand == 5
