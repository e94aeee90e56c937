"""Fixtures for the end-to-end tests: a real server process on a fresh PostgreSQL database,
its admin, and a fault proxy in front of it. Tills are made by the tests (harness.TillHandle).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _admin_execute, run_async
from tests.e2e.fault_proxy import FaultProxy
from tests.e2e.harness import Admin, LiveServer

__all__ = ("admin", "db_url", "live_server", "proxy", "template_db")

# tills under test must never write into the developer's real keyring
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


@pytest.fixture(scope="session")
def template_db(pg_admin_url: str) -> Iterator[str]:
    """A database migrated to head once per run, copied for each test."""
    from sync_server.db.embedded import with_database
    from sync_server.db.migrate import upgrade

    name = f"galla_e2e_tpl_{os.getpid()}_{uuid.uuid4().hex[:8]}"
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
    """A fresh database at the head migration for one test, dropped afterwards."""
    from sync_server.db.embedded import with_database

    name = f"galla_e2e_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    run_async(
        lambda: _admin_execute(pg_admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    )
    try:
        yield with_database(pg_admin_url, name)
    finally:
        run_async(
            lambda: _admin_execute(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )


@pytest.fixture
def live_server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(db_url, tmp_path / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def admin(db_url: str) -> Iterator[Admin]:
    made = Admin(db_url)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def proxy(live_server: LiveServer) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", live_server.port) as running:
        yield running
