"""Company A's tokens, aimed at company B's ids, get 403/404 on every route in the schema.

The walk reads the app's OpenAPI schema, so a new route fails ``test_every_route_is_covered``
until it is added to ``CASES`` with the answer it must give.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import text

from sync_server.app import create_app
from sync_server.settings import ServerSettings
from tests.sync_server.conftest import CHEAP_ARGON2, PASSWORD, Server, Tenant
from tests.sync_server.stock.helpers import assert_stock_untouched, seed_stock_of

DENIED = frozenset({403, 404})


@dataclass(frozen=True)
class Case:
    """How one route is attacked, and what it must answer."""

    expect: frozenset[int] = DENIED
    body: dict[str, Any] | None = None
    why: str = ""
    till: frozenset[int] | None = None
    """What an A terminal gets on a route terminals use (otherwise it is refused)."""


@dataclass
class World:
    a: Tenant
    b: Tenant
    a_terminal: str
    b_terminal: str
    b_ids: dict[str, uuid.UUID] = field(default_factory=dict)


STORE_BODY = {"name": "hijacked"}
CASES: dict[tuple[str, str], Case] = {
    ("GET", "/health"): Case(frozenset({200}), why="public liveness"),
    ("GET", "/health/detailed"): Case(why="platform admins only"),
    ("POST", "/api/v1/auth/login"): Case(
        frozenset({401}),
        body={"email": "admin@bravo.example", "password": "guess-guess-guess"},
        why="public: B's email without B's password is refused",
    ),
    ("POST", "/api/v1/auth/refresh"): Case(
        frozenset({401}),
        body={"refresh_token": "{a_token}"},
        why="public: only a refresh token of B's own could refresh B",
    ),
    ("POST", "/api/v1/auth/logout"): Case(
        frozenset({204}),
        body={"refresh_token": "grt_guess"},
        why="public and idempotent; B's sign-in is checked to survive below",
    ),
    ("GET", "/api/v1/auth/me"): Case(frozenset({200})),
    ("GET", "/api/v1/users"): Case(frozenset({200})),
    ("POST", "/api/v1/users"): Case(
        body={"full_name": "Mole", "roles": [{"role": "cashier", "store_id": "{store_id}"}]},
        why="a role in B's store",
    ),
    ("GET", "/api/v1/users/{user_id}"): Case(),
    ("PATCH", "/api/v1/users/{user_id}"): Case(body={"active": False}),
    ("PUT", "/api/v1/users/{user_id}/pin"): Case(body={"pin": "0000"}),
    ("GET", "/api/v1/companies"): Case(why="platform admins only"),
    ("POST", "/api/v1/companies"): Case(
        body={
            "name": "x",
            "slug": "xx-x",
            "admin": {"full_name": "x", "email": "x@x.example", "password": PASSWORD},
        },
        why="platform admins only",
    ),
    ("GET", "/api/v1/companies/{company_id}"): Case(),
    ("PATCH", "/api/v1/companies/{company_id}"): Case(body={"max_stores": 0}),
    ("POST", "/api/v1/companies/{company_id}/suspend"): Case(),
    ("POST", "/api/v1/companies/{company_id}/reactivate"): Case(),
    ("GET", "/api/v1/stores"): Case(frozenset({200})),
    ("POST", "/api/v1/stores"): Case(
        frozenset({400}),
        body={"code": "Z9", "name": "x", "state_code": "27", "company_id": "{company_id}"},
        why="there is no way to name another company: company_id is an unknown field",
    ),
    ("GET", "/api/v1/stores/{store_id}"): Case(),
    ("PATCH", "/api/v1/stores/{store_id}"): Case(body=STORE_BODY),
    ("POST", "/api/v1/stores/{store_id}/enrolment-codes"): Case(),
    ("GET", "/api/v1/terminals"): Case(frozenset({200})),
    ("GET", "/api/v1/terminals/{terminal_id}"): Case(),
    ("POST", "/api/v1/terminals/{terminal_id}/revoke"): Case(),
    ("POST", "/api/v1/terminals/enrol"): Case(
        frozenset({400}), body={"code": "ZZZZ-ZZZZ"}, why="public: only B's secret code enrols"
    ),
    ("GET", "/api/v1/terminal/me"): Case(why="terminals only"),
    ("GET", "/api/v1/sync/pull"): Case(why="terminals only; a terminal pulls its own company"),
    ("GET", "/api/v1/sync/snapshot"): Case(
        till=frozenset({200}), why="terminals only; a terminal's snapshot is its own company's"
    ),
    ("GET", "/api/v1/catalog/products"): Case(frozenset({200}), why="A's own, empty catalog"),
    ("POST", "/api/v1/catalog/products"): Case(
        frozenset({400}),
        body={"sku": "X1", "name": "x", "hsn": "1006", "company_id": "{company_id}"},
        why="there is no way to name another company: company_id is an unknown field",
    ),
    ("GET", "/api/v1/catalog/products/{product_id}"): Case(),
    ("PATCH", "/api/v1/catalog/products/{product_id}"): Case(body={"name": "hijacked"}),
    ("DELETE", "/api/v1/catalog/products/{product_id}"): Case(),
    ("POST", "/api/v1/catalog/products/{product_id}/barcodes"): Case(body={"code": "12345"}),
    ("DELETE", "/api/v1/catalog/products/{product_id}/barcodes/{code}"): Case(
        why="B's product is not found, whatever the code"
    ),
    ("POST", "/api/v1/catalog/products/{product_id}/prices"): Case(body={"price_paise": 1}),
    ("DELETE", "/api/v1/catalog/products/{product_id}/prices/{price_id}"): Case(),
    ("GET", "/api/v1/catalog/gst-rates"): Case(frozenset({200}), why="law, the same for all"),
    ("POST", "/api/v1/catalog/import"): Case(
        frozenset({400}),
        body={"sku": "{product_id}"},
        why="imports only into the caller's company; this JSON is no CSV file",
    ),
    ("POST", "/api/v1/catalog/gst-rates"): Case(
        body={"hsn": "1006", "rate": "5", "effective_from": "2030-01-01"},
        why="platform admins only",
    ),
    ("POST", "/api/v1/sync/push"): Case(
        body={
            "protocol_version": 1,
            "terminal_id": "{terminal_id}",
            "status": {"app_version": "1.0.0", "queue_depth": 1, "printer": "ok"},
            "events": [
                {
                    "event_id": "019a0000-0000-7000-8000-000000000001",
                    "seq": 1,
                    "occurred_at": "2026-07-01T10:00:00+05:30",
                    "payload": {
                        "kind": "shift_opened",
                        "shift_id": "019a0000-0000-7000-8000-000000000002",
                        "store_id": "{store_id}",
                        "terminal_id": "{terminal_id}",
                        "cashier_id": "{user_id}",
                        "opening_float_paise": 0,
                    },
                }
            ],
        },
        why="terminals only, and only their own batches: B's terminal id is refused",
    ),
    ("GET", "/api/v1/sync/exceptions"): Case(frozenset({200})),
    ("GET", "/api/v1/sync/exceptions/{exception_id}"): Case(),
    ("POST", "/api/v1/sync/exceptions/{exception_id}/resolve"): Case(
        body={"action": "acknowledge"}
    ),
    ("GET", "/api/v1/sync/quarantine"): Case(frozenset({200})),
    ("GET", "/api/v1/sync/quarantine/{quarantine_id}"): Case(),
    ("POST", "/api/v1/sync/quarantine/{quarantine_id}/resolve"): Case(body={"action": "dismiss"}),
}

STOCK_CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/stock/availability"): Case(
        frozenset({400}),
        till=frozenset({400}),
        why="store_id is a required query parameter; B's store: stock/test_reservations.py",
    ),
    ("GET", "/api/v1/reservations"): Case(
        frozenset({400}), till=frozenset({400}), why="store_id is a required query parameter"
    ),
    ("POST", "/api/v1/reservations"): Case(
        frozenset({400}),
        body={
            "id": "019a0000-0000-7000-8000-0000000000c1",
            "store_id": "{store_id}",
            "reference": "x",
            "lines": [{"product_id": "{stock_product_id}", "quantity": "1"}],
        },
        why="B's store is not one of A's stores (a terminal: not its own store, 403)",
    ),
    ("GET", "/api/v1/reservations/{reservation_id}"): Case(),
    ("POST", "/api/v1/reservations/{reservation_id}/extend"): Case(body={"ttl_seconds": 60}),
    ("POST", "/api/v1/reservations/{reservation_id}/release"): Case(),
    ("POST", "/api/v1/reservations/{reservation_id}/commit"): Case(),
    ("GET", "/api/v1/transfers"): Case(
        frozenset({200}), till=frozenset({200}), why="A's own (empty) list"
    ),
    ("POST", "/api/v1/transfers"): Case(
        frozenset({400}),
        body={
            "id": "019a0000-0000-7000-8000-0000000000c2",
            "from_store_id": "{store_id}",
            "to_store_id": "{store2_id}",
            "lines": [{"product_id": "{stock_product_id}", "quantity": "1"}],
        },
        why="B's stores are not A's stores",
    ),
    ("GET", "/api/v1/transfers/{transfer_id}"): Case(),
    ("POST", "/api/v1/transfers/{transfer_id}/receive"): Case(body={}),
    ("GET", "/api/v1/jobs"): Case(
        frozenset({200}), why="the schedule; platform-wide results hidden"
    ),
    ("POST", "/api/v1/jobs/run"): Case(
        frozenset({200}),
        body={"name": "expire-reservations"},
        why="runs A's own reservation cleanup only",
    ),
}
CASES.update(STOCK_CASES)

PUBLIC = {
    ("GET", "/health"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/terminals/enrol"),
}


def schema_routes() -> set[tuple[str, str]]:
    settings = ServerSettings(database_url="postgresql://nobody@127.0.0.1:1/none", **CHEAP_ARGON2)  # type: ignore[arg-type]
    schema = create_app(settings).openapi_schema.to_schema()
    return {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_route_is_covered() -> None:
    routes = schema_routes()
    assert routes - set(CASES) == set(), "new route: add it to CASES with the answer it must give"
    assert set(CASES) - routes == set(), "CASES names a route that no longer exists"


@pytest.fixture
async def world(server: Server) -> World:
    a = await server.tenant("alpha")
    b = await server.tenant("bravo")
    a_store = await server.store(a, "A1")
    b_store = await server.store(b, "B1")
    a_terminal = (await server.enrol(await server.enrolment_code(a, a_store)))["credential"]
    b_enrolled = await server.enrol(await server.enrolment_code(b, b_store))
    b_user = await server.client.post(
        "/api/v1/users",
        json={
            "full_name": "B cashier",
            "pin": "1234",
            "roles": [{"role": "cashier", "store_id": str(b_store)}],
        },
        headers=b.auth,
    )
    exception_id, quarantine_id = await _b_sync_findings(server, b_enrolled)
    b_product = await server.client.post(
        "/api/v1/catalog/products",
        json={"sku": "B-RICE", "name": "B rice", "hsn": "1006", "price_paise": 100},
        headers=b.auth,
    )
    assert b_product.status_code == 201, b_product.text
    stock_ids = await seed_stock_of(server, b, b_store, "B2")
    return World(
        a=a,
        b=b,
        a_terminal=a_terminal,
        b_terminal=b_enrolled["credential"],
        b_ids={
            "company_id": b.company_id,
            "store_id": b_store,
            "user_id": uuid.UUID(b_user.json()["id"]),
            "terminal_id": uuid.UUID(b_enrolled["terminal_id"]),
            "product_id": uuid.UUID(b_product.json()["id"]),
            "price_id": uuid.UUID(b_product.json()["prices"][0]["id"]),
            "exception_id": exception_id,
            "quarantine_id": quarantine_id,
            **stock_ids,
        },
    )


async def _b_sync_findings(server: Server, enrolled: dict[str, Any]) -> tuple[uuid.UUID, uuid.UUID]:
    """Give B a sync exception (a seq gap) and a quarantined event, and return their ids."""
    terminal = enrolled["terminal_id"]
    batch = {
        "protocol_version": 1,
        "terminal_id": terminal,
        "status": {"app_version": "1.0.0", "queue_depth": 2, "printer": "ok"},
        "events": [
            {"seq": 4, "payload": {"kind": "mystery"}},
            {
                "event_id": "019a0000-0000-7000-8000-0000000000b1",
                "seq": 5,
                "occurred_at": "2026-07-01T10:00:00+05:30",
                "payload": {
                    "kind": "shift_opened",
                    "shift_id": "019a0000-0000-7000-8000-0000000000b2",
                    "store_id": enrolled["store_id"],
                    "terminal_id": terminal,
                    "cashier_id": "019a0000-0000-7000-8000-0000000000b3",
                    "opening_float_paise": 0,
                },
            },
        ],
    }
    pushed = await server.client.post(
        "/api/v1/sync/push",
        json=batch,
        headers={"Authorization": f"Bearer {enrolled['credential']}"},
    )
    assert pushed.status_code == 200, pushed.text
    async with server.ctx.db.platform() as session:
        exception = await session.scalar(text("SELECT id FROM sync_exceptions"))
        quarantined = await session.scalar(text("SELECT id FROM quarantined_events"))
    assert exception is not None
    assert quarantined is not None
    return exception, quarantined


def fill(template: Any, world: World) -> Any:
    text = json.dumps(template)
    for name, value in world.b_ids.items():
        text = text.replace("{" + name + "}", str(value))
    return json.loads(text.replace("{a_token}", world.a.token))


async def call(server: Server, method: str, path: str, case: Case, world: World, token: str) -> Any:
    url = fill(path, world) if "{" in path else path
    body = fill(case.body, world) if case.body is not None else None
    return await server.client.request(
        method, url, json=body, headers={"Authorization": f"Bearer {token}"}
    )


def leaked(response: Any, world: World) -> list[str]:
    """B's ids in the answer that the request itself did not carry (echoing the ask is fine)."""
    asked = str(response.request.url) + response.request.content.decode()
    return [
        str(value)
        for value in world.b_ids.values()
        if str(value) in response.text and str(value) not in asked
    ]


