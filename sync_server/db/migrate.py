"""Schema migrations, driven from code: the Alembic config is built here, not read from a file.

The scripts live in ``migrations/server`` at the repository root. Every function takes a
libpq URL of the database *owner* (the role that creates the tables), never the app role.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from sync_server.db.embedded import to_asyncpg_url

__all__ = ("MIGRATIONS_DIR", "alembic_config", "current_revision", "downgrade", "head", "upgrade")

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations" / "server"


def alembic_config(url: str | None = None) -> Config:
    """Return the Alembic config for the server schema (optionally bound to ``url``)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s_%%(rev)s")
    if url:
        cfg.set_main_option("sqlalchemy.url", to_asyncpg_url(url))
    return cfg


def head() -> str:
    """Return the newest revision in the migration scripts."""
    rev = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert rev is not None
    return rev


async def _with_connection(url: str, action: Any) -> Any:
    engine = create_async_engine(to_asyncpg_url(url))
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(action)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` in one transaction."""

    def run(conn: Connection) -> None:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)

    await _with_connection(url, run)


async def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at ``url`` down to ``revision`` in one transaction."""

    def run(conn: Connection) -> None:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)

    await _with_connection(url, run)


async def current_revision(url: str) -> str | None:
    """Return the revision the database at ``url`` is at (``None``: never migrated)."""

    def run(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    result: str | None = await _with_connection(url, run)
    return result
