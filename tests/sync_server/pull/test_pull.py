"""GET /api/v1/sync/pull: what each till receives, in pages, gzip-compressed, and bad input."""

from __future__ import annotations

import uuid
from typing import Any

from shared.protocol import PullPage, decode
from tests.sync_server.conftest import Server
from tests.sync_server.pull.helpers import (
    PULL,
    Shop,
    apply,
    entities,
    make_shop,
    pull_all,
    pull_page,
)

PRODUCTS = "/api/v1/catalog/products"
PROBLEM = "application/problem+json"


def tags(changes: list[Any]) -> list[str]:
    return [c.__struct_config__.tag for c in changes]


async def add_products(shop: Shop, count: int, prefix: str = "P") -> list[str]:
    ids = []
    for n in range(count):
        made = await shop.ok(
            "POST",
            PRODUCTS,
            {
                "sku": f"{prefix}{n:03d}",
                "name": f"Item {prefix}{n}",
                "hsn": "3401",
                "barcodes": [{"code": f"{prefix}-{n}"}],
                "price_paise": 1000 + n,
            },
            status=201,
        )
        ids.append(made["id"])
    return ids


async def add_user(shop: Shop, roles: list[dict[str, Any]], pin: str | None = "4321") -> str:
    body: dict[str, Any] = {"full_name": "Asha", "roles": roles}
    if pin:
        body["pin"] = pin
    return str((await shop.ok("POST", "/api/v1/users", body, status=201))["id"])


async def test_a_fresh_till_pulls_its_store_settings_users_and_the_catalog(shop: Shop) -> None:
    await add_products(shop, 2)
    cashier = uuid.UUID(
        await add_user(shop, [{"role": "cashier", "store_id": str(shop.a1.store_id)}])
    )
    changes, _, pages = await pull_all(shop.server, shop.a1)
    assert pages == 1
    settings = entities(changes, "store_settings")
    assert list(settings) == [shop.a1.store_id]  # A2's settings never reach A1's till
    data = settings[shop.a1.store_id].data
    assert data is not None
    assert (data.code, data.gstin, data.state_code, data.address) == (
        "A1",
        "27AAPFU0939F1ZV",
        "27",
        ("12 MG Road", "Mumbai"),
    )
    assert data.legal_name == "Alpha"
    users = entities(changes, "user")
    assert list(users) == [cashier]  # the admin has no PIN, so no till login
    user = users[cashier].data
    assert user is not None
    assert (user.role, user.store_ids, user.active) == ("cashier", (shop.a1.store_id,), True)
    assert user.pin_hash.startswith("$argon2id$")
    assert len(entities(changes, "product")) == 2
    assert len(entities(changes, "barcode")) == 2
    assert len(entities(changes, "price")) == 2


async def test_a_cashier_made_company_admin_stays_on_her_store_s_tills(shop: Shop) -> None:
    """Her store hears a tombstone (store scope) and the user (every store) in one go.

    A till keeps an entity's highest version, so the user must come after the tombstone
    with a higher version; with equal versions a paging till kept the tombstone.
    """
    server = shop.server
    user_id = uuid.UUID(
        await add_user(shop, [{"role": "cashier", "store_id": str(shop.a1.store_id)}])
    )
    _, cursor, _ = await pull_all(server, shop.a1)
    await shop.ok("PATCH", f"/api/v1/users/{user_id}", {"roles": [{"role": "company_admin"}]})
    changes, _, _ = await pull_all(server, shop.a1, cursor)
    mine = [c for c in changes if c.entity_id == user_id]
    assert [c.op for c in mine] == ["delete", "upsert"]
    assert mine[1].version > mine[0].version
    newest = max(mine, key=lambda c: c.version)
    assert newest.data is not None
    assert newest.data.role == "manager"


