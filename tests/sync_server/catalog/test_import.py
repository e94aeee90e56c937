"""CSV import: all rows or none, every problem with its line number, changes reach the tills."""

from __future__ import annotations

from typing import Any

from sync_server.domain.catalog.imports import parse_catalog_csv
from tests.sync_server.catalog.test_products import PRODUCTS, RICE, counts
from tests.sync_server.pull.helpers import Shop, entities, pull_all

IMPORT = "/api/v1/catalog/import"
GOOD = (
    "sku,name,hsn,unit,price_includes_tax,mrp_paise,price_paise,barcodes\n"
    "RICE-1,Basmati Rice 1kg,1006,pcs,yes,12000,11500,8901234000014\n"
    'ATTA-5,"Atta, whole wheat 5kg",1101,pcs,yes,30000,28000,8901234000021|8901234000038\n'
    "POTATO,Potatoes,0701,kg,no,,3000,\n"
)


async def post_csv(shop: Shop, data: str | bytes) -> Any:
    body = data.encode() if isinstance(data, str) else data
    return await shop.server.client.post(
        IMPORT, content=body, headers={**shop.admin, "content-type": "text/csv"}
    )


async def test_a_good_file_imports_products_barcodes_and_prices(shop: Shop) -> None:
    response = await post_csv(shop, GOOD)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "products_created": 3,
        "products_updated": 0,
        "barcodes_added": 3,
        "prices_set": 3,
    }
    page = await shop.ok("GET", PRODUCTS)
    atta = next(p for p in page["items"] if p["sku"] == "ATTA-5")
    assert atta["name"] == "Atta, whole wheat 5kg"
    assert sorted(b["code"] for b in atta["barcodes"]) == ["8901234000021", "8901234000038"]
    assert [p["price_paise"] for p in atta["prices"]] == [28000]
    potato = next(p for p in page["items"] if p["sku"] == "POTATO")
    assert (potato["unit"], potato["price_includes_tax"], potato["mrp_paise"]) == (
        "kg",
        False,
        None,
    )
    changes, _, _ = await pull_all(shop.server, shop.a1)
    assert len(entities(changes, "product")) == 3
    assert len(entities(changes, "barcode")) == 3
    assert len(entities(changes, "price")) == 3


async def test_importing_again_updates_only_what_changed(shop: Shop) -> None:
    assert (await post_csv(shop, GOOD)).status_code == 200
    _, cursor, _ = await pull_all(shop.server, shop.a1)
    shop.server.ctx.clock.advance(minutes=1)  # type: ignore[attr-defined]
    again = GOOD.replace("28000", "27500").replace("Potatoes", "Potatoes (loose)")
    response = await post_csv(shop, again)
    assert response.json() == {
        "products_created": 0,
        "products_updated": 1,
        "barcodes_added": 0,
        "prices_set": 1,
    }
    changes, _, _ = await pull_all(shop.server, shop.a1, cursor)
    kinds = sorted((c.__struct_config__.tag, c.version) for c in changes)  # type: ignore[attr-defined]
    assert kinds == [("price", 1), ("price", 2), ("product", 2)]  # new, closed, renamed
    atta = next(p for p in (await shop.ok("GET", PRODUCTS))["items"] if p["sku"] == "ATTA-5")
    assert [(p["price_paise"], p["effective_to"] is None) for p in atta["prices"]] == [
        (27500, True),
        (28000, False),
    ]


async def test_a_file_with_problems_lists_each_with_its_line_and_imports_nothing(
    shop: Shop,
) -> None:
    before = await counts(shop)
    bad = (
        GOOD
        + "RICE-1,Duplicate,1006,pcs,yes,,100,\n"  # line 5
        + "SALT,Salt,25,pcs,maybe,12.50,1000,8901234000015\n"  # line 6
        + "OIL,Oil,1512,litre,yes,,-5,8901234000014\n"  # line 7
        + "SHORT,row\n"  # line 8
    )
    response = await post_csv(shop, bad)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["field"] == "file"
    found = {(e["line"], e["field"]) for e in body["errors"]}
    assert found == {
        (5, "sku"),
        (6, "hsn"),
        (6, "price_includes_tax"),
        (6, "mrp_paise"),
        (6, "barcodes"),
        (7, "unit"),
        (7, "price_paise"),
        (7, "barcodes"),
        (8, None),
    }
    assert body["error_count"] == 9
    assert "line 5" in body["detail"]
    assert await counts(shop) == before


async def test_a_barcode_owned_by_a_product_outside_the_file_fails_the_whole_import(
    shop: Shop,
) -> None:
    await shop.ok("POST", PRODUCTS, {**RICE, "sku": "OTHER"}, status=201)  # owns ...014
    before = await counts(shop)
    response = await post_csv(shop, GOOD)
    assert response.status_code == 400, response.text
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [(2, "barcodes")]
    assert await counts(shop) == before


async def test_bad_files_are_refused_clearly(shop: Shop) -> None:
    for data, needle in (
        ("", "empty"),
        ("sku,name\nX,y\n", "hsn"),
        ("sku,name,hsn,colour\nX,y,1006,red\n", "colour"),
        ("sku,name,hsn\n", "no products"),
        (b"sku,name,hsn\nX,\xff\xfe,1006\n", "UTF-8"),
    ):
        response = await post_csv(shop, data)
        assert response.status_code == 400, (data, response.text)
        assert needle in response.text, (needle, response.text)
    store_manager_free = await shop.server.client.post(IMPORT, content=GOOD.encode())
    assert store_manager_free.status_code == 401


def test_the_parser_accepts_a_byte_order_mark_free_header_in_any_case_and_order() -> None:
    rows, errors = parse_catalog_csv("HSN,Name,SKU\n1006,Rice,R1\n\n")
    assert errors == []
    assert [(r.sku, r.hsn, r.unit, r.price_includes_tax, r.line) for r in rows] == [
        ("R1", "1006", "pcs", True, 2)
    ]
