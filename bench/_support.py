"""What the benchmarks share: a PostgreSQL to run on, a scratch database, ports, percentiles.

Not a benchmark itself (``./galla bench`` skips files whose name starts with ``_``). The
scripts run as ``python bench/<name>.py``, so this module is imported as ``_support``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx

from sync_server.db.embedded import asyncpg_connect_args, start_embedded_postgres, with_database
from sync_server.db.migrate import upgrade

__all__ = (
    "admin_url",
    "connect",
    "execute",
    "free_port",
    "percentile",
    "scratch_database",
    "server_process",
    "wait_until_healthy",
)

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def admin_url() -> Iterator[str]:
    """A superuser libpq URL: ``TEST_DATABASE_URL``, or an embedded server for the run."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="galla-bench-pg-") as data:
        pg = start_embedded_postgres(Path(data) / "pgdata")
        try:
            yield pg.admin_url
        finally:
            pg.stop()


async def connect(url: str) -> asyncpg.Connection:
    """An asyncpg connection to a libpq URL (TCP or the embedded server's Unix socket)."""
    return await asyncpg.connect(**asyncpg_connect_args(url))


async def execute(url: str, sql: str) -> None:
    """Run one statement on its own connection."""
    conn = await connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A fresh database migrated to head, dropped afterwards; yields its libpq URL."""
    with admin_url() as admin:
        name = f"galla_bench_{prefix}_{uuid.uuid4().hex[:8]}"
        asyncio.run(execute(admin, f'CREATE DATABASE "{name}"'))
        try:
            url = with_database(admin, name)
            asyncio.run(upgrade(url))
            yield url
        finally:
            asyncio.run(execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value at ``fraction`` (0.99 for p99) of the sorted values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextmanager
def server_process(url: str, secret: str) -> Iterator[str]:
    """The real server (``galla-server serve``) on database ``url``; yields its base URL.

    Argon2 is made cheap (benchmarks sign in, they do not measure hashing). The process is
    stopped when the block ends; call :func:`wait_until_healthy` before the first request.
    """
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "GALLA_SECRET_KEY": secret,
        "GALLA_PORT": str(port),
        "GALLA_ARGON2_TIME_COST": "1",
        "GALLA_ARGON2_MEMORY_KIB": "8",
        "GALLA_ARGON2_PARALLELISM": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "sync_server.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


async def wait_until_healthy(client: httpx.AsyncClient, seconds: float = 20) -> None:
    """Poll ``/health`` until the server answers 200 (or give up after ``seconds``)."""
    for _ in range(int(seconds / 0.05)):
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.05)
    raise SystemExit(f"the server did not answer /health within {seconds:.0f} s")
