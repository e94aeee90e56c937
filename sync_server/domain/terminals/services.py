"""Terminal enrolment and revocation.

An admin (or the store's manager) makes a one-time code for a store: eight characters from
an alphabet without look-alikes, shown as ``XXXX-XXXX``, valid for ``enrolment_code_hours``,
stored only as a keyed digest. A till exchanges it (:func:`redeem_enrolment_code`) for a
credential ``gtc.<company>.<terminal>.<secret>``. The code is all the till knows, so finding
it is the one platform-session lookup here; the writes that follow run under the company's
row-level security. Every terminal request re-reads the terminal row
(:func:`authenticate_terminal`), so a revocation takes effect on the next request.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sync_server.db import models as m
from sync_server.db.session import lock_company, scope_to_company
from sync_server.domain.accounts.services import check_attempt_limits, record_attempt
from sync_server.domain.terminals.schemas import (
    Enrolled,
    EnrolmentCodeView,
    EnrolRequest,
    TerminalSelf,
    TerminalView,
)
from sync_server.lib.context import AppContext
from sync_server.lib.errors import (
    CompanySuspended,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PlanLimitReached,
)
from sync_server.lib.ids import new_id
from sync_server.lib.principal import Principal, TerminalPrincipal
from sync_server.lib.security import Secrets, normalise_enrolment_code

__all__ = (
    "CREDENTIAL_PREFIX",
    "authenticate_terminal",
    "create_enrolment_code",
    "get_terminal",
    "is_terminal_credential",
    "list_terminals",
    "redeem_enrolment_code",
    "revoke_terminal",
    "terminal_self",
)

CREDENTIAL_PREFIX = "gtc."


def _view(t: m.Terminal) -> TerminalView:
    return TerminalView(
        id=t.id,
        store_id=t.store_id,
        code=t.code,
        name=t.name,
        status=t.status,
        enrolled_at=t.enrolled_at,
        revoked_at=t.revoked_at,
        last_seen_at=t.last_seen_at,
        last_push_at=t.last_push_at,
        acked_seq=t.last_event_seq,
        queue_depth=t.queue_depth,
        oldest_pending_at=t.oldest_pending_at,
        app_version=t.app_version,
        printer_state=t.printer_state,
    )


async def _check_terminal_limit(session: AsyncSession, company_id: uuid.UUID) -> None:
    company = await session.get(m.Company, company_id)
    assert company is not None
    active = await session.scalar(
        select(func.count())
        .select_from(m.Terminal)
        .where(m.Terminal.company_id == company_id, m.Terminal.status == "active")
    )
    if (active or 0) >= company.max_terminals:
        raise PlanLimitReached(
            f"the plan allows {company.max_terminals} active terminals and all are in use; "
            "revoke one or change the plan",
            limit="max_terminals",
            max=company.max_terminals,
        )


async def create_enrolment_code(
    ctx: AppContext, actor: Principal, store_id: uuid.UUID
) -> EnrolmentCodeView:
    """Make a one-time code for a till to join ``store_id``.

    Raises:
        NotFound: no such store in the actor's company.
        PlanLimitReached: no terminal could enrol with it anyway.
    """
    company_id = actor.require_store(store_id)
    now = ctx.clock()
    code = Secrets.enrolment_code()
    expires = now + timedelta(hours=ctx.settings.enrolment_code_hours)
    async with ctx.db.tenant(company_id) as session:
        store = await session.get(m.Store, (company_id, store_id))
        if store is None or not store.active:
            raise NotFound(f"no open store {store_id}")
        await _check_terminal_limit(session, company_id)
        session.add(
            m.EnrolmentCode(
                company_id=company_id,
                id=new_id(),
                store_id=store_id,
                code_digest=ctx.digest(normalise_enrolment_code(code)),
                created_by=actor.user_id,
                created_at=now,
                expires_at=expires,
            )
        )
    return EnrolmentCodeView(code=code, store_id=store_id, expires_at=expires)


async def redeem_enrolment_code(ctx: AppContext, body: EnrolRequest, address: str) -> Enrolled:
    """Exchange a one-time code for a new terminal and its credential.

    Raises:
        InvalidInput: the code is unknown, used or expired (``reason`` says which).
        TooManyAttempts: this address has failed too often lately.
        PlanLimitReached: the company has no terminal to spare.
    """
    now = ctx.clock()
    digest = ctx.digest(normalise_enrolment_code(body.code))
    failure: Exception | None = None
    result: Enrolled | None = None
    async with ctx.db.platform() as session:
        await check_attempt_limits(ctx, session, "enrol", None, address)
        code = await session.scalar(
            select(m.EnrolmentCode).where(m.EnrolmentCode.code_digest == digest).with_for_update()
        )
        if code is None or code.used_at is not None or now >= code.expires_at:
            reason = "unknown" if code is None else "used" if code.used_at else "expired"
            failure = InvalidInput(
                f"this enrolment code is {reason}; ask an admin for a new one",
                field="code",
                reason=reason,
            )
            await record_attempt(ctx, session, "enrol", "", address, ok=False)
        else:
            await record_attempt(ctx, session, "enrol", "", address, ok=True)
            company_id = code.company_id
            await scope_to_company(session, company_id)
            result = await _enrol(ctx, session, code, body.name)
    if failure is not None:
        raise failure  # after the commit, so the failed attempt counts
    assert result is not None
    return result


async def _enrol(
    ctx: AppContext, session: AsyncSession, code: m.EnrolmentCode, name: str
) -> Enrolled:
    now = ctx.clock()
    company_id = code.company_id
    company = await session.get(m.Company, company_id)
    if company is None or company.status != "active":
        raise CompanySuspended("this company is suspended; contact the platform")
    await lock_company(session, company_id, "terminals")
    await _check_terminal_limit(session, company_id)
    codes = await session.scalars(
        select(m.Terminal.code).where(
            m.Terminal.company_id == company_id, m.Terminal.store_id == code.store_id
        )
    )
    number = 1 + max((int(c[1:]) for c in codes if c[1:].isdigit()), default=0)
    terminal_code = f"T{number:02d}"
    terminal_id = new_id()
    secret = Secrets.token("")
    credential = f"{CREDENTIAL_PREFIX}{company_id}.{terminal_id}.{secret}"
    session.add(
        m.Terminal(
            company_id=company_id,
            id=terminal_id,
            store_id=code.store_id,
            code=terminal_code,
            name=name or f"Till {terminal_code}",
            status="active",
            credential_digest=ctx.digest(credential),
            last_event_seq=0,
            enrolled_at=now,
        )
    )
    code.used_at = now
    code.terminal_id = terminal_id
    return Enrolled(
        terminal_id=terminal_id,
        company_id=company_id,
        store_id=code.store_id,
        terminal_code=terminal_code,
        credential=credential,
    )


def is_terminal_credential(token: str) -> bool:
    """Whether a bearer token is a terminal credential rather than a user's access token."""
    return token.startswith(CREDENTIAL_PREFIX)


