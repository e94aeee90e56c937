"""The changes that people and stores make to the feed: users with PIN hashes, store settings.

The accounts and companies services call these as the last step of their writing
transactions, after the rows are flushed, and pass the result to
:func:`~sync_server.domain.changes.services.record_changes`.

A user reaches a store's tills only with a PIN (tills log in offline by PIN) and a role
there: a company admin is a ``manager`` at every store (one change for every store); anyone
else gets one change per store they hold a role at, with their highest role there
(``store_manager`` → ``manager``, ``cashier`` → ``cashier``). Losing a store's role, the
PIN or the user sends that store a tombstone.

A store's settings reach its tills once it has a GSTIN (an invoice cannot be printed
without one); the registered name printed on invoices is the company's name until stores
carry their own, and till behaviour (idle lock, PIN attempts, discount limits) takes the
defaults below until it is configurable per store.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.gstin import state_name
from shared.protocol import StoreSettingsData, UserData
from sync_server.db import models as m
from sync_server.db.models import EVERY_STORE
from sync_server.domain.changes.services import Changed, record_changes
from sync_server.lib.principal import CASHIER, COMPANY_ADMIN, STORE_MANAGER

__all__ = (
    "DEFAULT_DISCOUNT_LIMITS",
    "DEFAULT_IDLE_LOCK_SECONDS",
    "DEFAULT_MAX_PIN_ATTEMPTS",
    "admin_user_ids",
    "record_store",
    "record_users",
    "store_changes",
    "till_code",
    "user_changes",
)

DEFAULT_IDLE_LOCK_SECONDS = 300
"""Idle seconds before a till locks, until stores configure it (the till's own default)."""
DEFAULT_MAX_PIN_ATTEMPTS = 5
"""Wrong PINs before lockout, until stores configure it (the till's own default)."""
DEFAULT_DISCOUNT_LIMITS: dict[str, Decimal] = {
    "cashier": Decimal(5),
    "supervisor": Decimal(15),
    "manager": Decimal(100),
}
"""The largest discount, in percent, each till role gives without approval."""

_TILL_ROLE = {COMPANY_ADMIN: "manager", STORE_MANAGER: "manager", CASHIER: "cashier"}
_RANK = {"cashier": 0, "supervisor": 1, "manager": 2}
_MAX_ADDRESS_LINES = 6
_MAX_LINE = 500


def till_code(user_id: uuid.UUID) -> str:
    """The short code a user has at the till login: the last 8 hex digits of their id.

    Users have no code of their own yet; these digits are the random part of a UUIDv7.
    """
    return user_id.hex[-8:].upper()


async def _existing_scopes(
    session: AsyncSession, company_id: uuid.UUID, entity: str, entity_id: uuid.UUID
) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(m.ChangeLog.scope).where(
            m.ChangeLog.company_id == company_id,
            m.ChangeLog.entity == entity,
            m.ChangeLog.entity_id == entity_id,
            m.ChangeLog.op == "upsert",
        )
    )
    return set(rows)


