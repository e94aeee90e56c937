"""Races that a busy shop or an attacker could start: the database settles each one."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select

from sync_server.db import models as m
from sync_server.domain.accounts.services import authenticate, refresh
from sync_server.domain.companies.schemas import StoreCreate
from sync_server.domain.companies.services import create_store
from sync_server.domain.terminals.schemas import EnrolRequest
from sync_server.domain.terminals.services import redeem_enrolment_code
from sync_server.lib.errors import NotAuthenticated, PlanLimitReached, ServerError
from tests.sync_server.conftest import Server


async def outcomes(*calls: object) -> list[object]:
    return list(await asyncio.gather(*calls, return_exceptions=True))  # type: ignore[arg-type]


async def test_two_stores_racing_for_the_last_place_leave_exactly_one(server: Server) -> None:
    a = await server.tenant("alpha", max_stores=1)
    admin = await authenticate(server.ctx, a.token)
    results = await outcomes(
        *(
            create_store(
                server.ctx, admin, StoreCreate(code=f"S{i}", name=f"Store {i}", state_code="27")
            )
            for i in range(4)
        )
    )
    refused = [r for r in results if isinstance(r, PlanLimitReached)]
    assert len(refused) == 3
    async with server.ctx.db.tenant(a.company_id) as session:
        assert await session.scalar(select(func.count()).select_from(m.Store)) == 1


async def test_two_tills_racing_with_one_code_enrol_once(server: Server) -> None:
    a = await server.tenant("alpha")
    store = await server.store(a)
    code = await server.enrolment_code(a, store)
    results = await outcomes(
        *(redeem_enrolment_code(server.ctx, EnrolRequest(code=code), "10.0.0.9") for _ in range(3))
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(
        isinstance(r, ServerError) and r.extra.get("reason") == "used"
        for r in results
        if isinstance(r, BaseException)
    )
    async with server.ctx.db.tenant(a.company_id) as session:
        assert await session.scalar(select(func.count()).select_from(m.Terminal)) == 1


async def test_racing_tills_for_the_last_terminal_place_leave_one(server: Server) -> None:
    a = await server.tenant("alpha", max_terminals=1)
    store = await server.store(a)
    codes = [await server.enrolment_code(a, store) for _ in range(3)]
    results = await outcomes(
        *(redeem_enrolment_code(server.ctx, EnrolRequest(code=c), "10.0.0.9") for c in codes)
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert sum(isinstance(r, PlanLimitReached) for r in results) == 2


async def test_a_refresh_token_used_twice_at_once_ends_the_family(server: Server) -> None:
    a = await server.tenant("alpha")
    results = await outcomes(
        refresh(server.ctx, a.refresh_token), refresh(server.ctx, a.refresh_token)
    )
    pairs = [r for r in results if not isinstance(r, BaseException)]
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(pairs) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], NotAuthenticated)
    # whoever won holds a pair that no longer works: the family is revoked
    winner = pairs[0]
    assert not isinstance(winner, BaseException)
    try:
        await authenticate(server.ctx, winner.access_token)  # type: ignore[attr-defined]
    except NotAuthenticated:
        pass
    else:
        raise AssertionError("the winning access token should be revoked with its family")


async def test_ids_of_other_companies_look_exactly_like_missing_ones(server: Server) -> None:
    a = await server.tenant("alpha")
    b = await server.tenant("bravo")
    b_store = await server.store(b)
    theirs = await server.client.get(f"/api/v1/stores/{b_store}", headers=a.auth)
    nobodys = await server.client.get(f"/api/v1/stores/{uuid.uuid4()}", headers=a.auth)
    assert theirs.status_code == nobodys.status_code == 404
    assert theirs.json()["title"] == nobodys.json()["title"]
    assert theirs.json()["type"] == nobodys.json()["type"]
