"""The database refuses bad rows itself, whatever the application forgets to check."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from sync_server.db import models as m
from sync_server.db.session import Database
from tests.sync_server.conftest import Server

NOW = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.fixture
async def company(server: Server) -> tuple[Database, uuid.UUID, uuid.UUID]:
    a = await server.tenant("alpha")
    store = await server.store(a)
    return server.ctx.db, a.company_id, store


async def insert(db: Database, company_id: uuid.UUID, row: Any) -> None:
    async with db.tenant(company_id) as session:
        session.add(row)
        await session.flush()


def product(company_id: uuid.UUID, **overrides: Any) -> m.Product:
    values: dict[str, Any] = {
        "company_id": company_id,
        "id": uuid.uuid4(),
        "sku": "SKU1",
        "name": "Tea",
        "hsn_code": "0902",
        "unit": "pcs",
        "price_includes_tax": True,
        "active": True,
        "version": 1,
        "updated_at": NOW,
    }
    return m.Product(**{**values, **overrides})


async def test_a_store_state_code_must_be_two_digits(
    company: tuple[Database, uuid.UUID, uuid.UUID],
) -> None:
    db, cid, _ = company
    bad = m.Store(
        company_id=cid,
        id=uuid.uuid4(),
        code="X",
        name="x",
        state_code="MH",
        address="",
        active=True,
        created_at=NOW,
        updated_at=NOW,
    )
    with pytest.raises(IntegrityError, match="ck_stores_state_code"):
        await insert(db, cid, bad)


async def test_a_membership_role_must_be_one_of_the_three(
    company: tuple[Database, uuid.UUID, uuid.UUID], server: Server
) -> None:
    db, cid, _ = company
    me = (await server.client.get("/api/v1/auth/me", headers=await _auth(server))).json()
    bad = m.Membership(
        company_id=cid,
        id=uuid.uuid4(),
        user_id=uuid.UUID(me["user_id"]),
        role="platform_admin",
        store_id=None,
        created_at=NOW,
    )
    with pytest.raises(IntegrityError, match="ck_memberships_role"):
        await insert(db, cid, bad)


async def _auth(server: Server) -> dict[str, str]:
    tokens = await server.login("admin@alpha.example")
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_the_same_company_wide_role_cannot_be_granted_twice(
    company: tuple[Database, uuid.UUID, uuid.UUID], server: Server
) -> None:
    db, cid, _ = company
    me = (await server.client.get("/api/v1/auth/me", headers=await _auth(server))).json()
    again = m.Membership(
        company_id=cid,
        id=uuid.uuid4(),
        user_id=uuid.UUID(me["user_id"]),
        role="company_admin",
        store_id=None,
        created_at=NOW,
    )
    with pytest.raises(IntegrityError, match="uq_memberships"):
        await insert(db, cid, again)


async def test_an_hsn_code_is_4_to_8_digits(
    company: tuple[Database, uuid.UUID, uuid.UUID],
) -> None:
    db, cid, _ = company
    await insert(db, cid, product(cid))
    with pytest.raises(IntegrityError, match="ck_products_hsn_code"):
        await insert(db, cid, product(cid, sku="SKU2", hsn_code="09A2"))


async def test_skus_are_unique_within_a_company(
    company: tuple[Database, uuid.UUID, uuid.UUID],
) -> None:
    db, cid, _ = company
    await insert(db, cid, product(cid))
    with pytest.raises(IntegrityError, match="uq_products_company_id_sku"):
        await insert(db, cid, product(cid))


async def test_prices_are_whole_non_negative_paise(
    company: tuple[Database, uuid.UUID, uuid.UUID],
) -> None:
    db, cid, _ = company
    item = product(cid)
    await insert(db, cid, item)
    price = m.Price(
        company_id=cid,
        id=uuid.uuid4(),
        product_id=item.id,
        store_id=None,
        mrp_paise=-1,
        price_paise=100,
        effective_from=NOW,
    )
    with pytest.raises(IntegrityError, match="ck_prices_non_negative"):
        await insert(db, cid, price)


async def test_a_foreign_key_cannot_point_into_another_company(
    company: tuple[Database, uuid.UUID, uuid.UUID], server: Server
) -> None:
    db, cid, _ = company
    b = await server.tenant("bravo")
    b_store = await server.store(b, "B1")
    # company A's terminal naming company B's store: the composite key has no such parent
    terminal = m.Terminal(
        company_id=cid,
        id=uuid.uuid4(),
        store_id=b_store,
        code="T01",
        name="x",
        status="active",
        credential_digest="0" * 64,
        last_event_seq=0,
        enrolled_at=NOW,
    )
    with pytest.raises(IntegrityError, match="fk_terminals"):
        await insert(db, cid, terminal)


async def test_quantities_keep_three_decimals_and_reservations_must_be_positive(
    company: tuple[Database, uuid.UUID, uuid.UUID],
) -> None:
    db, cid, store = company
    item = product(cid)
    await insert(db, cid, item)
    level = m.StockLevel(
        company_id=cid,
        store_id=store,
        product_id=item.id,
        on_hand=Decimal("1.250"),
        reserved=Decimal(0),
        updated_at=NOW,
    )
    await insert(db, cid, level)
    async with db.tenant(cid) as session:
        stored = await session.get(m.StockLevel, (cid, store, item.id))
    assert stored is not None
    assert stored.on_hand == Decimal("1.250")
    hold = m.Reservation(
        company_id=cid,
        id=uuid.uuid4(),
        store_id=store,
        kind="hold",
        reference="customer hold",
        status="held",
        fingerprint="0" * 64,
        expires_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    await insert(db, cid, hold)
    line = m.ReservationLine(
        company_id=cid,
        reservation_id=hold.id,
        product_id=item.id,
        store_id=store,
        quantity=Decimal(0),
        held=True,
        expires_at=NOW,
    )
    with pytest.raises(IntegrityError, match="ck_reservation_lines_quantity"):
        await insert(db, cid, line)


async def test_an_event_is_applied_once_per_company(
    company: tuple[Database, uuid.UUID, uuid.UUID],
) -> None:
    db, cid, _ = company
    event_id = uuid.uuid4()

    def applied() -> m.AppliedEvent:
        return m.AppliedEvent(
            company_id=cid,
            event_id=event_id,
            terminal_id=uuid.uuid4(),
            seq=1,
            kind="SaleCompleted",
            ack={"status": "applied"},
            applied_at=NOW,
        )

    await insert(db, cid, applied())
    with pytest.raises(IntegrityError, match="pk_applied_events"):
        await insert(db, cid, applied())


async def test_money_columns_are_bigint_paise_not_floats() -> None:
    from sqlalchemy import BigInteger

    money = [
        column
        for table in m.Base.metadata.tables.values()
        for column in table.columns
        if column.name.endswith("_paise")
    ]
    assert len(money) >= 20
    for column in money:
        assert isinstance(column.type, BigInteger), f"{column.table.name}.{column.name}"


async def test_a_row_without_its_company_is_refused_by_row_level_security(
    company: tuple[Database, uuid.UUID, uuid.UUID],
) -> None:
    db, cid, _ = company
    with pytest.raises(DBAPIError):
        await insert(db, cid, product(uuid.uuid4()))
