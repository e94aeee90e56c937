"""Versioned schema migrations for the till database.

Each migration is a SQL script ``NNNN_name.sql`` in ``migrations/desktop/``; the database's
``PRAGMA user_version`` is the number of the last one applied. :func:`upgrade` applies the
missing ones in order, each in its own transaction together with the version bump, so a
failure leaves the database at the previous version, never half-migrated. A database newer
than this build is refused rather than guessed at.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from desktop.errors import MigrationFailed, SchemaTooNew

__all__ = ("DEFAULT_MIGRATIONS_DIR", "Migration", "current_version", "load_migrations", "upgrade")

DEFAULT_MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations" / "desktop"
"""Where the shipped migration scripts live (the repository's ``migrations/desktop``)."""

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: ``version`` is the ``user_version`` after it has been applied."""

    version: int
    name: str
    sql: str


def load_migrations(directory: Path = DEFAULT_MIGRATIONS_DIR) -> tuple[Migration, ...]:
    """Read the migration scripts of ``directory``, checking they are numbered 1, 2, 3 …."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if match is None:
            raise MigrationFailed(f"migration file {path.name!r} is not named NNNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationFailed(
                f"migration {migration.version:04d}_{migration.name} is out of order; "
                f"expected number {expected:04d}"
            )
    return tuple(found)


def current_version(conn: sqlite3.Connection) -> int:
    """The schema version of the open database (0 for a new, empty one)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def upgrade(
    conn: sqlite3.Connection,
    migrations: tuple[Migration, ...] | None = None,
    *,
    target: int | None = None,
) -> int:
    """Apply every migration above the database's version up to ``target`` (default: all).

    ``conn`` must be in autocommit mode (``isolation_level=None``). Returns the new version.

    Raises:
        SchemaTooNew: the database is newer than the newest migration known here.
        MigrationFailed: a script failed; that step was rolled back.
    """
    steps = load_migrations() if migrations is None else migrations
    newest = steps[-1].version if steps else 0
    goal = newest if target is None else target
    version = current_version(conn)
    if version > newest:
        raise SchemaTooNew(
            f"This database is from a newer till (schema {version}; this till knows up to "
            f"{newest}). Update the till software."
        )
    for step in steps:
        if step.version <= version or step.version > goal:
            continue
        # executescript() would COMMIT on its own; splitting keeps the step in one transaction
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(step.sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {step.version:d}")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise MigrationFailed(
                f"schema step {step.version:04d}_{step.name} failed: {exc}"
            ) from exc
        conn.execute("COMMIT")
        version = step.version
    return version


def _statements(script: str) -> list[str]:
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        # complete_statement knows about triggers' inner semicolons and quoted text
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