LAST_SEEN_RESOLUTION = timedelta(minutes=1)
"""How stale ``terminals.last_seen_at`` may get before a request refreshes it."""


async def authenticate_terminal(ctx: AppContext, credential: str) -> TerminalPrincipal:
    """Check a terminal credential against the terminal's current row.

    Raises:
        NotAuthenticated: malformed, unknown, or revoked.
        CompanySuspended: the company is suspended.
    """
    try:
        _, company_text, terminal_text, _secret = credential.split(".", 3)
        company_id, terminal_id = uuid.UUID(company_text), uuid.UUID(terminal_text)
    except ValueError as exc:
        raise NotAuthenticated("the terminal credential is not valid") from exc
    async with ctx.db.tenant(company_id) as session:
        # one statement, no ORM objects: this runs before every push and pull page
        row = (
            await session.execute(
                select(
                    m.Terminal.credential_digest,
                    m.Terminal.status,
                    m.Terminal.store_id,
                    m.Terminal.code,
                    m.Terminal.last_seen_at,
                    m.Company.status.label("company_status"),
                )
                .join(m.Company, m.Company.id == m.Terminal.company_id)
                .where(m.Terminal.company_id == company_id, m.Terminal.id == terminal_id)
            )
        ).one_or_none()
        if row is None or not hmac.compare_digest(row.credential_digest, ctx.digest(credential)):
            raise NotAuthenticated("the terminal credential is not valid")
        if row.status != "active":
            raise NotAuthenticated("this terminal was revoked; enrol it again with a new code")
        if row.company_status != "active":
            raise CompanySuspended("this company is suspended; contact the platform")
        now = ctx.clock()
        # a write per request cost ~4.5 ms of every pull page; minute resolution is plenty
        # for "last seen" (a push records the exact moment itself)
        if row.last_seen_at is None or now - row.last_seen_at >= LAST_SEEN_RESOLUTION:
            await session.execute(
                update(m.Terminal)
                .where(m.Terminal.company_id == company_id, m.Terminal.id == terminal_id)
                .values(last_seen_at=now)
            )
        return TerminalPrincipal(
            company_id=company_id,
            terminal_id=terminal_id,
            store_id=row.store_id,
            code=row.code,
        )


def terminal_self(terminal: TerminalPrincipal) -> TerminalSelf:
    """What a terminal is told about itself."""
    return TerminalSelf(
        terminal_id=terminal.terminal_id,
        company_id=terminal.company_id,
        store_id=terminal.store_id,
        terminal_code=terminal.code,
    )


async def list_terminals(ctx: AppContext, actor: Principal) -> list[TerminalView]:
    """List terminals: all of the company's for admins, their stores' for managers."""
    company_id = actor.require_staff_reader()
    async with ctx.db.tenant(company_id) as session:
        query = select(m.Terminal).where(m.Terminal.company_id == company_id)
        if not actor.is_company_admin:
            query = query.where(m.Terminal.store_id.in_(actor.managed_stores()))
        rows = await session.scalars(query.order_by(m.Terminal.store_id, m.Terminal.code))
        return [_view(t) for t in rows]


async def _terminal(
    session: AsyncSession,
    actor: Principal,
    company_id: uuid.UUID,
    terminal_id: uuid.UUID,
    *,
    lock: bool = True,
) -> m.Terminal:
    terminal = await session.get(m.Terminal, (company_id, terminal_id), with_for_update=lock)
    if terminal is None or not (
        actor.is_company_admin or terminal.store_id in actor.managed_stores()
    ):
        raise NotFound(f"no terminal {terminal_id}")
    return terminal


async def get_terminal(ctx: AppContext, actor: Principal, terminal_id: uuid.UUID) -> TerminalView:
    """Return one terminal the actor may see."""
    company_id = actor.require_staff_reader()
    async with ctx.db.tenant(company_id) as session:
        return _view(await _terminal(session, actor, company_id, terminal_id, lock=False))


async def revoke_terminal(
    ctx: AppContext, actor: Principal, terminal_id: uuid.UUID
) -> TerminalView:
    """Revoke a terminal; its next request is refused. Revoking twice is harmless."""
    company_id = actor.require_staff_reader()
    async with ctx.db.tenant(company_id) as session:
        terminal = await _terminal(session, actor, company_id, terminal_id)
        if terminal.status != "revoked":
            terminal.status = "revoked"
            terminal.revoked_at = ctx.clock()
        return _view(terminal)