async def test_users_follow_their_roles_pins_and_stores(shop: Shop) -> None:
    server = shop.server
    a1_role = [{"role": "cashier", "store_id": str(shop.a1.store_id)}]
    user_id = await add_user(shop, a1_role, pin=None)
    _, c1, _ = await pull_all(server, shop.a1)
    _, c2, _ = await pull_all(server, shop.a2)
    assert entities((await pull_all(server, shop.a1))[0], "user") == {}  # no PIN yet
    assert (
        await shop.api("PUT", f"/api/v1/users/{user_id}/pin", {"pin": "2468"})
    ).status_code == 204
    changes, c1, _ = await pull_all(server, shop.a1, c1)
    assert [c.op for c in entities(changes, "user").values()] == ["upsert"]
    # moved to A2 as a store manager: A1 hears a tombstone, A2 the user as a manager
    await shop.ok(
        "PATCH",
        f"/api/v1/users/{user_id}",
        {"roles": [{"role": "store_manager", "store_id": str(shop.a2.store_id)}]},
    )
    a1_changes, c1, _ = await pull_all(server, shop.a1, c1)
    a2_changes, c2, _ = await pull_all(server, shop.a2, c2)
    (gone,) = entities(a1_changes, "user").values()
    assert (gone.op, gone.data) == ("delete", None)
    (moved,) = entities(a2_changes, "user").values()
    assert moved.data is not None
    assert (moved.op, moved.data.role, moved.version) == ("upsert", "manager", gone.version + 1)
    # deactivated: A2's till keeps the user, inactive, so offline logins stop
    await shop.ok("PATCH", f"/api/v1/users/{user_id}", {"active": False})
    a2_changes, _, _ = await pull_all(server, shop.a2, c2)
    (inactive,) = entities(a2_changes, "user").values()
    assert inactive.data is not None
    assert inactive.data.active is False
    assert (await pull_all(server, shop.a1, c1))[0] == []


async def test_a_company_admin_with_a_pin_is_a_manager_at_every_store(shop: Shop) -> None:
    admin = await add_user(shop, [{"role": "company_admin"}])
    for till in (shop.a1, shop.a2):
        (user,) = entities((await pull_all(shop.server, till))[0], "user").values()
        assert user.data is not None
        assert (str(user.entity_id), user.data.role) == (admin, "manager")
        assert set(user.data.store_ids) == {shop.a1.store_id, shop.a2.store_id}


async def test_a_new_store_reaches_its_tills_and_the_admins_store_lists(shop: Shop) -> None:
    await add_user(shop, [{"role": "company_admin"}])
    await shop.ok("PATCH", f"/api/v1/stores/{shop.a2.store_id}", {"active": False})  # plan: 2
    _, cursor, _ = await pull_all(shop.server, shop.a1)
    store = await shop.server.store(shop.tenant, "A3", state="29", gstin="29AAPFU0939F1ZR")
    changes, _, _ = await pull_all(shop.server, shop.a1, cursor)
    assert tags(changes) == ["user"]  # A3's settings are A3's; the admin now lists A3
    assert store in changes[0].data.store_ids  # type: ignore[union-attr]


async def test_pages_deliver_every_change_once_even_when_changes_land_between_pages(
    shop: Shop,
) -> None:
    ids = await add_products(shop, 12)
    server = shop.server
    first = await pull_page(server, shop.a1, limit=7)
    assert (len(first.changes), first.has_more) == (7, True)
    # between pages: a product already pulled changes, and a new one arrives
    await shop.ok("PATCH", f"{PRODUCTS}/{ids[0]}", {"name": "Renamed"})
    extra = await add_products(shop, 1, prefix="Q")
    changes = list(first.changes)
    cursor, pages = first.next_cursor, 1
    while True:
        page = await pull_page(server, shop.a1, cursor, limit=7)
        pages += 1
        changes.extend(page.changes)
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert pages > 2
    keys = [(tags([c])[0], c.entity_id, c.version) for c in changes]
    assert len(keys) == len(set(keys)), "a change came twice"
    state: dict[tuple[str, uuid.UUID], Any] = {}
    apply(state, changes)
    products = {k[1]: v for k, v in state.items() if k[0] == "product"}
    assert set(products) == {uuid.UUID(i) for i in [*ids, *extra]}
    assert products[uuid.UUID(ids[0])].data.name == "Renamed"
    # a pull with nothing new is empty and keeps the position
    empty = await pull_page(server, shop.a1, cursor)
    assert (empty.changes, empty.has_more, empty.next_cursor) == ((), False, cursor)