async def assert_b_untouched(server: Server, world: World) -> None:
    b = world.b
    store = await server.client.get(f"/api/v1/stores/{world.b_ids['store_id']}", headers=b.auth)
    assert store.json()["name"] == "Store B1"
    user = await server.client.get(f"/api/v1/users/{world.b_ids['user_id']}", headers=b.auth)
    assert user.json()["active"] is True
    review = await server.client.get(
        f"/api/v1/sync/exceptions/{world.b_ids['exception_id']}", headers=b.auth
    )
    assert review.json()["status"] == "open"
    held = await server.client.get(
        f"/api/v1/sync/quarantine/{world.b_ids['quarantine_id']}", headers=b.auth
    )
    assert held.json()["status"] == "open"
    product = await server.client.get(
        f"/api/v1/catalog/products/{world.b_ids['product_id']}", headers=b.auth
    )
    assert (product.json()["name"], len(product.json()["prices"])) == ("B rice", 1)
    terminals = (await server.client.get("/api/v1/terminals", headers=b.auth)).json()
    assert [t["status"] for t in terminals] == ["active"]
    users = (await server.client.get("/api/v1/users", headers=b.auth)).json()
    assert sorted(u["full_name"] for u in users) == ["B cashier", "bravo admin"]
    company = (await server.client.get(f"/api/v1/companies/{b.company_id}", headers=b.auth)).json()
    assert (company["status"], company["max_stores"]) == ("active", 2)
    me = await server.client.get(
        "/api/v1/terminal/me", headers={"Authorization": f"Bearer {world.b_terminal}"}
    )
    assert me.status_code == 200
    refreshed = await server.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": b.refresh_token}
    )
    assert refreshed.status_code == 200
    await assert_stock_untouched(server, b, world.b_ids["store_id"], world.b_ids)


async def test_company_a_admin_reaches_nothing_of_company_b_on_any_route(
    server: Server, world: World
) -> None:
    failures = []
    for (method, path), case in sorted(CASES.items()):
        response = await call(server, method, path, case, world, world.a.token)
        if response.status_code not in case.expect:
            failures.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
        elif response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json", path
        assert leaked(response, world) == [], f"{method} {path}"
    assert failures == []
    await assert_b_untouched(server, world)


async def test_company_a_terminal_reaches_nothing_of_company_b_on_any_route(
    server: Server, world: World
) -> None:
    failures = []
    for (method, path), case in sorted(CASES.items()):
        response = await call(server, method, path, case, world, world.a_terminal)
        allowed = case.expect if (method, path) in PUBLIC else DENIED | {401}
        if (method, path) in {("GET", "/api/v1/terminal/me"), ("GET", "/api/v1/sync/pull")}:
            allowed = frozenset({200})  # its own identity / feed, checked for leaks below
        if case.till is not None:
            allowed = case.till  # a route terminals use, answered for A's own company
        if response.status_code not in allowed:
            failures.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
        assert leaked(response, world) == [], f"{method} {path}"
    assert failures == []
    await assert_b_untouched(server, world)
