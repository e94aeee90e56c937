"""Fixtures for the end-to-end tests: a real server process on a fresh PostgreSQL database,
its admin, and a fault proxy in front of it. Tills are made by the tests (harness.TillHandle).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.fault_proxy import FaultProxy
from tests.e2e.harness import Admin, LiveServer

__all__ = ("admin", "live_server", "proxy")

# tills under test must never write into the developer's real keyring
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


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