async def user_changes(
    session: AsyncSession, company_id: uuid.UUID, user_ids: Iterable[uuid.UUID]
) -> list[Changed]:
    """The changes that bring tills' copies of these users up to date.

    Args:
        session: the writing tenant transaction, with the users' rows flushed.
        company_id: their company.
        user_ids: the users that changed (a deleted one yields tombstones only).

    Returns:
        Tombstones for stores that lost the user first, then the upserts.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return []
    users = {
        u.id: u
        for u in await session.scalars(
            select(m.User).where(m.User.company_id == company_id, m.User.id.in_(ids))
        )
    }
    grants: dict[uuid.UUID, list[tuple[str, uuid.UUID | None]]] = {i: [] for i in ids}
    for row in await session.execute(
        select(m.Membership.user_id, m.Membership.role, m.Membership.store_id).where(
            m.Membership.company_id == company_id, m.Membership.user_id.in_(ids)
        )
    ):
        grants[row.user_id].append((row.role, row.store_id))
    all_stores: list[uuid.UUID] | None = None
    tombstones: list[Changed] = []
    upserts: list[Changed] = []
    for user_id in ids:
        user = users.get(user_id)
        roles: dict[uuid.UUID, str] = {}  # scope -> till role
        if user is not None and user.pin_hash is not None:
            if any(role == COMPANY_ADMIN for role, _ in grants[user_id]):
                roles[EVERY_STORE] = "manager"
            else:
                for role, store in grants[user_id]:
                    if store is None:
                        continue
                    till_role = _TILL_ROLE[role]
                    if _RANK[till_role] > _RANK.get(roles.get(store, ""), -1):
                        roles[store] = till_role
        for scope in sorted(
            await _existing_scopes(session, company_id, "user", user_id) - set(roles)
        ):
            tombstones.append(Changed("user", user_id, None, scope=scope))
        if not roles:
            continue
        assert user is not None
        assert user.pin_hash is not None
        if EVERY_STORE in roles:
            if all_stores is None:
                all_stores = list(
                    await session.scalars(
                        select(m.Store.id)
                        .where(m.Store.company_id == company_id)
                        .order_by(m.Store.id)
                    )
                )
            store_ids = tuple(all_stores)
        else:
            store_ids = tuple(sorted(roles))
        for scope, role in sorted(roles.items()):
            data = UserData(
                code=till_code(user_id),
                name=user.full_name,
                role=role,  # type: ignore[arg-type]
                pin_hash=user.pin_hash,
                store_ids=store_ids,
                active=user.active,
            )
            upserts.append(Changed("user", user_id, data, scope=scope))
    return tombstones + upserts


async def admin_user_ids(session: AsyncSession, company_id: uuid.UUID) -> list[uuid.UUID]:
    """The company's admins, whose changes list every store (re-recorded when one opens)."""
    rows = await session.scalars(
        select(m.Membership.user_id).where(
            m.Membership.company_id == company_id, m.Membership.role == COMPANY_ADMIN
        )
    )
    return sorted(set(rows))


def _address(store: m.Store) -> tuple[str, ...]:
    lines = [line.strip() for line in store.address.splitlines() if line.strip()]
    if not lines:
        lines = [state_name(store.state_code)]
    if len(lines) > _MAX_ADDRESS_LINES:
        lines = [*lines[: _MAX_ADDRESS_LINES - 1], ", ".join(lines[_MAX_ADDRESS_LINES - 1 :])]
    return tuple(line[:_MAX_LINE] for line in lines)


async def store_changes(
    session: AsyncSession, company_id: uuid.UUID, store_id: uuid.UUID
) -> list[Changed]:
    """The change that brings a store's tills' copy of its settings up to date.

    Args:
        session: the writing tenant transaction, with the store's row flushed.
        company_id: the store's company.
        store_id: the store.

    Returns:
        Its settings, or a tombstone if its tills had settings and it has no GSTIN now, or
        nothing.
    """
    store = await session.get(m.Store, (company_id, store_id))
    company = await session.get(m.Company, company_id)
    if store is None or company is None or store.gstin is None:
        if store_id in await _existing_scopes(session, company_id, "store_settings", store_id):
            return [Changed("store_settings", store_id, None, scope=store_id)]
        return []
    data = StoreSettingsData(
        code=store.code,
        name=store.name,
        legal_name=company.name,
        gstin=store.gstin,
        state_code=store.state_code,
        address=_address(store),
        idle_lock_seconds=DEFAULT_IDLE_LOCK_SECONDS,
        max_pin_attempts=DEFAULT_MAX_PIN_ATTEMPTS,
        discount_limit_percent=dict(DEFAULT_DISCOUNT_LIMITS),  # type: ignore[arg-type]
    )
    return [Changed("store_settings", store_id, data, scope=store_id)]


async def record_users(
    session: AsyncSession, company_id: uuid.UUID, user_ids: Iterable[uuid.UUID], at: datetime
) -> None:
    """Record the users' current state in the feed (the last step of a writing transaction)."""
    await session.flush()
    await record_changes(session, company_id, await user_changes(session, company_id, user_ids), at)


async def record_store(
    session: AsyncSession,
    company_id: uuid.UUID,
    store_id: uuid.UUID,
    at: datetime,
    *,
    opened: bool = False,
) -> None:
    """Record a store's settings in the feed; a newly ``opened`` store joins admins' lists too."""
    await session.flush()
    changes = await store_changes(session, company_id, store_id)
    if opened:
        admins = await admin_user_ids(session, company_id)
        changes += await user_changes(session, company_id, admins)
    await record_changes(session, company_id, changes, at)
