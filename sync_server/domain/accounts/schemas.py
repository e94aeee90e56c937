"""Request and response bodies of the accounts area."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

__all__ = (
    "Email",
    "LoginRequest",
    "Me",
    "PinSet",
    "RefreshRequest",
    "RoleGrant",
    "RoleName",
    "TokenPair",
    "UserCreate",
    "UserUpdate",
    "UserView",
)

Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
Password = Annotated[str, msgspec.Meta(min_length=10, max_length=200)]
Pin = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4,8}$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
RoleName = Literal["company_admin", "store_manager", "cashier"]


class _Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields are an error, not silently dropped."""


class LoginRequest(_Body):
    """Email and password; ``company_id`` only when the account belongs to several companies."""

    email: Annotated[str, msgspec.Meta(min_length=1, max_length=320)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    company_id: uuid.UUID | None = None


class RefreshRequest(_Body):
    """A refresh token to exchange (or, for logout, to revoke with its family)."""

    refresh_token: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class TokenPair(msgspec.Struct, kw_only=True):
    """A fresh access token and the refresh token that replaces the one presented."""

    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int
    refresh_expires_in: int


class Me(msgspec.Struct, kw_only=True):
    """Who the bearer of an access token is."""

    account_id: uuid.UUID
    email: str
    platform_admin: bool
    company_id: uuid.UUID | None
    user_id: uuid.UUID | None
    roles: list[RoleGrant]


class RoleGrant(_Body):
    """A role, company-wide (``store_id`` omitted) or for one store."""

    role: RoleName
    store_id: uuid.UUID | None = None


class UserCreate(_Body):
    """A new staff member: email and password to sign in, and/or a PIN for the tills."""

    full_name: Name
    roles: Annotated[list[RoleGrant], msgspec.Meta(min_length=1, max_length=50)]
    email: Email | None = None
    password: Password | None = None
    pin: Pin | None = None


class UserUpdate(_Body):
    """Changes to a user; omitted fields stay as they are, ``roles`` replaces all roles."""

    full_name: Name | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET
    roles: Annotated[list[RoleGrant], msgspec.Meta(min_length=1, max_length=50)] | (
        msgspec.UnsetType
    ) = msgspec.UNSET


class PinSet(_Body):
    """A cashier PIN: 4 to 8 digits."""

    pin: Pin


class UserView(msgspec.Struct, kw_only=True):
    """A user as admins see it (never the hashes)."""

    id: uuid.UUID
    full_name: str
    email: str | None
    active: bool
    has_pin: bool
    roles: list[RoleGrant]
    created_at: datetime
    updated_at: datetime
