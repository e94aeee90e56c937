"""The change feed tills pull: per-company and global changes, each with its cursor counter.

``change_log`` keeps only the latest change of each (entity, entity id, scope): recording a
change again moves the row to a new ``seq``, so a fresh till's full pull is the current data,
not its history; tombstones (``op = 'delete'``) stay. ``scope`` is the store a change is for,
or :data:`EVERY_STORE` (the nil UUID) for changes every store's tills receive.

``seq`` comes from the company's ``change_counters`` row, bumped inside the writing
transaction: the row lock makes the company's writers commit in ``seq`` order, so a pull never
sees ``seq`` N before every change below N is committed (see ``sync_server.domain.changes``).
GST rates are law, the same for all companies: they live in ``global_changes`` with their
own counter, and a pull cursor carries a position in both feeds.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKeyConstraint,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.db.models._base import Base, company_key

EVERY_STORE = uuid.UUID(int=0)
"""The ``scope`` of a change that every store's tills receive."""


class ChangeCounter(Base):
    """The last ``seq`` handed out in a company's change feed (its row lock orders writers)."""

    __tablename__ = "change_counters"
    __table_args__ = (ForeignKeyConstraint(["company_id"], ["companies.id"]),)

    company_id: Mapped[uuid.UUID] = company_key()
    last_seq: Mapped[int] = mapped_column(BigInteger)


class ChangeLog(Base):
    """The latest change of one entity for one scope, at its place in the company's feed."""

    __tablename__ = "change_log"
    __table_args__ = (
        UniqueConstraint("company_id", "entity", "entity_id", "scope"),
        CheckConstraint("op IN ('upsert', 'delete')", name="op"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[uuid.UUID]
    scope: Mapped[uuid.UUID]
    op: Mapped[str] = mapped_column(String(6))
    version: Mapped[int] = mapped_column(BigInteger)
    change: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_at: Mapped[datetime]


class GlobalChangeCounter(Base):
    """The last ``seq`` handed out in the global feed: one row, ``id`` 1."""

    __tablename__ = "global_change_counter"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)


class GlobalChange(Base):
    """The latest change of one global entity (a GST rate), at its place in the global feed."""

    __tablename__ = "global_changes"
    __table_args__ = (
        UniqueConstraint("entity", "entity_id"),
        CheckConstraint("op IN ('upsert', 'delete')", name="op"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[uuid.UUID]
    op: Mapped[str] = mapped_column(String(6))
    version: Mapped[int] = mapped_column(BigInteger)
    change: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_at: Mapped[datetime]
