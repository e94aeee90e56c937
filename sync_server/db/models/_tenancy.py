"""Companies, stores, terminals, accounts, users and the credentials around them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.db.models._base import Base, company_key, row_id


class Company(Base):
    """A tenant: one retail business, with its plan limits as data."""

    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'suspended')", name="status"),
        UniqueConstraint("slug"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    plan: Mapped[str] = mapped_column(String(40))
    max_stores: Mapped[int] = mapped_column(Integer)
    max_terminals: Mapped[int] = mapped_column(Integer)
    max_users: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Store(Base):
    """A shop of a company, with its GSTIN and the state it trades in."""

    __tablename__ = "stores"
    __table_args__ = (
        ForeignKeyConstraint(["company_id"], ["companies.id"]),
        UniqueConstraint("company_id", "code"),
        CheckConstraint("state_code ~ '^[0-9]{2}$'", name="state_code"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    gstin: Mapped[str | None] = mapped_column(String(15))
    state_code: Mapped[str] = mapped_column(String(2))
    address: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Terminal(Base):
    """A till enrolled in a store; ``credential_digest`` is the keyed hash of its secret."""

    __tablename__ = "terminals"
    __table_args__ = (
        ForeignKeyConstraint(["company_id", "store_id"], ["stores.company_id", "stores.id"]),
        UniqueConstraint("company_id", "store_id", "code"),
        CheckConstraint("status IN ('active', 'revoked')", name="status"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    store_id: Mapped[uuid.UUID]
    code: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    credential_digest: Mapped[str] = mapped_column(String(64))
    last_event_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    """The contiguous high-water mark: every seq up to here has reached the server."""
    enrolled_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    last_push_at: Mapped[datetime | None]
    queue_depth: Mapped[int | None]
    oldest_pending_at: Mapped[datetime | None]
    app_version: Mapped[str | None] = mapped_column(String(40))
    printer_state: Mapped[str | None] = mapped_column(String(20))


class Account(Base):
    """A login identity (email + password), global like a company; staff rows point at it."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("email"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(Text)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]


class User(Base):
    """A member of a company's staff; ``account_id`` when they sign in with email too."""

    __tablename__ = "users"
    __table_args__ = (
        ForeignKeyConstraint(["company_id"], ["companies.id"]),
        ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        UniqueConstraint("company_id", "account_id"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    account_id: Mapped[uuid.UUID | None]
    full_name: Mapped[str] = mapped_column(String(200))
    pin_hash: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Membership(Base):
    """A role a user holds: company-wide (``store_id`` null) or for one store."""

    __tablename__ = "memberships"
    __table_args__ = (
        ForeignKeyConstraint(["company_id", "user_id"], ["users.company_id", "users.id"]),
        ForeignKeyConstraint(["company_id", "store_id"], ["stores.company_id", "stores.id"]),
        UniqueConstraint(
            "company_id", "user_id", "role", "store_id", postgresql_nulls_not_distinct=True
        ),
        CheckConstraint("role IN ('company_admin', 'store_manager', 'cashier')", name="role"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    user_id: Mapped[uuid.UUID]
    role: Mapped[str] = mapped_column(String(20))
    store_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]


class RefreshToken(Base):
    """One refresh token of a login family; used once, then replaced by the next."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        UniqueConstraint("token_digest"),
        Index(None, "family_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    family_id: Mapped[uuid.UUID]
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    company_id: Mapped[uuid.UUID | None]
    user_id: Mapped[uuid.UUID | None]
    token_digest: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class EnrolmentCode(Base):
    """A one-time code that lets a till enrol into a store."""

    __tablename__ = "enrolment_codes"
    __table_args__ = (
        ForeignKeyConstraint(["company_id", "store_id"], ["stores.company_id", "stores.id"]),
        UniqueConstraint("company_id", "code_digest"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    store_id: Mapped[uuid.UUID]
    code_digest: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    terminal_id: Mapped[uuid.UUID | None]


class AuthAttempt(Base):
    """One login or enrolment attempt, for rate limits and lockout shared by all processes."""

    __tablename__ = "auth_attempts"
    __table_args__ = (
        Index(None, "kind", "subject", "at"),
        Index(None, "kind", "address", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]
