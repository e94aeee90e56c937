"""Server settings: documented data, read from the environment once, at the edge."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from platformdirs import user_data_dir

__all__ = ("ENV_NAMES", "ServerSettings")

ENV_NAMES = {
    "database_url": "DATABASE_URL",
    "host": "GALLA_HOST",
    "port": "GALLA_PORT",
    "data_dir": "GALLA_DATA_DIR",
    "secret_key": "GALLA_SECRET_KEY",
    "access_token_minutes": "GALLA_ACCESS_TOKEN_MINUTES",
    "refresh_token_days": "GALLA_REFRESH_TOKEN_DAYS",
    "enrolment_code_hours": "GALLA_ENROLMENT_CODE_HOURS",
    "argon2_time_cost": "GALLA_ARGON2_TIME_COST",
    "argon2_memory_kib": "GALLA_ARGON2_MEMORY_KIB",
    "argon2_parallelism": "GALLA_ARGON2_PARALLELISM",
    "login_max_failures": "GALLA_LOGIN_MAX_FAILURES",
    "lockout_minutes": "GALLA_LOCKOUT_MINUTES",
    "address_max_failures": "GALLA_ADDRESS_MAX_FAILURES",
    "max_body_bytes": "GALLA_MAX_BODY_BYTES",
    "db_pool_size": "GALLA_DB_POOL_SIZE",
    "push_concurrency": "GALLA_PUSH_CONCURRENCY",
    "push_queue": "GALLA_PUSH_QUEUE",
    "workers": "GALLA_WORKERS",
    "reservation_default_seconds": "GALLA_RESERVATION_DEFAULT_SECONDS",
    "reservation_max_seconds": "GALLA_RESERVATION_MAX_SECONDS",
    "reservation_retention_days": "GALLA_RESERVATION_RETENTION_DAYS",
    "jobs_enabled": "GALLA_JOBS_ENABLED",
    "reservation_cleanup_seconds": "GALLA_RESERVATION_CLEANUP_SECONDS",
    "housekeeping_seconds": "GALLA_HOUSEKEEPING_SECONDS",
    "terminal_silent_hours": "GALLA_TERMINAL_SILENT_HOURS",
}
"""The environment variable behind each setting."""


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Everything the sync server can be told, each field with its environment variable."""

    database_url: str | None = None
    """``DATABASE_URL``: libpq URL of the company database, as the schema owner. Unset: the
    ``dev`` command runs the embedded PostgreSQL."""

    host: str = "127.0.0.1"
    """``GALLA_HOST``: address to listen on."""

    port: int = 8000
    """``GALLA_PORT``: TCP port to listen on."""

    data_dir: Path = field(default_factory=lambda: Path(user_data_dir("galla-server")))
    """``GALLA_DATA_DIR``: where the embedded PostgreSQL keeps its cluster (``dev`` only)."""

    secret_key: str = ""
    """``GALLA_SECRET_KEY``: signs access tokens and keys the digests of refresh tokens,
    terminal credentials and enrolment codes. Every process of one deployment needs the same
    value (``serve`` refuses to start without one; ``dev`` keeps one in ``GALLA_DATA_DIR``)."""

    access_token_minutes: int = 15
    """``GALLA_ACCESS_TOKEN_MINUTES``: lifetime of an access token."""

    refresh_token_days: int = 7
    """``GALLA_REFRESH_TOKEN_DAYS``: lifetime of a refresh token."""

    enrolment_code_hours: int = 24
    """``GALLA_ENROLMENT_CODE_HOURS``: how long a terminal enrolment code stays usable."""

    argon2_time_cost: int = 3
    """``GALLA_ARGON2_TIME_COST``: argon2id passes (RFC 9106 low-memory profile: 3)."""

    argon2_memory_kib: int = 65536
    """``GALLA_ARGON2_MEMORY_KIB``: argon2id memory in KiB (RFC 9106 low-memory: 64 MiB)."""

    argon2_parallelism: int = 4
    """``GALLA_ARGON2_PARALLELISM``: argon2id lanes (RFC 9106 low-memory: 4)."""

    login_max_failures: int = 5
    """``GALLA_LOGIN_MAX_FAILURES``: failed logins for one email that lock it for a while."""

    lockout_minutes: int = 15
    """``GALLA_LOCKOUT_MINUTES``: the lockout period, and the window failures are counted in."""

    address_max_failures: int = 20
    """``GALLA_ADDRESS_MAX_FAILURES``: failed logins or enrolments from one client address in
    the window before it is refused."""

    max_body_bytes: int = 1024 * 1024
    """``GALLA_MAX_BODY_BYTES``: largest request body accepted (larger: 413)."""

    db_pool_size: int = 10
    """``GALLA_DB_POOL_SIZE``: database connections kept per process."""

    push_concurrency: int = 4
    """``GALLA_PUSH_CONCURRENCY``: pushes one process reconciles at once. Two cores saturate
    at about four 100-event batches; more in flight only adds latency."""

    push_queue: int = 64
    """``GALLA_PUSH_QUEUE``: pushes that may wait for a slot; beyond that a push is answered
    429 with ``Retry-After: 1`` and the till tries again."""

    reservation_default_seconds: int = 900
    """``GALLA_RESERVATION_DEFAULT_SECONDS``: how long a reservation holds stock when the
    request names no ``ttl_seconds`` (a basket's lifetime: 15 minutes)."""

    reservation_max_seconds: int = 7 * 24 * 3600
    """``GALLA_RESERVATION_MAX_SECONDS``: the longest hold a request or an extension may ask
    for (a week)."""

    reservation_retention_days: int = 30
    """``GALLA_RESERVATION_RETENTION_DAYS``: committed, released and expired reservations are
    deleted by the cleanup job this long after they closed."""

    workers: int = 1
    """``GALLA_WORKERS``: server processes sharing the port (``serve``). One Python process
    uses one core; on a machine with cores to spare, more workers push more events. Each has
    its own database pool and push gate (``GALLA_PUSH_CONCURRENCY`` pushes each)."""
    jobs_enabled: bool = False
    """``GALLA_JOBS_ENABLED`` (``1``/``true``/``yes`` or ``0``/``false``/``no``): run the
    scheduled jobs (reservation cleanup, enrolment code expiry, refresh token purge, silent
    terminal flags) in this process. Safe to enable on every process of a deployment: each
    tick of each job is claimed by exactly one process. Off by default so tests and one-off
    commands never run background work; ``dev`` turns it on."""

    reservation_cleanup_seconds: int = 30
    """``GALLA_RESERVATION_CLEANUP_SECONDS``: interval of the expired-reservation cleanup.
    Availability never counts expired holds, so this is garbage collection, not correctness."""

    housekeeping_seconds: int = 900
    """``GALLA_HOUSEKEEPING_SECONDS``: interval of the other jobs (expire enrolment codes,
    purge expired refresh tokens, flag silent terminals)."""

    terminal_silent_hours: int = 24
    """``GALLA_TERMINAL_SILENT_HOURS``: an active terminal not heard from for this long is
    flagged to its company's admins as a sync exception (``terminal_silent``)."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ServerSettings:
        """Build settings from ``env`` (default: the process environment).

        Raises:
            ValueError: a number setting is not a whole number, or a yes/no setting is neither;
                the message names it.
        """
        source = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        for f in fields(cls):
            name = ENV_NAMES[f.name]
            raw = source.get(name)
            if not raw:
                continue
            if f.type == "int":
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc
            elif f.type == "Path":
                values[f.name] = Path(raw)
            elif f.type == "bool":
                flag = raw.strip().lower()
                if flag not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
                    raise ValueError(f"{name} must be 1/true/yes or 0/false/no, got {raw!r}")
                values[f.name] = flag in {"1", "true", "yes", "on"}
            else:
                values[f.name] = raw
        return cls(**values)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """The environment that :meth:`from_env` reads back as these settings."""
        env = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            env[ENV_NAMES[f.name]] = (
                ("yes" if value else "no") if isinstance(value, bool) else str(value)
            )
        return env

    def with_changes(self, **changes: object) -> ServerSettings:
        """Return a copy with some fields replaced."""
        return replace(self, **changes)  # type: ignore[arg-type]
