"""Sign-in, tokens, and the company's users: the rules, free of HTTP.

Login, refresh, logout and :func:`authenticate` run in the platform session (they must find
an account before its company is known); everything else runs in a tenant session.

Lockout and rate limits live in ``auth_attempts``, so every server process agrees:

* an email with ``login_max_failures`` failures in the last ``lockout_minutes`` (counted since
  its last success) is refused with 429 until the oldest of those failures is that old. Unknown
  emails are counted the same way, so a lockout does not reveal that an account exists;
* a client address with ``address_max_failures`` failures in the window is refused the same way.

A refused attempt is not itself counted, so a lockout always ends. Two concurrent requests
may both pass the check at the boundary; the limit is exact to within the concurrency.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import cast

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sync_server.db import models as m
from sync_server.db.session import lift_to_platform, lock_company, scope_to_company
from sync_server.domain.accounts.schemas import (
    LoginRequest,
    Me,
    PinSet,
    RoleGrant,
    RoleName,
    TokenPair,
    UserCreate,
    UserUpdate,
    UserView,
)
from sync_server.domain.changes.entities import record_users
from sync_server.lib.context import AppContext
from sync_server.lib.errors import (
    CompanySuspended,
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    PlanLimitReached,
    TooManyAttempts,
)
from sync_server.lib.ids import new_id
from sync_server.lib.principal import COMPANY_ADMIN, Principal
from sync_server.lib.security import Secrets

__all__ = (
    "authenticate",
    "check_attempt_limits",
    "create_platform_admin",
    "create_user",
    "describe",
    "get_user",
    "list_users",
    "login",
    "logout",
    "record_attempt",
    "refresh",
    "set_pin",
    "update_user",
)

_BAD_LOGIN = "the email or password is wrong"


# ----------------------------------------------------------------------------- attempts
async def check_attempt_limits(
    ctx: AppContext, session: AsyncSession, kind: str, subject: str | None, address: str
) -> None:
    """Refuse (429) when ``subject`` or ``address`` has too many recent failures of ``kind``."""
    s = ctx.settings
    now = ctx.clock()
    window = timedelta(minutes=s.lockout_minutes)
    since = now - window
    checks: list[tuple[object, int, str]] = [
        (m.AuthAttempt.address == address, s.address_max_failures, "from this address")
    ]
    if subject is not None:
        last_ok = await session.scalar(
            select(func.max(m.AuthAttempt.at)).where(
                m.AuthAttempt.kind == kind,
                m.AuthAttempt.subject == subject,
                m.AuthAttempt.succeeded.is_(True),
                m.AuthAttempt.at > since,
            )
        )
        checks.insert(
            0,
            (
                (m.AuthAttempt.subject == subject) & (m.AuthAttempt.at >= (last_ok or since)),
                s.login_max_failures,
                "for this account",
            ),
        )
    for condition, limit, whose in checks:
        failures = (
            await session.scalars(
                select(m.AuthAttempt.at)
                .where(
                    m.AuthAttempt.kind == kind,
                    m.AuthAttempt.succeeded.is_(False),
                    m.AuthAttempt.at > since,
                    condition,  # type: ignore[arg-type]
                )
                .order_by(m.AuthAttempt.at.desc())
                .limit(limit)
            )
        ).all()
        if len(failures) >= limit:
            retry = max(1, int((failures[-1] + window - now).total_seconds()) + 1)
            raise TooManyAttempts(
                f"too many failed attempts {whose}; try again in {retry} seconds",
                retry_after=retry,
            )


async def record_attempt(
    ctx: AppContext, session: AsyncSession, kind: str, subject: str, address: str, *, ok: bool
) -> None:
    """Remember one attempt for the limits above."""
    session.add(
        m.AuthAttempt(
            id=new_id(),
            kind=kind,
            subject=subject,
            address=address,
            succeeded=ok,
            at=ctx.clock(),
        )
    )


# ----------------------------------------------------------------------------- tokens
async def _issue(
    ctx: AppContext,
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    family_id: uuid.UUID,
    company_id: uuid.UUID | None,
    user_id: uuid.UUID | None,
) -> TokenPair:
    now = ctx.clock()
    lifetime = timedelta(days=ctx.settings.refresh_token_days)
    refresh_token = Secrets.token("grt_")
    session.add(
        m.RefreshToken(
            id=new_id(),
            family_id=family_id,
            account_id=account_id,
            company_id=company_id,
            user_id=user_id,
            token_digest=ctx.digest(refresh_token),
            issued_at=now,
            expires_at=now + lifetime,
        )
    )
    access = ctx.tokens.issue(
        account_id=account_id,
        family_id=family_id,
        company_id=company_id,
        user_id=user_id,
        now=now,
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh_token,
        expires_in=int(ctx.tokens.lifetime.total_seconds()),
        refresh_expires_in=int(lifetime.total_seconds()),
    )


async def _staff_row(
    session: AsyncSession, account: m.Account, company_id: uuid.UUID | None
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """Pick the company and user an account signs in as (cross-tenant: platform session)."""
    query = (
        select(m.User.company_id, m.User.id, m.Company.status)
        .join(m.Company, m.Company.id == m.User.company_id)
        .where(m.User.account_id == account.id, m.User.active.is_(True))
    )
    if company_id is not None:
        query = query.where(m.User.company_id == company_id)
    rows = (await session.execute(query)).all()
    if not rows:
        if account.is_platform_admin and company_id is None:
            return None, None
        raise PermissionDenied("this account is not an active member of any such company")
    if len(rows) > 1:
        raise InvalidInput(
            "this account belongs to several companies; say which with company_id",
            field="company_id",
            companies=[str(r.company_id) for r in rows],
        )
    row = rows[0]
    if row.status != "active":
        raise CompanySuspended("this company is suspended; contact the platform")
    return row.company_id, row.id


async def login(ctx: AppContext, body: LoginRequest, address: str) -> TokenPair:
    """Check an email and password and start a new token family.

    Raises:
        NotAuthenticated: wrong email or password (the same answer for both).
        TooManyAttempts: the email or the address is locked out for now.
    """
    email = body.email.strip().lower()
    failure: Exception | None = None
    result: TokenPair | None = None
    async with ctx.db.platform() as session:
        await check_attempt_limits(ctx, session, "login", email, address)
        account = await session.scalar(select(m.Account).where(m.Account.email == email))
        stored = account.password_hash if account is not None and account.active else None
        ok = await asyncio.to_thread(ctx.hasher.verify, stored, body.password)
        await record_attempt(ctx, session, "login", email, address, ok=ok)
        if not ok or account is None:
            failure = NotAuthenticated(_BAD_LOGIN)
        else:
            company_id, user_id = await _staff_row(session, account, body.company_id)
            result = await _issue(
                ctx,
                session,
                account_id=account.id,
                family_id=new_id(),
                company_id=company_id,
                user_id=user_id,
            )
    if failure is not None:
        raise failure  # after the commit, so the failed attempt is remembered
    assert result is not None
    return result


async def refresh(ctx: AppContext, token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; a second use revokes the whole family.

    Raises:
        NotAuthenticated: unknown, expired, revoked or reused token, or the account, user or
            company is no longer active.
    """
    now = ctx.clock()
    failure: Exception | None = None
    result: TokenPair | None = None
    async with ctx.db.platform() as session:
        row = await session.scalar(
            select(m.RefreshToken)
            .where(m.RefreshToken.token_digest == ctx.digest(token))
            .with_for_update()
        )
        if row is None:
            failure = NotAuthenticated("the refresh token is not valid")
        elif row.revoked_at is not None:
            failure = NotAuthenticated("the refresh token was revoked; sign in again")
        elif row.used_at is not None:
            await _revoke_family(session, row.family_id, now)
            failure = NotAuthenticated(
                "the refresh token was already used, so every session of this sign-in has "
                "been revoked; sign in again"
            )
        elif now >= row.expires_at:
            failure = NotAuthenticated("the refresh token has expired; sign in again")
        else:
            account = await session.get(m.Account, row.account_id)
            if account is None or not account.active:
                failure = NotAuthenticated("the account is disabled")
            else:
                if row.company_id is not None:
                    await _staff_row(session, account, row.company_id)
                row.used_at = now
                result = await _issue(
                    ctx,
                    session,
                    account_id=row.account_id,
                    family_id=row.family_id,
                    company_id=row.company_id,
                    user_id=row.user_id,
                )
    if failure is not None:
        raise failure  # after the commit, so a reuse's family revocation sticks
    assert result is not None
    return result


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(m.RefreshToken)
        .where(m.RefreshToken.family_id == family_id, m.RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def logout(ctx: AppContext, token: str) -> None:
    """Revoke the family of ``token`` (its access tokens stop working at once, too).

    An unknown token is not an error: signing out twice is harmless.
    """
    async with ctx.db.platform() as session:
        family = await session.scalar(
            select(m.RefreshToken.family_id).where(m.RefreshToken.token_digest == ctx.digest(token))
        )
        if family is not None:
            await _revoke_family(session, family, ctx.clock())


async def authenticate(ctx: AppContext, access_token: str) -> Principal:
    """Check an access token and load who it speaks for, as of now.

    Raises:
        NotAuthenticated: bad or expired token, revoked family, disabled account or user.
        CompanySuspended: the company is suspended.
    """
    claims = ctx.tokens.decode(access_token, ctx.clock())
    async with ctx.db.platform() as session:
        account = await session.get(m.Account, claims.account_id)
        revoked = await session.scalar(
            select(func.count())
            .select_from(m.RefreshToken)
            .where(
                m.RefreshToken.family_id == claims.family_id,
                m.RefreshToken.revoked_at.is_not(None),
            )
        )
        if account is None or not account.active or revoked:
            raise NotAuthenticated("this sign-in is no longer valid; sign in again")
        roles: frozenset[tuple[str, uuid.UUID | None]] = frozenset()
        if claims.company_id is not None:
            row = (
                await session.execute(
                    select(m.User.active, m.Company.status)
                    .join(m.Company, m.Company.id == m.User.company_id)
                    .where(m.User.company_id == claims.company_id, m.User.id == claims.user_id)
                )
            ).one_or_none()
            if row is None or not row.active:
                raise NotAuthenticated("this user is disabled")
            if row.status != "active":
                raise CompanySuspended("this company is suspended; contact the platform")
            grants = await session.execute(
                select(m.Membership.role, m.Membership.store_id).where(
                    m.Membership.company_id == claims.company_id,
                    m.Membership.user_id == claims.user_id,
                )
            )
            roles = frozenset((g.role, g.store_id) for g in grants)
    return Principal(
        account_id=account.id,
        email=account.email,
        family_id=claims.family_id,
        platform_admin=account.is_platform_admin,
        company_id=claims.company_id,
        user_id=claims.user_id,
        roles=roles,
    )


def describe(principal: Principal) -> Me:
    """Return what the API tells a caller about themselves."""
    return Me(
        account_id=principal.account_id,
        email=principal.email,
        platform_admin=principal.platform_admin,
        company_id=principal.company_id,
        user_id=principal.user_id,
        roles=sorted(
            (RoleGrant(role=cast(RoleName, r), store_id=s) for r, s in principal.roles),
            key=lambda g: (g.role, str(g.store_id)),
        ),
    )


# ----------------------------------------------------------------------------- users
async def _check_grants(session: AsyncSession, grants: Sequence[RoleGrant]) -> None:
    seen: set[tuple[str, uuid.UUID | None]] = set()
    for index, grant in enumerate(grants):
        where = f"roles[{index}].store_id"
        if grant.role == COMPANY_ADMIN and grant.store_id is not None:
            raise InvalidInput("a company admin role is company-wide; omit store_id", field=where)
        if grant.role != COMPANY_ADMIN and grant.store_id is None:
            raise InvalidInput(f"a {grant.role} role needs the store_id it applies to", field=where)
        if (
            grant.store_id is not None
            and await session.get(m.Store, (_company_of(session), grant.store_id)) is None
        ):
            raise NotFound(f"no store {grant.store_id}", field=where)
        key = (grant.role, grant.store_id)
        if key in seen:
            raise InvalidInput("the same role is given twice", field=f"roles[{index}]")
        seen.add(key)


def _company_of(session: AsyncSession) -> uuid.UUID:
    company: uuid.UUID = session.info["company_id"]
    return company


async def _check_user_limit(session: AsyncSession, company_id: uuid.UUID) -> None:
    await lock_company(session, company_id, "users")
    company = await session.get(m.Company, company_id)
    assert company is not None
    active = await session.scalar(
        select(func.count())
        .select_from(m.User)
        .where(m.User.company_id == company_id, m.User.active.is_(True))
    )
    if (active or 0) >= company.max_users:
        raise PlanLimitReached(
            f"the plan allows {company.max_users} active users and all are in use",
            limit="max_users",
            max=company.max_users,
        )


async def _views(
    session: AsyncSession, company_id: uuid.UUID, users: Iterable[m.User]
) -> list[UserView]:
    users = list(users)
    ids = [u.id for u in users]
    grants: dict[uuid.UUID, list[RoleGrant]] = {i: [] for i in ids}
    for g in await session.execute(
        select(m.Membership.user_id, m.Membership.role, m.Membership.store_id)
        .where(m.Membership.company_id == company_id, m.Membership.user_id.in_(ids))
        .order_by(m.Membership.role, m.Membership.store_id)
    ):
        grants[g.user_id].append(RoleGrant(role=g.role, store_id=g.store_id))
    account_ids = [u.account_id for u in users if u.account_id is not None]
    emails: dict[uuid.UUID, str] = {}
    if account_ids:
        # the tenant role cannot read accounts; look up just these emails, then step back
        await lift_to_platform(session)
        rows = await session.execute(
            select(m.Account.id, m.Account.email).where(m.Account.id.in_(account_ids))
        )
        emails = {r.id: r.email for r in rows}
        await scope_to_company(session, company_id)
    return [
        UserView(
            id=u.id,
            full_name=u.full_name,
            email=emails.get(u.account_id) if u.account_id else None,
            active=u.active,
            has_pin=u.pin_hash is not None,
            roles=grants[u.id],
            created_at=u.created_at,
            updated_at=u.updated_at,
        )
        for u in users
    ]


async def _replace_grants(
    session: AsyncSession,
    company_id: uuid.UUID,
    user_id: uuid.UUID,
    grants: list[RoleGrant],
    now: datetime,
) -> None:
    for old in await session.scalars(
        select(m.Membership).where(
            m.Membership.company_id == company_id, m.Membership.user_id == user_id
        )
    ):
        await session.delete(old)
    await session.flush()
    for grant in grants:
        session.add(
            m.Membership(
                company_id=company_id,
                id=new_id(),
                user_id=user_id,
                role=grant.role,
                store_id=grant.store_id,
                created_at=now,
            )
        )


async def create_user(ctx: AppContext, actor: Principal, body: UserCreate) -> UserView:
    """Add a staff member to the actor's company (company admins only).

    Raises:
        InvalidInput: email without password (or the reverse), or a role without its store.
        Conflict: the email already has an account.
        PlanLimitReached: the plan's ``max_users`` active users exist.
    """
    company_id = actor.require_admin()
    if (body.email is None) != (body.password is None):
        field = "password" if body.password is None else "email"
        raise InvalidInput("email and password go together: give both or neither", field=field)
    pin_hash = await asyncio.to_thread(ctx.hasher.hash, body.pin) if body.pin else None
    password_hash = (
        await asyncio.to_thread(ctx.hasher.hash, body.password) if body.password else None
    )
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        session.info["company_id"] = company_id
        await _check_grants(session, body.roles)
        await _check_user_limit(session, company_id)
        account_id = None
        if body.email is not None and password_hash is not None:
            account_id = await _create_account(session, body.email, password_hash, now)
            await scope_to_company(session, company_id)
        user = m.User(
            company_id=company_id,
            id=new_id(),
            account_id=account_id,
            full_name=body.full_name,
            pin_hash=pin_hash,
            active=True,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        await session.flush()
        await _replace_grants(session, company_id, user.id, body.roles, now)
        await record_users(session, company_id, [user.id], now)
        return (await _views(session, company_id, [user]))[0]


async def _create_account(
    session: AsyncSession, email: str, password_hash: str, now: datetime
) -> uuid.UUID:
    await lift_to_platform(session)
    email = email.strip().lower()
    if await session.scalar(select(m.Account.id).where(m.Account.email == email)):
        raise Conflict("an account with this email already exists", field="email")
    account = m.Account(
        id=new_id(),
        email=email,
        password_hash=password_hash,
        is_platform_admin=False,
        active=True,
        created_at=now,
    )
    session.add(account)
    await session.flush()
    return account.id


async def list_users(ctx: AppContext, actor: Principal) -> list[UserView]:
    """List the actor's company's users (admins and store managers)."""
    company_id = actor.require_staff_reader()
    async with ctx.db.tenant(company_id) as session:
        users = await session.scalars(
            select(m.User).where(m.User.company_id == company_id).order_by(m.User.full_name)
        )
        return await _views(session, company_id, users)


async def _user(
    session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = True
) -> m.User:
    user = await session.get(m.User, (company_id, user_id), with_for_update=lock)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


async def get_user(ctx: AppContext, actor: Principal, user_id: uuid.UUID) -> UserView:
    """Return one user of the actor's company."""
    company_id = actor.require_staff_reader()
    async with ctx.db.tenant(company_id) as session:
        user = await _user(session, company_id, user_id, lock=False)
        return (await _views(session, company_id, [user]))[0]


async def update_user(
    ctx: AppContext, actor: Principal, user_id: uuid.UUID, body: UserUpdate
) -> UserView:
    """Rename, (de)activate or re-role a user (company admins only)."""
    company_id = actor.require_admin()
    now = ctx.clock()
    async with ctx.db.tenant(company_id) as session:
        session.info["company_id"] = company_id
        user = await _user(session, company_id, user_id)
        if body.active is not msgspec.UNSET:
            if body.active and not user.active:
                await _check_user_limit(session, company_id)
            if not body.active and user.id == actor.user_id:
                raise InvalidInput("you cannot deactivate yourself", field="active")
            user.active = body.active
        if body.full_name is not msgspec.UNSET:
            user.full_name = body.full_name
        if body.roles is not msgspec.UNSET:
            await _check_grants(session, body.roles)
            if user.id == actor.user_id and not any(g.role == COMPANY_ADMIN for g in body.roles):
                raise InvalidInput("you cannot remove your own admin role", field="roles")
            await _replace_grants(session, company_id, user.id, body.roles, now)
        user.updated_at = now
        await record_users(session, company_id, [user.id], now)
        return (await _views(session, company_id, [user]))[0]


async def set_pin(ctx: AppContext, actor: Principal, user_id: uuid.UUID, body: PinSet) -> None:
    """Set a user's till PIN (argon2id-hashed; company admins only)."""
    company_id = actor.require_admin()
    pin_hash = await asyncio.to_thread(ctx.hasher.hash, body.pin)
    async with ctx.db.tenant(company_id) as session:
        user = await _user(session, company_id, user_id)
        user.pin_hash = pin_hash
        user.updated_at = ctx.clock()
        await record_users(session, company_id, [user.id], user.updated_at)


async def create_platform_admin(ctx: AppContext, email: str, password: str) -> uuid.UUID:
    """Create a platform admin account, or reset the password of an existing one (CLI only).

    Returns:
        The account id.
    """
    if len(password) < 10:
        raise InvalidInput("a password has at least 10 characters", field="password")
    email = email.strip().lower()
    password_hash = await asyncio.to_thread(ctx.hasher.hash, password)
    async with ctx.db.platform() as session:
        account = await session.scalar(select(m.Account).where(m.Account.email == email))
        if account is None:
            account = m.Account(
                id=new_id(),
                email=email,
                password_hash=password_hash,
                is_platform_admin=True,
                active=True,
                created_at=ctx.clock(),
            )
            session.add(account)
        else:
            account.password_hash = password_hash
            account.is_platform_admin = True
            account.active = True
        await session.flush()
        return account.id
