"""Products and barcodes through the admin API: validation, conflicts, versions, deletion."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from sync_server.db import models as m
from tests.sync_server.conftest import PASSWORD
from tests.sync_server.pull.helpers import Shop, entities, pull_all

PRODUCTS = "/api/v1/catalog/products"
PROBLEM = "application/problem+json"
RICE = {
    "sku": "RICE-1",
    "name": "Basmati Rice 1kg",
    "hsn": "1006",
    "unit": "pcs",
    "mrp_paise": 12000,
    "barcodes": [{"code": "8901234000014"}],
    "price_paise": 11500,
}


async def counts(shop: Shop) -> tuple[int, ...]:
    found = []
    async with shop.server.ctx.db.tenant(shop.company_id) as session:
        for model in (m.Product, m.Barcode, m.Price, m.ChangeLog):
            found.append(int(await session.scalar(select(func.count()).select_from(model)) or 0))
    return tuple(found)


def problem(response: Any, status: int, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["detail"]
    assert body.get("field") == field, body
    return body


async def test_a_product_is_created_with_its_barcodes_and_price_and_read_back(shop: Shop) -> None:
    made = await shop.ok("POST", PRODUCTS, RICE, status=201)
    assert (made["sku"], made["hsn"], made["mrp_paise"], made["version"]) == (
        "RICE-1",
        "1006",
        12000,
        1,
    )
    assert [b["code"] for b in made["barcodes"]] == ["8901234000014"]
    assert [(p["price_paise"], p["store_id"], p["effective_to"]) for p in made["prices"]] == [
        (11500, None, None)
    ]
    fetched = await shop.ok("GET", f"{PRODUCTS}/{made['id']}")
    assert fetched == made


async def test_a_upc_a_barcode_is_stored_as_its_ean_13(shop: Shop) -> None:
    made = await shop.ok(
        "POST", PRODUCTS, {**RICE, "barcodes": [{"code": " 036000291452 "}]}, status=201
    )
    assert [b["code"] for b in made["barcodes"]] == ["0036000291452"]


BAD_PRODUCTS = [
    ({**RICE, "hsn": "100"}, "hsn"),
    ({**RICE, "hsn": "10061"}, "hsn"),
    ({**RICE, "hsn": "10AB"}, "hsn"),
    ({**RICE, "unit": "box"}, "unit"),
    ({**RICE, "price_paise": "11500"}, "price_paise"),
    ({**RICE, "price_paise": 115.0}, "price_paise"),
    ({**RICE, "price_paise": 115.5}, "price_paise"),
    ({**RICE, "price_paise": -1}, "price_paise"),
    ({**RICE, "mrp_paise": 10**14}, "mrp_paise"),
    ({**RICE, "sku": ""}, "sku"),
    ({**RICE, "sku": "has space"}, "sku"),
    ({**RICE, "name": ""}, "name"),
    ({**RICE, "colour": "red"}, "colour"),
    ({k: v for k, v in RICE.items() if k != "sku"}, "sku"),
    ({**RICE, "barcodes": [{"code": "8901234000015"}]}, "barcodes[0].code"),
    ({**RICE, "barcodes": [{"code": "89012340000"}]}, "barcodes[0].code"),  # see below
    ({**RICE, "barcodes": [{"code": "bad code!"}]}, "barcodes[0].code"),
    ({**RICE, "barcodes": [{"code": "8901234000014", "quantity": "0"}]}, "barcodes[0].quantity"),
    (
        {**RICE, "barcodes": [{"code": "8901234000014", "quantity": "1.0005"}]},
        "barcodes[0].quantity",
    ),
    (
        {**RICE, "barcodes": [{"code": "8901234000014"}, {"code": "8901234000014"}]},
        "barcodes[1].code",
    ),
]


async def test_a_bad_product_is_refused_naming_the_field_and_nothing_is_written(
    shop: Shop,
) -> None:
    before = await counts(shop)
    for body, field in BAD_PRODUCTS[:15] + BAD_PRODUCTS[16:]:
        problem(await shop.api("POST", PRODUCTS, body), 400, field)
    assert await counts(shop) == before


async def test_an_eleven_digit_code_is_an_in_store_code_not_a_gtin(shop: Shop) -> None:
    made = await shop.ok("POST", PRODUCTS, BAD_PRODUCTS[15][0], status=201)
    assert [b["code"] for b in made["barcodes"]] == ["89012340000"]


async def test_no_body_or_malformed_json_is_a_clear_400(shop: Shop) -> None:
    assert "body is required" in problem(await shop.api("POST", PRODUCTS), 400, None)["detail"]
    response = await shop.server.client.post(
        PRODUCTS, content=b"{not json", headers={**shop.admin, "content-type": "application/json"}
    )
    assert "not valid JSON" in problem(response, 400, None)["detail"]


async def test_a_taken_sku_or_barcode_is_a_conflict_naming_it(shop: Shop) -> None:
    await shop.ok("POST", PRODUCTS, RICE, status=201)
    before = await counts(shop)
    problem(await shop.api("POST", PRODUCTS, {**RICE, "barcodes": []}), 409, "sku")
    body = problem(
        await shop.api("POST", PRODUCTS, {**RICE, "sku": "RICE-2"}), 409, "barcodes[0].code"
    )
    assert "RICE-1" in body["detail"]
    assert await counts(shop) == before


async def test_an_update_bumps_the_version_and_a_no_op_does_not(shop: Shop) -> None:
    made = await shop.ok("POST", PRODUCTS, RICE, status=201)
    url = f"{PRODUCTS}/{made['id']}"
    updated = await shop.ok("PATCH", url, {"name": "Basmati Rice 1 kg", "mrp_paise": None})
    assert (updated["name"], updated["mrp_paise"], updated["version"]) == (
        "Basmati Rice 1 kg",
        None,
        2,
    )
    same = await shop.ok("PATCH", url, {"name": "Basmati Rice 1 kg"})
    assert same["version"] == 2
    problem(await shop.api("PATCH", url, {"hsn": "12"}), 400, "hsn")
    problem(await shop.api("PATCH", url, {"sku": "X"}), 400, "sku")
    problem(await shop.api("PATCH", f"{PRODUCTS}/{uuid.uuid4()}", {"name": "x"}), 404, None)


async def test_deactivating_reaches_the_tills_as_an_inactive_product(shop: Shop) -> None:
    made = await shop.ok("POST", PRODUCTS, RICE, status=201)
    _, cursor, _ = await pull_all(shop.server, shop.a1)
    await shop.ok("PATCH", f"{PRODUCTS}/{made['id']}", {"active": False})
    changes, _, _ = await pull_all(shop.server, shop.a1, cursor)
    product = entities(changes, "product")[uuid.UUID(made["id"])]
    assert product.data is not None
    assert (product.data.active, product.version) == (False, 2)


async def test_deleting_a_product_sends_tombstones_for_it_and_everything_it_had(shop: Shop) -> None:
    made = await shop.ok("POST", PRODUCTS, RICE, status=201)
    await shop.ok("POST", f"{PRODUCTS}/{made['id']}/barcodes", {"code": "12345"}, status=201)
    _, cursor, _ = await pull_all(shop.server, shop.a1)
    response = await shop.api("DELETE", f"{PRODUCTS}/{made['id']}")
    assert response.status_code == 204, response.text
    changes, _, _ = await pull_all(shop.server, shop.a1, cursor)
    assert [(c.__struct_config__.tag, c.op) for c in changes] == [  # type: ignore[attr-defined]
        ("barcode", "delete"),
        ("barcode", "delete"),
        ("price", "delete"),
        ("product", "delete"),
    ]
    assert all(c.data is None for c in changes)
    assert (await counts(shop))[:3] == (0, 0, 0)
    problem(await shop.api("GET", f"{PRODUCTS}/{made['id']}"), 404, None)
    problem(await shop.api("DELETE", f"{PRODUCTS}/{made['id']}"), 404, None)


async def test_a_product_with_stock_cannot_be_deleted_only_deactivated(shop: Shop) -> None:
    made = await shop.ok("POST", PRODUCTS, RICE, status=201)
    async with shop.server.ctx.db.tenant(shop.company_id) as session:
        session.add(
            m.StockLevel(
                company_id=shop.company_id,
                store_id=shop.a1.store_id,
                product_id=uuid.UUID(made["id"]),
                on_hand=Decimal(3),
                reserved=Decimal(0),
                updated_at=shop.server.ctx.clock(),
            )
        )
    before = await counts(shop)
    body = problem(await shop.api("DELETE", f"{PRODUCTS}/{made['id']}"), 409, "product_id")
    assert "deactivate" in body["detail"]
    assert await counts(shop) == before


async def test_barcodes_are_added_and_removed_and_belong_to_one_product(shop: Shop) -> None:
    rice = await shop.ok("POST", PRODUCTS, RICE, status=201)
    salt = await shop.ok(
        "POST", PRODUCTS, {**RICE, "sku": "SALT", "barcodes": [], "price_paise": None}, status=201
    )
    url = f"{PRODUCTS}/{salt['id']}/barcodes"
    carton = await shop.ok("POST", url, {"code": "4006381333931", "quantity": "12"}, status=201)
    assert (carton["code"], carton["quantity"]) == ("4006381333931", "12")
    body = problem(await shop.api("POST", url, {"code": "8901234000014"}), 409, "code")
    assert "RICE-1" in body["detail"]
    problem(await shop.api("POST", url, {"code": "4006381333932"}), 400, "code")
    problem(await shop.api("POST", url, {"code": "x", "quantity": "lots"}), 400, "quantity")
    problem(await shop.api("POST", url, {"code": "12345", "quantity": "-2"}), 400, "quantity")
    problem(await shop.api("DELETE", f"{url}/8901234000014"), 404, "code")  # rice's, not salt's
    assert (await shop.api("DELETE", f"{url}/4006381333931")).status_code == 204
    problem(await shop.api("DELETE", f"{url}/4006381333931"), 404, "code")
    assert (await shop.ok("GET", f"{PRODUCTS}/{salt['id']}"))["barcodes"] == []
    assert len((await shop.ok("GET", f"{PRODUCTS}/{rice['id']}"))["barcodes"]) == 1


async def test_listing_pages_by_sku_with_a_keyset_token(shop: Shop) -> None:
    for n in range(7):
        await shop.ok(
            "POST",
            PRODUCTS,
            {"sku": f"P{n:02d}", "name": f"Thing {n}", "hsn": "3401"},
            status=201,
        )
    seen, token = [], None
    while True:
        url = f"{PRODUCTS}?limit=3" + (f"&after={token}" if token else "")
        page = await shop.ok("GET", url)
        seen += [p["sku"] for p in page["items"]]
        token = page["next"]
        if token is None:
            break
    assert seen == [f"P{n:02d}" for n in range(7)]
    found = await shop.ok("GET", f"{PRODUCTS}?q=thing 3")
    assert [p["sku"] for p in found["items"]] == ["P03"]
    problem(await shop.api("GET", f"{PRODUCTS}?limit=0"), 400, "limit")
    problem(await shop.api("GET", f"{PRODUCTS}?limit=501"), 400, "limit")
    problem(await shop.api("GET", f"{PRODUCTS}?after=%25%25"), 400, "after")
    problem(await shop.api("GET", f"{PRODUCTS}?limit=many"), 400, "limit")


async def test_a_store_manager_reads_the_catalog_but_cannot_change_it(shop: Shop) -> None:
    made = await shop.ok("POST", PRODUCTS, RICE, status=201)
    await shop.ok(
        "POST",
        "/api/v1/users",
        {
            "full_name": "Manager",
            "email": "manager@alpha.example",
            "password": PASSWORD,
            "roles": [{"role": "store_manager", "store_id": str(shop.a1.store_id)}],
        },
        status=201,
    )
    tokens = await shop.server.login("manager@alpha.example")
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    client = shop.server.client
    assert (await client.get(f"{PRODUCTS}/{made['id']}", headers=auth)).status_code == 200
    assert (await client.get(PRODUCTS, headers=auth)).status_code == 200
    for method, url, body in (
        ("POST", PRODUCTS, {**RICE, "sku": "X"}),
        ("PATCH", f"{PRODUCTS}/{made['id']}", {"name": "x"}),
        ("DELETE", f"{PRODUCTS}/{made['id']}", None),
        ("POST", f"{PRODUCTS}/{made['id']}/prices", {"price_paise": 1}),
        ("POST", f"{PRODUCTS}/{made['id']}/barcodes", {"code": "12345"}),
    ):
        response = await client.request(method, url, json=body, headers=auth)
        assert response.status_code == 403, (method, url, response.text)


async def test_every_catalog_route_answers_bad_input_with_a_problem(shop: Shop) -> None:
    made = await shop.ok("POST", PRODUCTS, RICE, status=201)
    url = f"{PRODUCTS}/{made['id']}"
    before = await counts(shop)
    for method, path, body, field in (
        ("PATCH", url, None, None),
        ("PATCH", url, {"active": "no"}, "active"),
        ("PATCH", url, {"mrp_paise": "12000"}, "mrp_paise"),
        ("POST", f"{url}/barcodes", None, None),
        ("POST", f"{url}/barcodes", {"code": 8901234000014}, "code"),
        ("POST", f"{url}/prices", None, None),
        ("GET", f"{PRODUCTS}?active=maybe", None, "active"),
        ("GET", "/api/v1/catalog/gst-rates?on=2026-13-01", None, "on"),
    ):
        response = await shop.api(method, path, body)
        problem(response, 400, field)
    for method, path in (
        ("GET", f"{PRODUCTS}/not-a-uuid"),
        ("DELETE", f"{url}/prices/not-a-uuid"),
    ):
        response = await shop.api(method, path)
        assert response.status_code in {400, 404, 405}, (path, response.text)
        assert response.headers["content-type"] == PROBLEM
    assert await counts(shop) == before
