"""Response bodies of the health area."""

from __future__ import annotations

import msgspec

__all__ = ("DetailedHealth", "Health", "JobsState", "MigrationState")


class Health(msgspec.Struct, kw_only=True):
    """The short answer load balancers ask for."""

    status: str
    database: str


class MigrationState(msgspec.Struct, kw_only=True):
    """Where the schema is against the newest migration this build ships."""

    head: str
    current: str | None
    up_to_date: bool


class JobsState(msgspec.Struct, kw_only=True):
    """The scheduled jobs: ``ok``, ``never run``, ``stale`` or ``failing``, and a line per job."""

    status: str
    detail: str


class DetailedHealth(msgspec.Struct, kw_only=True):
    """Everything a platform admin checks first."""

    status: str
    database: str
    migrations: MigrationState
    jobs: JobsState
    counts: dict[str, int]