async def test_another_companys_changes_never_reach_a_till(server: Server, shop: Shop) -> None:
    await add_products(shop, 1)
    other = await make_shop(server, "bravo")
    their = await add_products(other, 2, prefix="B")
    mine, _, _ = await pull_all(server, shop.a1)
    assert not {uuid.UUID(i) for i in their} & set(entities(mine, "product"))
    assert len(entities(mine, "product")) == 1
    # and a cursor from one company's till is refused by the other's
    _, theirs, _ = await pull_all(server, other.a1)
    response = await server.client.get(PULL, params={"cursor": theirs}, headers=shop.a1.auth)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-cursor")


async def test_gst_rates_reach_every_companys_tills(server: Server, shop: Shop) -> None:
    other = await make_shop(server, "bravo")
    root = await server.platform_admin()
    response = await server.client.post(
        "/api/v1/catalog/gst-rates",
        json={"hsn": "1905", "rate": "18", "effective_from": "2017-07-01"},
        headers=root,
    )
    assert response.status_code == 201, response.text
    later = await server.client.post(
        "/api/v1/catalog/gst-rates",
        json={"hsn": "1905", "rate": "5", "effective_from": "2025-09-22"},
        headers=root,
    )
    assert later.status_code == 201, later.text
    for till in (shop.a1, other.a2):
        rates = entities((await pull_all(server, till))[0], "gst_rate")
        spans = sorted(
            (str(r.data.effective_from), str(r.data.effective_to), str(r.data.rate))  # type: ignore[union-attr]
            for r in rates.values()
        )
        assert spans == [("2017-07-01", "2025-09-21", "18.00"), ("2025-09-22", "None", "5.00")]
    denied = await shop.api(
        "POST",
        "/api/v1/catalog/gst-rates",
        {"hsn": "1905", "rate": "5", "effective_from": "2030-01-01"},
    )
    assert denied.status_code == 403
    listed = await shop.ok("GET", "/api/v1/catalog/gst-rates?on=2026-01-01")
    assert [(r["hsn"], r["rate"]) for r in listed] == [("1905", "5.00")]
    clash = await server.client.post(
        "/api/v1/catalog/gst-rates",
        json={"hsn": "1905", "rate": "12", "effective_from": "2025-09-22"},
        headers=root,
    )
    assert (clash.status_code, clash.json()["field"]) == (409, "effective_from")
    for body, field in (
        ({"hsn": "19", "rate": "101", "effective_from": "2030-01-01"}, "rate"),
        ({"hsn": "19", "rate": "5.555", "effective_from": "2030-01-01"}, "rate"),
        ({"hsn": "1", "rate": "5", "effective_from": "2030-01-01"}, "hsn"),
        ({"hsn": "19", "rate": "5", "effective_from": "2030-13-01"}, "effective_from"),
        (
            {
                "hsn": "19",
                "rate": "5",
                "effective_from": "2030-01-02",
                "effective_to": "2030-01-01",
            },
            "effective_to",
        ),
    ):
        bad = await server.client.post("/api/v1/catalog/gst-rates", json=body, headers=root)
        assert (bad.status_code, bad.json().get("field")) == (400, field), bad.text


