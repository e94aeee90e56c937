"""Row-level security holds even when a query forgets its tenant filter."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from sync_server.db.session import Database
from tests.sync_server.conftest import Server


@pytest.fixture
async def two_companies(server: Server) -> tuple[uuid.UUID, uuid.UUID]:
    a = await server.tenant("alpha")
    b = await server.tenant("bravo")
    await server.store(a, "A1")
    await server.store(a, "A2")
    await server.store(b, "B1")
    return a.company_id, b.company_id


async def test_an_unscoped_select_in_company_a_sees_only_company_a_stores(
    server: Server, two_companies: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, b = two_companies
    async with server.ctx.db.tenant(a) as session:
        rows = (await session.execute(text("SELECT company_id, code FROM stores"))).all()
    assert sorted(code for _, code in rows) == ["A1", "A2"]
    assert {company for company, _ in rows} == {a}
    async with server.ctx.db.tenant(b) as session:
        codes = (await session.execute(text("SELECT code FROM stores"))).scalars().all()
    assert codes == ["B1"]


async def test_the_platform_session_sees_every_company(
    server: Server, two_companies: tuple[uuid.UUID, uuid.UUID]
) -> None:
    async with server.ctx.db.platform() as session:
        count = await session.scalar(text("SELECT count(*) FROM stores"))
    assert count == 3


async def test_a_tenant_session_sees_only_its_own_company_row(
    server: Server, two_companies: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, _ = two_companies
    async with server.ctx.db.tenant(a) as session:
        ids = (await session.execute(text("SELECT id FROM companies"))).scalars().all()
    assert ids == [a]


async def test_the_app_role_without_a_company_setting_sees_nothing(
    server: Server, two_companies: tuple[uuid.UUID, uuid.UUID]
) -> None:
    db: Database = server.ctx.db
    async with db.engine.begin() as conn:
        await conn.execute(text("SET LOCAL ROLE galla_app"))
        count = await conn.scalar(text("SELECT count(*) FROM stores"))
    assert count == 0


async def test_a_tenant_session_runs_as_the_app_role_and_the_role_ends_with_it(
    server: Server, two_companies: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, _ = two_companies
    db = Database(server.ctx.db.url, pool_size=1)
    try:
        async with db.tenant(a) as session:
            row = (
                await session.execute(
                    text("SELECT current_user, current_setting('galla.company_id')")
                )
            ).one()
        assert tuple(row) == ("galla_app", str(a))
        async with db.engine.connect() as conn:
            assert await conn.scalar(text("SELECT current_user")) != "galla_app"
    finally:
        await db.dispose()


async def test_the_company_setting_does_not_outlive_its_transaction(
    server: Server, two_companies: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, _ = two_companies
    db = Database(server.ctx.db.url, pool_size=1)  # one connection, so it is surely reused
    try:
        async with db.tenant(a) as session:
            assert await session.scalar(text("SELECT count(*) FROM stores")) == 2
        async with db.engine.begin() as conn:
            await conn.execute(text("SET LOCAL ROLE galla_app"))
            assert await conn.scalar(text("SELECT count(*) FROM stores")) == 0
    finally:
        await db.dispose()


async def test_a_tenant_cannot_write_a_row_for_another_company(
    server: Server, two_companies: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, b = two_companies
    with pytest.raises(DBAPIError, match="row-level security"):
        async with server.ctx.db.tenant(a) as session:
            await session.execute(
                text(
                    "INSERT INTO stores (company_id, id, code, name, state_code, address, active,"
                    " created_at, updated_at) VALUES (:b, :id, 'X1', 'x', '27', '', true, now(),"
                    " now())"
                ),
                {"b": b, "id": uuid.uuid4()},
            )


async def test_a_tenant_cannot_move_its_row_to_another_company(
    server: Server, two_companies: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, b = two_companies
    with pytest.raises(DBAPIError, match="row-level security"):
        async with server.ctx.db.tenant(a) as session:
            await session.execute(text("UPDATE stores SET company_id = :b"), {"b": b})


async def test_an_update_without_a_filter_touches_only_the_tenants_rows(
    server: Server, two_companies: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, b = two_companies
    async with server.ctx.db.tenant(a) as session:
        result = await session.execute(text("UPDATE stores SET name = 'renamed'"))
    assert result.rowcount == 2  # type: ignore[attr-defined]
    async with server.ctx.db.tenant(b) as session:
        names = (await session.execute(text("SELECT name FROM stores"))).scalars().all()
    assert names == ["Store B1"]


async def test_the_tenant_role_cannot_read_accounts_or_refresh_tokens(
    server: Server, two_companies: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, _ = two_companies
    for table in ("accounts", "refresh_tokens", "auth_attempts"):
        with pytest.raises(ProgrammingError, match="permission denied"):
            async with server.ctx.db.tenant(a) as session:
                await session.execute(text(f"SELECT * FROM {table}"))
