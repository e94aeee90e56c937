"""Runs of the scheduled jobs: one row per job per schedule tick (and per manual run)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.db.models._base import Base


class JobRun(Base):
    """One run of a scheduled job, claimed by exactly one server process.

    ``(job, tick, scope)`` is unique: every process that wakes for a tick tries to insert
    its row, and only the one that succeeds runs the job. ``scope`` is ``all`` for the
    platform-wide scheduled runs, or the company id of an admin's manual run.
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job", "tick", "scope"),
        Index(None, "job", "started_at"),
        CheckConstraint("status IN ('running', 'ok', 'failed')", name="status"),
        CheckConstraint("trigger IN ('schedule', 'manual')", name="trigger"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    tick: Mapped[datetime]
    scope: Mapped[str] = mapped_column(String(40))
    trigger: Mapped[str] = mapped_column(String(20))
    runner: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
