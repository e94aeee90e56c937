"""HTTP routes of the companies area: companies (platform admin) and stores."""

from __future__ import annotations

import uuid

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody

from sync_server.domain.companies import services
from sync_server.domain.companies.schemas import (
    CompanyCreate,
    CompanyUpdate,
    CompanyView,
    StoreCreate,
    StoreUpdate,
    StoreView,
)
from sync_server.lib.web import Actor, Ctx

__all__ = ("CompanyController", "StoreController")


class CompanyController(Controller):
    """Tenants, for the platform admin (and a member reading their own company)."""

    path = "/api/v1/companies"
    tags = ["companies"]  # noqa: RUF012 - Litestar reads it

    @get("/", operation_id="ListCompanies")
    async def list_companies(self, ctx: Ctx, principal: Actor) -> list[CompanyView]:
        """Every company (platform admins)."""
        return await services.list_companies(ctx, principal)

    @post("/", operation_id="CreateCompany")
    async def create_company(
        self, ctx: Ctx, principal: Actor, data: JSONBody[CompanyCreate]
    ) -> CompanyView:
        """Create a company and its first admin (platform admins)."""
        return await services.create_company(ctx, principal, data)

    @get("/{company_id:uuid}", operation_id="GetCompany")
    async def get_company(
        self, ctx: Ctx, principal: Actor, company_id: FromPath[uuid.UUID]
    ) -> CompanyView:
        """One company: any for platform admins, their own for its admins and managers."""
        return await services.get_company(ctx, principal, company_id)

    @patch("/{company_id:uuid}", operation_id="UpdateCompany")
    async def update_company(
        self,
        ctx: Ctx,
        principal: Actor,
        company_id: FromPath[uuid.UUID],
        data: JSONBody[CompanyUpdate],
    ) -> CompanyView:
        """Rename a company or change its plan limits (platform admins)."""
        return await services.update_company(ctx, principal, company_id, data)

    @post("/{company_id:uuid}/suspend", operation_id="SuspendCompany", status_code=200)
    async def suspend(
        self, ctx: Ctx, principal: Actor, company_id: FromPath[uuid.UUID]
    ) -> CompanyView:
        """Suspend a company: its people and terminals are refused until reactivated."""
        return await services.set_company_status(ctx, principal, company_id, "suspended")

    @post("/{company_id:uuid}/reactivate", operation_id="ReactivateCompany", status_code=200)
    async def reactivate(
        self, ctx: Ctx, principal: Actor, company_id: FromPath[uuid.UUID]
    ) -> CompanyView:
        """Lift a suspension."""
        return await services.set_company_status(ctx, principal, company_id, "active")


class StoreController(Controller):
    """The company's stores."""

    path = "/api/v1/stores"
    tags = ["stores"]  # noqa: RUF012 - Litestar reads it

    @get("/", operation_id="ListStores")
    async def list_stores(self, ctx: Ctx, principal: Actor) -> list[StoreView]:
        """Stores of the caller's company."""
        return await services.list_stores(ctx, principal)

    @post("/", operation_id="CreateStore")
    async def create_store(
        self, ctx: Ctx, principal: Actor, data: JSONBody[StoreCreate]
    ) -> StoreView:
        """Open a store (GSTIN checked, and matched to the store's state)."""
        return await services.create_store(ctx, principal, data)

    @get("/{store_id:uuid}", operation_id="GetStore")
    async def get_store(
        self, ctx: Ctx, principal: Actor, store_id: FromPath[uuid.UUID]
    ) -> StoreView:
        """One store of the caller's company."""
        return await services.get_store(ctx, principal, store_id)

    @patch("/{store_id:uuid}", operation_id="UpdateStore")
    async def update_store(
        self, ctx: Ctx, principal: Actor, store_id: FromPath[uuid.UUID], data: JSONBody[StoreUpdate]
    ) -> StoreView:
        """Change a store."""
        return await services.update_store(ctx, principal, store_id, data)
