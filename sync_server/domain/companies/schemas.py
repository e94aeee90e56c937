"""Request and response bodies of the companies area."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from sync_server.domain.accounts.schemas import Email

__all__ = (
    "PLANS",
    "AdminCreate",
    "CompanyCreate",
    "CompanyUpdate",
    "CompanyView",
    "PlanName",
    "StoreCreate",
    "StoreUpdate",
    "StoreView",
)

PlanName = Literal["trial", "standard", "growth"]
PLANS: dict[str, tuple[int, int, int]] = {
    "trial": (2, 4, 10),
    "standard": (5, 15, 50),
    "growth": (25, 100, 500),
}
"""Default (max_stores, max_terminals, max_users) of each plan; a company may be given others."""

Limit = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
StateCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2}$")]
Gstin = Annotated[str, msgspec.Meta(max_length=40)]


class _Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields are an error."""


class AdminCreate(_Body):
    """The first company admin of a new company."""

    full_name: Name
    email: Email
    password: Annotated[str, msgspec.Meta(min_length=10, max_length=200)]


class CompanyCreate(_Body):
    """A new tenant with its plan and first admin."""

    name: Name
    slug: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")]
    admin: AdminCreate
    plan: PlanName = "trial"
    max_stores: Limit | None = None
    max_terminals: Limit | None = None
    max_users: Limit | None = None


class CompanyUpdate(_Body):
    """Plan changes; omitted fields stay as they are."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    plan: PlanName | msgspec.UnsetType = msgspec.UNSET
    max_stores: Limit | msgspec.UnsetType = msgspec.UNSET
    max_terminals: Limit | msgspec.UnsetType = msgspec.UNSET
    max_users: Limit | msgspec.UnsetType = msgspec.UNSET


class CompanyView(msgspec.Struct, kw_only=True):
    """A company as admins see it."""

    id: uuid.UUID
    name: str
    slug: str
    status: str
    plan: str
    max_stores: int
    max_terminals: int
    max_users: int
    created_at: datetime


class StoreCreate(_Body):
    """A new store; ``gstin`` (when given) must be valid and registered in ``state_code``."""

    code: Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]{1,4}$")]
    name: Name
    state_code: StateCode
    gstin: Gstin | None = None
    address: Annotated[str, msgspec.Meta(max_length=500)] = ""


class StoreUpdate(_Body):
    """Changes to a store; omitted fields stay as they are."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    state_code: StateCode | msgspec.UnsetType = msgspec.UNSET
    gstin: Gstin | msgspec.UnsetType | None = msgspec.UNSET
    address: Annotated[str, msgspec.Meta(max_length=500)] | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class StoreView(msgspec.Struct, kw_only=True):
    """A store as admins see it."""

    id: uuid.UUID
    code: str
    name: str
    state_code: str
    state_name: str
    gstin: str | None
    address: str
    active: bool
    created_at: datetime
    updated_at: datetime