async def test_pages_are_gzipped_when_the_till_accepts_gzip(shop: Shop) -> None:
    await add_products(shop, 20)
    client = shop.server.client
    zipped = await client.get(PULL, headers={**shop.a1.auth, "Accept-Encoding": "gzip"})
    assert zipped.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.num_bytes_downloaded < len(zipped.content) / 3  # actually compressed
    plain = await client.get(PULL, headers={**shop.a1.auth, "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.num_bytes_downloaded == len(plain.content)
    refused = await client.get(PULL, headers={**shop.a1.auth, "Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    assert zipped.content == plain.content  # the same page, decompressed by the client
    assert len(decode(zipped.content, PullPage).changes) == 61  # 20 x 3, and A1's settings


async def test_bad_pull_requests_are_clear_problems(server: Server, shop: Shop) -> None:
    client = server.client
    _, a1_cursor, _ = await pull_all(server, shop.a1)
    _, a2_cursor, _ = await pull_all(server, shop.a2)
    head, company, global_, tag = a1_cursor.split(".")
    for params, kind in (
        ({"cursor": "garbage"}, "invalid-cursor"),
        ({"cursor": "x" * 300}, "invalid-cursor"),
        ({"cursor": "1.2.3.not-a-tag-at-all"}, "invalid-cursor"),
        ({"cursor": a2_cursor}, "invalid-cursor"),  # another store's cursor
        ({"cursor": f"{head}.{int(company) + 1000}.{global_}.{tag}"}, "invalid-cursor"),
        ({"cursor": "1.0.0.AAAAAAAAAAAA"}, "invalid-cursor"),
        ({"limit": 0}, "invalid-input"),
        ({"limit": 5001}, "invalid-input"),
        ({"limit": "lots"}, "invalid-input"),
    ):
        response = await client.get(PULL, params=params, headers=shop.a1.auth)
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["type"].endswith(kind), (params, body)
        assert body["field"] == next(iter(params)), body
    forged = f"{head}.{int(company) + 1000}.{global_}.{tag}"
    ahead = await client.get(PULL, params={"cursor": forged}, headers=shop.a1.auth)
    assert "ahead of this server's feed" in ahead.json()["detail"]
    foreign = await client.get(PULL, params={"cursor": a2_cursor}, headers=shop.a1.auth)
    assert "another store" in foreign.json()["detail"]
    assert (await client.get(PULL)).status_code == 401
    assert (await client.get(PULL, headers=shop.admin)).status_code == 403
    revoked = await client.post(
        f"/api/v1/terminals/{shop.a2.terminal_id}/revoke", headers=shop.admin
    )
    assert revoked.status_code == 200
    assert (await client.get(PULL, headers=shop.a2.auth)).status_code in {401, 403}


async def test_store_settings_follow_the_store_and_leave_with_its_gstin(shop: Shop) -> None:
    server = shop.server
    a1_changes, a1, _ = await pull_all(server, shop.a1)
    _, a2, _ = await pull_all(server, shop.a2)
    url = f"/api/v1/stores/{shop.a2.store_id}"
    await shop.ok("PATCH", url, {"gstin": "27AAPFU0939F1ZV", "address": "1 Link Road"})
    changes, a2, _ = await pull_all(server, shop.a2, a2)
    (settings,) = changes
    assert settings.data is not None
    assert (settings.entity_id, settings.version) == (shop.a2.store_id, 1)
    assert (settings.data.code, settings.data.address) == ("A2", ("1 Link Road",))
    await shop.ok("PATCH", url, {"name": "Andheri East"})
    (renamed,) = (await pull_all(server, shop.a2, a2))[0]
    assert renamed.data is not None
    assert (renamed.data.name, renamed.version) == ("Andheri East", 2)
    await shop.ok("PATCH", url, {"gstin": None})
    changes, _, _ = await pull_all(server, shop.a2, a2)
    assert [(c.op, c.version) for c in changes] == [("delete", 3)]
    assert (await pull_all(server, shop.a1, a1))[0] == []  # none of it was A1's business
    assert len(entities(a1_changes, "store_settings")) == 1
