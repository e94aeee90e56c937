"""Fixtures every test can use.

PostgreSQL: ``TEST_DATABASE_URL`` (a libpq URL of a superuser, e.g.
``postgresql://postgres@127.0.0.1:5432/postgres``) when set, otherwise an embedded real
PostgreSQL started once per run. Either way each test that asks for ``pg_url`` gets a fresh
database with a unique name that is dropped afterwards, so runs sharing a server never collide.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

T = TypeVar("T")


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on a private loop in another thread.

    Sync fixtures use this so they never disturb pytest-asyncio's session event loop.
    """

    async def runner() -> T:
        return await make()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, runner()).result()


async def _admin_execute(admin_url: str, *statements: str) -> None:
    import asyncpg

    from sync_server.db.embedded import asyncpg_connect_args

    conn = await asyncpg.connect(**asyncpg_connect_args(admin_url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """URL of a PostgreSQL superuser: ``TEST_DATABASE_URL`` or an embedded server."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    from sync_server.db.embedded import start_embedded_postgres

    # not under pytest's basetemp: a concurrent pytest run prunes old basetemps, and would
    # delete a live cluster's data directory from under us
    root = Path(tempfile.mkdtemp(prefix="galla-pg-"))
    server = start_embedded_postgres(root / "data")
    try:
        yield server.admin_url
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A libpq URL of a brand-new, empty database that is dropped after the test."""
    from sync_server.db.embedded import with_database

    name = f"galla_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    run_async(lambda: _admin_execute(pg_admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(pg_admin_url, name)
    finally:
        run_async(
            lambda: _admin_execute(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )


@pytest.fixture(scope="session")
def template_db(pg_admin_url: str) -> Iterator[str]:
    """Name of a database migrated to head once per run, copied for each test that needs one."""
    from sync_server.db.embedded import with_database
    from sync_server.db.migrate import upgrade

    name = f"galla_tpl_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    run_async(lambda: _admin_execute(pg_admin_url, f'CREATE DATABASE "{name}"'))
    try:
        run_async(lambda: upgrade(with_database(pg_admin_url, name)))
        yield name
    finally:
        run_async(
            lambda: _admin_execute(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )


@pytest.fixture
def db_url(pg_admin_url: str, template_db: str) -> Iterator[str]:
    """A libpq URL of a fresh database at the head migration (a template copy), dropped after."""
    from sync_server.db.embedded import with_database

    name = f"galla_t_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    run_async(
        lambda: _admin_execute(pg_admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    )
    try:
        yield with_database(pg_admin_url, name)
    finally:
        run_async(
            lambda: _admin_execute(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )
