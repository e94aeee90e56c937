"""Fixtures for the stock tests: a migrated database with a company, stores and products.

Rows are made straight in the platform session (no HTTP), so the ledger tests stay fast;
the API tests use the ``server`` fixture of ``tests/sync_server/conftest.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from sync_server.db import models as m
from sync_server.db.session import Database
from sync_server.lib.ids import new_id

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class Shop:
    """A company with stores and products, and the database they live in."""

    db: Database
    company_id: uuid.UUID
    stores: list[uuid.UUID]
    products: list[uuid.UUID]


async def make_company(db: Database, slug: str, *, stores: int = 2, products: int = 10) -> Shop:
    """Insert a company with ``stores`` stores and ``products`` products."""
    company_id = new_id()
    store_ids = [new_id() for _ in range(stores)]
    product_ids = [new_id() for _ in range(products)]
    async with db.platform() as session:
        session.add(
            m.Company(
                id=company_id,
                name=slug.title(),
                slug=slug,
                status="active",
                plan="standard",
                max_stores=100,
                max_terminals=100,
                max_users=100,
                created_at=T0,
                updated_at=T0,
            )
        )
        await session.flush()
        session.add_all(
            m.Store(
                company_id=company_id,
                id=sid,
                code=f"S{i}",
                name=f"Store {i}",
                gstin=None,
                state_code="27",
                address="",
                active=True,
                created_at=T0,
                updated_at=T0,
            )
            for i, sid in enumerate(store_ids)
        )
        session.add_all(
            m.Product(
                company_id=company_id,
                id=pid,
                sku=f"SKU{i:05d}",
                name=f"Product {i}",
                hsn_code="1905",
                unit="pcs",
                price_includes_tax=True,
                active=True,
                version=1,
                updated_at=T0,
            )
            for i, pid in enumerate(product_ids)
        )
    return Shop(db, company_id, store_ids, product_ids)


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    """A connection pool on a fresh migrated database."""
    db = Database(db_url, pool_size=12)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
async def shop(database: Database) -> Shop:
    """Company "alpha" with two stores and ten products."""
    return await make_company(database, "alpha")
