"""Server settings: documented data, read from the environment once, at the edge."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Everything the sync server can be told, each field with its environment variable."""

    database_url: str | None = None
    """``DATABASE_URL``: libpq URL of the company database. Unset: run the embedded PostgreSQL."""

    host: str = "127.0.0.1"
    """``GALLA_HOST``: address to listen on."""

    port: int = 8000
    """``GALLA_PORT``: TCP port to listen on."""

    data_dir: Path = field(default_factory=lambda: Path(user_data_dir("galla-server")))
    """``GALLA_DATA_DIR``: where the embedded PostgreSQL keeps its cluster."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ServerSettings:
        """Build settings from ``env`` (default: the process environment)."""
        env = dict(os.environ if env is None else env)
        defaults = cls()
        try:
            port = int(env.get("GALLA_PORT", defaults.port))
        except ValueError as exc:
            raise ValueError(
                f"GALLA_PORT must be a whole number, got {env['GALLA_PORT']!r}"
            ) from exc
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            host=env.get("GALLA_HOST", defaults.host),
            port=port,
            data_dir=Path(env["GALLA_DATA_DIR"])
            if env.get("GALLA_DATA_DIR")
            else defaults.data_dir,
        )
