"""Helpers for stock tests that go through the API: products, stock, tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from sync_server.db import models as m
from sync_server.domain.stock.ledger import Movement, apply_movements
from sync_server.lib.context import AppContext
from sync_server.lib.ids import new_id
from tests.sync_server.conftest import Server, Tenant

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def add_products(ctx: AppContext, company_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    """Insert ``count`` products for the company straight into the database."""
    ids = [new_id() for _ in range(count)]
    async with ctx.db.tenant(company_id) as session:
        session.add_all(
            m.Product(
                company_id=company_id,
                id=pid,
                sku=f"P{uuid.uuid4().hex[:10]}",
                name=f"Product {i}",
                hsn_code="1905",
                unit="pcs",
                price_includes_tax=True,
                active=True,
                version=1,
                updated_at=T0,
            )
            for i, pid in enumerate(ids)
        )
    return ids


async def stock(
    ctx: AppContext, company_id: uuid.UUID, store_id: uuid.UUID, product_id: uuid.UUID, qty: Any
) -> None:
    """Put ``qty`` units on hand (an adjustment movement)."""
    async with ctx.db.tenant(company_id) as session:
        await apply_movements(
            session,
            company_id,
            [Movement(store_id, product_id, Decimal(qty), "adjustment", None, T0)],
            recorded_at=T0,
        )


def bearer(token: str) -> dict[str, str]:
    """An Authorization header."""
    return {"Authorization": f"Bearer {token}"}


async def seed_stock_of(
    server: Any, tenant: Any, store_id: uuid.UUID, second_store_code: str
) -> dict[str, uuid.UUID]:
    """Give a company stock, a held reservation and a transfer in transit (via the API).

    Returns their ids: ``stock_product_id``, ``store2_id``, ``reservation_id``, ``transfer_id``.
    """
    store2 = await server.store(tenant, second_store_code)
    [product] = await add_products(server.ctx, tenant.company_id, 1)
    await stock(server.ctx, tenant.company_id, store_id, product, 10)
    reservation, transfer = uuid.uuid4(), uuid.uuid4()
    line = [{"product_id": str(product), "quantity": "2"}]
    held = await server.client.post(
        "/api/v1/reservations",
        json={"id": str(reservation), "store_id": str(store_id), "reference": "r", "lines": line},
        headers=tenant.auth,
    )
    assert held.status_code == 201, held.text
    sent = await server.client.post(
        "/api/v1/transfers",
        json={
            "id": str(transfer),
            "from_store_id": str(store_id),
            "to_store_id": str(store2),
            "lines": [{"product_id": str(product), "quantity": "3"}],
        },
        headers=tenant.auth,
    )
    assert sent.status_code == 201, sent.text
    return {
        "stock_product_id": product,
        "store2_id": store2,
        "reservation_id": reservation,
        "transfer_id": transfer,
    }


async def assert_stock_untouched(
    server: Any, tenant: Any, store_id: uuid.UUID, ids: dict[str, uuid.UUID]
) -> None:
    """What :func:`seed_stock_of` made is exactly as it left it."""
    held = await server.client.get(
        f"/api/v1/reservations/{ids['reservation_id']}", headers=tenant.auth
    )
    assert held.json()["status"] == "held"
    sent = await server.client.get(f"/api/v1/transfers/{ids['transfer_id']}", headers=tenant.auth)
    assert sent.json()["status"] == "in_transit"
    seen = await server.client.get(
        "/api/v1/stock/availability",
        params={"store_id": str(store_id), "product_id": str(ids["stock_product_id"])},
        headers=tenant.auth,
    )
    assert (seen.json()[0]["on_hand"], seen.json()[0]["reserved"]) == ("7", "2")


@dataclass
class Shop:
    server: Server
    admin: Tenant
    stores: list[uuid.UUID]
    products: list[uuid.UUID]
    till: str  # a terminal credential of stores[0]

    @property
    def company_id(self) -> uuid.UUID:
        return self.admin.company_id

    async def stock(self, product: int, qty: Any, store: int = 0) -> None:
        await stock(
            self.server.ctx, self.company_id, self.stores[store], self.products[product], qty
        )

    async def reserve(
        self,
        lines: list[tuple[int, Any]],
        *,
        store: int | None = 0,
        token: str | None = None,
        rid: uuid.UUID | None = None,
        **extra: Any,
    ) -> Any:
        body: dict[str, Any] = {
            "id": str(rid or uuid.uuid4()),
            "reference": "customer hold",
            "lines": [{"product_id": str(self.products[p]), "quantity": str(q)} for p, q in lines],
            **extra,
        }
        if store is not None:
            body["store_id"] = str(self.stores[store])
        return await self.server.client.post(
            "/api/v1/reservations", json=body, headers=bearer(token or self.admin.token)
        )

    async def act(self, rid: str, action: str, token: str | None = None, **body: Any) -> Any:
        return await self.server.client.post(
            f"/api/v1/reservations/{rid}/{action}",
            json=body or None,
            headers=bearer(token or self.admin.token),
        )

    async def availability(self, *products: int, store: int = 0) -> dict[int, dict[str, Any]]:
        params: list[tuple[str, str]] = [("store_id", str(self.stores[store]))]
        params += [("product_id", str(self.products[p])) for p in products]
        response = await self.server.client.get(
            "/api/v1/stock/availability", params=params, headers=bearer(self.admin.token)
        )
        assert response.status_code == 200, response.text
        by_id = {row["product_id"]: row for row in response.json()}
        return {p: by_id[str(self.products[p])] for p in products}

    async def level(self, product: int, store: int = 0) -> m.StockLevel:
        async with self.server.ctx.db.tenant(self.company_id) as session:
            level = await session.get(
                m.StockLevel, (self.company_id, self.stores[store], self.products[product])
            )
        assert level is not None
        return level

    async def movements(self) -> list[m.StockMovement]:
        async with self.server.ctx.db.tenant(self.company_id) as session:
            rows = await session.scalars(
                select(m.StockMovement).where(m.StockMovement.reason != "adjustment")
            )
            return list(rows)


async def make_shop(server: Server) -> Shop:
    """Company "alpha": two stores, four products, a till enrolled in the first store."""
    admin = await server.tenant("alpha")
    stores = [await server.store(admin, "A1"), await server.store(admin, "A2")]
    products = await add_products(server.ctx, admin.company_id, 4)
    till = await server.enrol(await server.enrolment_code(admin, stores[0]))
    return Shop(server, admin, stores, products, till["credential"])
