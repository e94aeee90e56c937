"""Who is calling: a signed-in person or an enrolled terminal, and what they may do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sync_server.lib.errors import PermissionDenied

__all__ = ("COMPANY_ADMIN", "ROLES", "STORE_MANAGER", "Principal", "TerminalPrincipal")

COMPANY_ADMIN = "company_admin"
STORE_MANAGER = "store_manager"
CASHIER = "cashier"
ROLES = (COMPANY_ADMIN, STORE_MANAGER, CASHIER)


@dataclass(frozen=True, slots=True)
class Principal:
    """A person with a valid access token.

    Attributes:
        roles: ``(role, store_id)`` pairs; ``store_id`` is ``None`` for company-wide roles.
    """

    account_id: uuid.UUID
    email: str
    family_id: uuid.UUID
    platform_admin: bool
    company_id: uuid.UUID | None
    user_id: uuid.UUID | None
    roles: frozenset[tuple[str, uuid.UUID | None]]

    @property
    def is_company_admin(self) -> bool:
        """Whether the person administers their whole company."""
        return any(role == COMPANY_ADMIN for role, _ in self.roles)

    def managed_stores(self) -> frozenset[uuid.UUID]:
        """Stores the person manages as a store manager."""
        return frozenset(s for role, s in self.roles if role == STORE_MANAGER and s is not None)

    def company(self) -> uuid.UUID:
        """Return the person's company, or refuse when they act for none."""
        if self.company_id is None:
            raise PermissionDenied("this needs a company account; platform admins have none")
        return self.company_id

    def require_admin(self) -> uuid.UUID:
        """Return the company when the person is its admin; refuse otherwise."""
        company = self.company()
        if not self.is_company_admin:
            raise PermissionDenied("only a company admin may do this")
        return company

    def require_staff_reader(self) -> uuid.UUID:
        """Return the company when the person may read its set-up (admin or store manager)."""
        company = self.company()
        if not (self.is_company_admin or self.managed_stores()):
            raise PermissionDenied("only company admins and store managers may see this")
        return company

    def require_store(self, store_id: uuid.UUID) -> uuid.UUID:
        """Return the company when the person administers it or manages ``store_id``."""
        company = self.company()
        if not (self.is_company_admin or store_id in self.managed_stores()):
            raise PermissionDenied("only a company admin or this store's manager may do this")
        return company

    def require_platform_admin(self) -> None:
        """Refuse unless the person is a platform admin."""
        if not self.platform_admin:
            raise PermissionDenied("only a platform admin may do this")


@dataclass(frozen=True, slots=True)
class TerminalPrincipal:
    """An enrolled, unrevoked terminal."""

    company_id: uuid.UUID
    terminal_id: uuid.UUID
    store_id: uuid.UUID
    code: str
