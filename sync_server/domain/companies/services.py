"""Companies and stores: tenants, plan limits, suspension, and GSTIN-checked stores.

Company operations belong to the platform admin and run in the platform session; store
operations run in the caller's tenant session.
"""

from __future__ import annotations

import asyncio
import uuid

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import GstinError
from shared.gstin import state_name, validate_gstin
from sync_server.db import models as m
from sync_server.db.session import lock_company
from sync_server.domain.changes.entities import record_store
from sync_server.domain.companies.schemas import (
    PLANS,
    CompanyCreate,
    CompanyUpdate,
    CompanyView,
    StoreCreate,
    StoreUpdate,
    StoreView,
)
from sync_server.lib.context import AppContext
from sync_server.lib.errors import (
    Conflict,
    InvalidGstinInput,
    InvalidInput,
    NotFound,
    PlanLimitReached,
)
from sync_server.lib.ids import new_id
from sync_server.lib.principal import COMPANY_ADMIN, Principal

__all__ = (
    "create_company",
    "create_store",
    "get_company",
    "get_store",
    "list_companies",
    "list_stores",
    "set_company_status",
    "update_company",
    "update_store",
)


def _company_view(c: m.Company) -> CompanyView:
    return CompanyView(
        id=c.id,
        name=c.name,
        slug=c.slug,
        status=c.status,
        plan=c.plan,
        max_stores=c.max_stores,
        max_terminals=c.max_terminals,
        max_users=c.max_users,
        created_at=c.created_at,
    )


