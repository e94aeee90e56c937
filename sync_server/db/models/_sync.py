"""Audit events, sync exceptions, quarantine and applied events (the change feed: ``_changes``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from sync_server.db.models._base import Base, company_key, row_id


class AuditEvent(Base):
    """An append-only audit entry, hash-chained per terminal."""

    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "company_id", "terminal_id", "seq"),)

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    terminal_id: Mapped[uuid.UUID | None]
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(60))
    actor_user_id: Mapped[uuid.UUID | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]


class SyncException(Base):
    """Something the admin must review: an oversell, a late sale, an invoice collision.

    The events involved are listed by id; ``resolution`` says how an admin closed it
    (``acknowledged``, ``stock_adjusted``, ``noted`` or ``self_healed`` when the cause went
    away by itself, such as a seq gap filled by a late batch).
    """

    __tablename__ = "sync_exceptions"
    __table_args__ = (
        Index(None, "company_id", "status", "created_at"),
        Index(None, "company_id", "kind", "status"),
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[uuid.UUID | None]
    terminal_id: Mapped[uuid.UUID | None]
    store_id: Mapped[uuid.UUID | None]
    event_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid(as_uuid=True)))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[uuid.UUID | None]
    resolution: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)


class QuarantinedEvent(Base):
    """An event the server could not book, kept exactly as received for an admin.

    ``raw_digest`` (SHA-256 of the raw JSON) makes a replayed bad event land on the same row.
    """

    __tablename__ = "quarantined_events"
    __table_args__ = (
        UniqueConstraint("company_id", "terminal_id", "raw_digest"),
        Index(None, "company_id", "status", "received_at"),
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    terminal_id: Mapped[uuid.UUID]
    event_id: Mapped[uuid.UUID | None]
    seq: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    raw_digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[uuid.UUID | None]
    note: Mapped[str | None] = mapped_column(Text)


class AppliedEvent(Base):
    """An event from a till that the server applied, so a replay is answered, not re-applied."""

    __tablename__ = "applied_events"
    __table_args__ = (Index(None, "company_id", "terminal_id", "seq"),)

    company_id: Mapped[uuid.UUID] = company_key()
    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    terminal_id: Mapped[uuid.UUID]
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(60))
    ack: Mapped[dict[str, Any]] = mapped_column(JSONB)
    applied_at: Mapped[datetime]
