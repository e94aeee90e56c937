"""The Alembic head and the models agree; the schema goes up from empty and back down."""

from __future__ import annotations

import asyncio
import importlib.util
import uuid
from types import ModuleType

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, ForeignKeyConstraint
from sqlalchemy.ext.asyncio import create_async_engine

from sync_server.db.embedded import asyncpg_connect_args, to_asyncpg_url
from sync_server.db.migrate import MIGRATIONS_DIR, current_revision, downgrade, head, upgrade
from sync_server.db.models import GLOBAL_TABLES, PLATFORM_ONLY_TABLES, Base


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        return list(await conn.fetch(query))
    finally:
        await conn.close()


async def _tables(url: str) -> set[str]:
    rows = await _fetch(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r["tablename"] for r in rows}


async def test_the_head_migration_matches_the_models(db_url: str) -> None:
    def diff(conn: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))

    engine = create_async_engine(to_asyncpg_url(db_url))
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []


async def test_an_empty_database_migrates_to_head_and_back_to_base(pg_url: str) -> None:
    assert await current_revision(pg_url) is None
    await upgrade(pg_url)
    assert await current_revision(pg_url) == head()
    assert await _tables(pg_url) >= set(Base.metadata.tables) | {"alembic_version"}
    await downgrade(pg_url)
    assert await _tables(pg_url) == {"alembic_version"}
    assert await current_revision(pg_url) is None
    await upgrade(pg_url)  # and up again: the downgrade left nothing in the way
    assert await current_revision(pg_url) == head()


def _migration_module() -> ModuleType:
    path = next((MIGRATIONS_DIR / "versions").glob("*_0001.py"))
    spec = importlib.util.spec_from_file_location("galla_migration_0001", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_creating_a_role_twice_at_the_same_time_succeeds_both_times(db_url: str) -> None:
    role = f"galla_race_{uuid.uuid4().hex[:8]}"
    sql = _migration_module().create_role_sql(role)
    first = await asyncpg.connect(**asyncpg_connect_args(db_url))
    second = await asyncpg.connect(**asyncpg_connect_args(db_url))
    try:
        await first.execute("BEGIN")
        await first.execute(sql)
        await second.execute("BEGIN")
        blocked = asyncio.create_task(second.execute(sql))  # waits on the first's new role
        await asyncio.sleep(0.2)
        assert not blocked.done()
        await first.execute("COMMIT")
        await blocked
        await second.execute("COMMIT")
        await second.execute(sql)  # and once more, when it plainly exists
        assert await first.fetchval("SELECT count(*) FROM pg_roles WHERE rolname = $1", role) == 1
    finally:
        await first.execute(f"DROP ROLE IF EXISTS {role}")
        await first.close()
        await second.close()


async def test_every_key_and_index_of_a_tenant_table_starts_with_company_id() -> None:
    offenders = []
    for table in Base.metadata.tables.values():
        if table.name in GLOBAL_TABLES:
            continue
        first_pk = next(iter(table.primary_key.columns)).name
        if first_pk != "company_id":
            offenders.append(f"{table.name} primary key")
        for constraint in table.constraints:
            if isinstance(constraint, ForeignKeyConstraint):
                continue
            columns = [c.name for c in getattr(constraint, "columns", [])]
            if columns and columns[0] != "company_id":
                offenders.append(f"{table.name} {constraint.name}")
        for index in table.indexes:
            if next(iter(index.columns)).name != "company_id":
                offenders.append(f"{table.name} index {index.name}")
        for fk in table.foreign_key_constraints:
            # a key to a global table (a Citus reference table) need not carry the tenant
            if fk.referred_table.name in GLOBAL_TABLES - {"companies"}:
                continue
            if fk.column_keys[0] != "company_id":
                offenders.append(f"{table.name} fk {fk.name}")
    assert offenders == []


async def test_row_level_security_is_enabled_and_forced_on_every_table_with_company_id(
    db_url: str,
) -> None:
    rows = await _fetch(
        db_url,
        """
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
               (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'
          AND EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attname = 'company_id' AND NOT a.attisdropped)
        """,
    )
    # refresh_tokens records a company but is platform-only: the app role cannot touch it
    tenant_tables = [r for r in rows if r["relname"] not in PLATFORM_ONLY_TABLES]
    assert {r["relname"] for r in tenant_tables} == set(Base.metadata.tables) - GLOBAL_TABLES
    for row in tenant_tables:
        assert row["relrowsecurity"], row["relname"]
        assert row["relforcerowsecurity"], row["relname"]
        assert row["policies"] == 2, row["relname"]


async def test_the_app_role_has_no_grant_at_all_on_the_credential_tables(db_url: str) -> None:
    rows = await _fetch(
        db_url,
        """
        SELECT table_name FROM information_schema.role_table_grants
        WHERE grantee = 'galla_app'
        """,
    )
    granted = {r["table_name"] for r in rows}
    assert granted.isdisjoint(PLATFORM_ONLY_TABLES)
    assert "stores" in granted