async def create_company(
    ctx: AppContext, actor: Principal | None, body: CompanyCreate
) -> CompanyView:
    """Create a tenant and its first company admin (platform admins; ``None``: the CLI).

    Raises:
        Conflict: the slug or the admin's email is taken.
    """
    if actor is not None:
        actor.require_platform_admin()
    stores, terminals, users = PLANS[body.plan]
    password_hash = await asyncio.to_thread(ctx.hasher.hash, body.admin.password)
    now = ctx.clock()
    email = body.admin.email.strip().lower()
    async with ctx.db.platform() as session:
        if await session.scalar(select(m.Company.id).where(m.Company.slug == body.slug)):
            raise Conflict(f"a company with slug {body.slug!r} exists", field="slug")
        if await session.scalar(select(m.Account.id).where(m.Account.email == email)):
            raise Conflict("an account with this email already exists", field="admin.email")
        company = m.Company(
            id=new_id(),
            name=body.name,
            slug=body.slug,
            status="active",
            plan=body.plan,
            max_stores=stores if body.max_stores is None else body.max_stores,
            max_terminals=terminals if body.max_terminals is None else body.max_terminals,
            max_users=users if body.max_users is None else body.max_users,
            created_at=now,
            updated_at=now,
        )
        account = m.Account(
            id=new_id(),
            email=email,
            password_hash=password_hash,
            is_platform_admin=False,
            active=True,
            created_at=now,
        )
        session.add_all([company, account])
        await session.flush()
        user = m.User(
            company_id=company.id,
            id=new_id(),
            account_id=account.id,
            full_name=body.admin.full_name,
            active=True,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        await session.flush()
        session.add(
            m.Membership(
                company_id=company.id,
                id=new_id(),
                user_id=user.id,
                role=COMPANY_ADMIN,
                store_id=None,
                created_at=now,
            )
        )
        return _company_view(company)


async def list_companies(ctx: AppContext, actor: Principal) -> list[CompanyView]:
    """List every company (platform admins only)."""
    actor.require_platform_admin()
    async with ctx.db.platform() as session:
        rows = await session.scalars(select(m.Company).order_by(m.Company.name))
        return [_company_view(c) for c in rows]


async def get_company(ctx: AppContext, actor: Principal, company_id: uuid.UUID) -> CompanyView:
    """Return a company to a platform admin, or to a member reading their own."""
    if actor.platform_admin:
        async with ctx.db.platform() as session:
            company = await session.get(m.Company, company_id)
    else:
        own = actor.require_staff_reader()
        if own != company_id:
            raise NotFound(f"no company {company_id}")
        async with ctx.db.tenant(own) as session:
            company = await session.get(m.Company, company_id)
    if company is None:
        raise NotFound(f"no company {company_id}")
    return _company_view(company)


async def _platform_company(session: AsyncSession, company_id: uuid.UUID) -> m.Company:
    company = await session.get(m.Company, company_id, with_for_update=True)
    if company is None:
        raise NotFound(f"no company {company_id}")
    return company


async def set_company_status(
    ctx: AppContext, actor: Principal, company_id: uuid.UUID, status: str
) -> CompanyView:
    """Suspend (``"suspended"``) or reactivate (``"active"``) a company (platform admins)."""
    actor.require_platform_admin()
    async with ctx.db.platform() as session:
        company = await _platform_company(session, company_id)
        company.status = status
        company.updated_at = ctx.clock()
        return _company_view(company)


async def update_company(
    ctx: AppContext, actor: Principal, company_id: uuid.UUID, body: CompanyUpdate
) -> CompanyView:
    """Rename a company or change its plan and limits (platform admins)."""
    actor.require_platform_admin()
    async with ctx.db.platform() as session:
        company = await _platform_company(session, company_id)
        for name in ("name", "plan", "max_stores", "max_terminals", "max_users"):
            value = getattr(body, name)
            if value is not msgspec.UNSET:
                setattr(company, name, value)
        company.updated_at = ctx.clock()
        return _company_view(company)


# ----------------------------------------------------------------------------- stores
def _store_view(s: m.Store) -> StoreView:
    return StoreView(
        id=s.id,
        code=s.code,
        name=s.name,
        state_code=s.state_code,
        state_name=state_name(s.state_code),
        gstin=s.gstin,
        address=s.address,
        active=s.active,
        created_at=s.created_at,
        updated_at=s.updated_at,
    )


_NOT_A_PLACE = frozenset({"96", "97", "99"})
"""GST codes for foreign countries, other territory and centre jurisdiction: no shop is there."""


def _check_place(state_code: str, gstin: str | None) -> str | None:
    """Validate the state code and the GSTIN against it; return the normalised GSTIN."""
    try:
        name = state_name(state_code)
    except GstinError as exc:
        raise InvalidInput(str(exc), field="state_code") from exc
    if state_code in _NOT_A_PLACE:
        raise InvalidInput(
            f"{state_code} ({name}) is not a state or union territory a store can be in",
            field="state_code",
        )
    if gstin is None:
        return None
    try:
        valid = validate_gstin(gstin)
    except GstinError as exc:
        raise InvalidGstinInput(str(exc), field="gstin", reason=exc.reason) from exc
    if valid.state_code != state_code:
        raise InvalidGstinInput(
            f"GSTIN {valid.value} is registered in {valid.state_name} ({valid.state_code}), "
            f"but the store is in {state_name(state_code)} ({state_code})",
            field="gstin",
            reason="state_mismatch",
        )
    return valid.value


async def _check_store_limit(session: AsyncSession, company_id: uuid.UUID) -> None:
    await lock_company(session, company_id, "stores")
    company = await session.get(m.Company, company_id)
    assert company is not None
    count = await session.scalar(
        select(func.count())
        .select_from(m.Store)
        .where(m.Store.company_id == company_id, m.Store.active.is_(True))
    )
    if (count or 0) >= company.max_stores:
        raise PlanLimitReached(
            f"the plan allows {company.max_stores} stores and all are in use",
            limit="max_stores",
            max=company.max_stores,
        )


async def list_stores(ctx: AppContext, actor: Principal) -> list[StoreView]:
    """List the actor's company's stores (admins and store managers)."""
    company_id = actor.require_staff_reader()
    async with ctx.db.tenant(company_id) as session:
        rows = await session.scalars(
            select(m.Store).where(m.Store.company_id == company_id).order_by(m.Store.code)
        )
        return [_store_view(s) for s in rows]


async def get_store(ctx: AppContext, actor: Principal, store_id: uuid.UUID) -> StoreView:
    """Return one store of the actor's company."""
    company_id = actor.require_staff_reader()
    async with ctx.db.tenant(company_id) as session:
        store = await session.get(m.Store, (company_id, store_id))
        if store is None:
            raise NotFound(f"no store {store_id}")
        return _store_view(store)


async def create_store(ctx: AppContext, actor: Principal, body: StoreCreate) -> StoreView:
    """Open a store (company admins only).

    Raises:
        InvalidInput / InvalidGstinInput: bad state code or GSTIN, naming the field.
        Conflict: the store code is taken.
        PlanLimitReached: the plan's ``max_stores`` active stores exist.
    """
    company_id = actor.require_admin()
    gstin = _check_place(body.state_code, body.gstin)
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        await _check_store_limit(session, company_id)
        if await session.scalar(
            select(m.Store.id).where(m.Store.company_id == company_id, m.Store.code == body.code)
        ):
            raise Conflict(f"a store with code {body.code!r} exists", field="code")
        store = m.Store(
            company_id=company_id,
            id=new_id(),
            code=body.code,
            name=body.name,
            gstin=gstin,
            state_code=body.state_code,
            address=body.address,
            active=True,
            created_at=now,
            updated_at=now,
        )
        session.add(store)
        await record_store(session, company_id, store.id, now, opened=True)
        return _store_view(store)


async def update_store(
    ctx: AppContext, actor: Principal, store_id: uuid.UUID, body: StoreUpdate
) -> StoreView:
    """Change a store (company admins only); the GSTIN is re-checked against the state."""
    company_id = actor.require_admin()
    async with ctx.db.tenant(company_id) as session:
        store = await session.get(m.Store, (company_id, store_id), with_for_update=True)
        if store is None:
            raise NotFound(f"no store {store_id}")
        state = store.state_code if body.state_code is msgspec.UNSET else body.state_code
        gstin = store.gstin if body.gstin is msgspec.UNSET else body.gstin
        store.gstin = _check_place(state, gstin)
        store.state_code = state
        if body.name is not msgspec.UNSET:
            store.name = body.name
        if body.address is not msgspec.UNSET:
            store.address = body.address
        if body.active is not msgspec.UNSET:
            if body.active and not store.active:
                await _check_store_limit(session, company_id)
            store.active = body.active
        store.updated_at = ctx.clock()
        await record_store(session, company_id, store.id, store.updated_at)
        return _store_view(store)
