"""Enrolment codes (one-time, expiring), terminal credentials, revocation, terminal limits."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import func, select

from sync_server.db import models as m
from sync_server.lib.clock import FakeClock
from sync_server.lib.security import ENROLMENT_ALPHABET
from tests.sync_server.conftest import Server, Tenant


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def enrol(server: Server, code: str, **extra: Any) -> Any:
    return await server.client.post("/api/v1/terminals/enrol", json={"code": code, **extra})


async def terminal_me(server: Server, credential: str) -> Any:
    return await server.client.get("/api/v1/terminal/me", headers=bearer(credential))


async def store_of(server: Server, slug: str = "alpha", **limits: int) -> tuple[Tenant, uuid.UUID]:
    tenant = await server.tenant(slug, **limits)
    return tenant, await server.store(tenant, "S1")


async def test_an_enrolment_code_is_8_unambiguous_characters_shown_as_two_groups(
    server: Server, clock: FakeClock
) -> None:
    a, store = await store_of(server)
    response = await server.client.post(f"/api/v1/stores/{store}/enrolment-codes", headers=a.auth)
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(rf"[{ENROLMENT_ALPHABET}]{{4}}-[{ENROLMENT_ALPHABET}]{{4}}", body["code"])
    assert not set("01ILO") & set(body["code"])
    assert body["expires_at"].startswith(
        (clock.now.replace(day=clock.now.day + 1)).date().isoformat()
    )


async def test_only_a_digest_of_the_code_is_stored(server: Server) -> None:
    a, store = await store_of(server)
    code = await server.enrolment_code(a, store)
    async with server.ctx.db.tenant(a.company_id) as session:
        digests = (await session.scalars(select(m.EnrolmentCode.code_digest))).all()
    assert len(digests) == 1
    assert code.replace("-", "") not in digests[0]
    assert len(digests[0]) == 64


async def test_a_till_enrols_with_a_code_and_its_credential_then_works(server: Server) -> None:
    a, store = await store_of(server)
    code = await server.enrolment_code(a, store)
    response = await enrol(server, code, name="Front counter")
    assert response.status_code == 201
    enrolled = response.json()
    assert enrolled["company_id"] == str(a.company_id)
    assert enrolled["store_id"] == str(store)
    assert enrolled["terminal_code"] == "T01"
    me = await terminal_me(server, enrolled["credential"])
    assert me.status_code == 200
    assert me.json()["terminal_id"] == enrolled["terminal_id"]
    listed = (await server.client.get("/api/v1/terminals", headers=a.auth)).json()
    assert [(t["name"], t["status"]) for t in listed] == [("Front counter", "active")]
    assert listed[0]["last_seen_at"] is not None


async def test_codes_are_accepted_in_lower_case_and_without_the_dash(server: Server) -> None:
    a, store = await store_of(server)
    code = await server.enrolment_code(a, store)
    response = await enrol(server, f" {code.replace('-', '').lower()} ")
    assert response.status_code == 201


async def test_a_second_till_in_the_store_gets_the_next_terminal_code(server: Server) -> None:
    a, store = await store_of(server)
    first = await server.enrol(await server.enrolment_code(a, store))
    second = await server.enrol(await server.enrolment_code(a, store))
    assert (first["terminal_code"], second["terminal_code"]) == ("T01", "T02")


async def test_a_code_works_only_once(server: Server) -> None:
    a, store = await store_of(server)
    code = await server.enrolment_code(a, store)
    assert (await enrol(server, code)).status_code == 201
    again = await enrol(server, code)
    assert again.status_code == 400
    assert again.json()["field"] == "code"
    assert again.json()["reason"] == "used"
    async with server.ctx.db.tenant(a.company_id) as session:
        assert await session.scalar(select(func.count()).select_from(m.Terminal)) == 1


async def test_a_code_expires_after_24_hours(server: Server, clock: FakeClock) -> None:
    a, store = await store_of(server)
    code = await server.enrolment_code(a, store)
    clock.advance(hours=24)
    response = await enrol(server, code)
    assert response.status_code == 400
    assert response.json()["reason"] == "expired"


async def test_a_code_still_works_just_before_it_expires(server: Server, clock: FakeClock) -> None:
    a, store = await store_of(server)
    code = await server.enrolment_code(a, store)
    clock.advance(hours=23, minutes=59)
    assert (await enrol(server, code)).status_code == 201


async def test_an_unknown_code_is_refused_and_repeated_guessing_is_blocked(server: Server) -> None:
    response = await enrol(server, "AAAA-AAAA")
    assert response.status_code == 400
    assert response.json()["reason"] == "unknown"
    for _ in range(19):
        await enrol(server, "AAAA-AAAA")
    assert (await enrol(server, "AAAA-AAAA")).status_code == 429


async def test_a_revoked_terminal_is_refused_on_its_next_request(server: Server) -> None:
    a, store = await store_of(server)
    enrolled = await server.enrol(await server.enrolment_code(a, store))
    assert (await terminal_me(server, enrolled["credential"])).status_code == 200
    revoked = await server.client.post(
        f"/api/v1/terminals/{enrolled['terminal_id']}/revoke", headers=a.auth
    )
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    refused = await terminal_me(server, enrolled["credential"])
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    twice = await server.client.post(
        f"/api/v1/terminals/{enrolled['terminal_id']}/revoke", headers=a.auth
    )
    assert twice.json()["revoked_at"] == revoked.json()["revoked_at"]


async def test_a_tampered_credential_is_refused(server: Server) -> None:
    a, store = await store_of(server)
    credential = (await server.enrol(await server.enrolment_code(a, store)))["credential"]
    for bad in (credential[:-2] + "xx", "gtc.not-a-uuid.x.y", "gtc.only", credential + "z"):
        assert (await terminal_me(server, bad)).status_code == 401, bad


async def test_people_and_terminals_each_use_only_their_own_endpoints(server: Server) -> None:
    a, store = await store_of(server)
    credential = (await server.enrol(await server.enrolment_code(a, store)))["credential"]
    assert (
        await server.client.get("/api/v1/stores", headers=bearer(credential))
    ).status_code == 403
    assert (await server.client.get("/api/v1/terminal/me", headers=a.auth)).status_code == 403


async def test_a_suspended_companys_terminals_are_refused(server: Server) -> None:
    a, store = await store_of(server)
    credential = (await server.enrol(await server.enrolment_code(a, store)))["credential"]
    code = await server.enrolment_code(a, store)
    root = await server.platform_admin()
    await server.client.post(f"/api/v1/companies/{a.company_id}/suspend", headers=root)
    assert (await terminal_me(server, credential)).status_code == 403
    assert (await enrol(server, code)).status_code == 403


async def test_the_terminal_limit_stops_new_codes_and_enrolments(server: Server) -> None:
    a, store = await store_of(server, max_terminals=1)
    pending = await server.enrolment_code(a, store)
    spare = await server.enrolment_code(a, store)
    first = await server.enrol(pending)
    refused = await enrol(server, spare)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/plan-limit-reached")
    assert refused.json()["limit"] == "max_terminals"
    no_code = await server.client.post(f"/api/v1/stores/{store}/enrolment-codes", headers=a.auth)
    assert no_code.status_code == 409
    # the refused enrolment left the code unused: after a revocation it still works
    await server.client.post(f"/api/v1/terminals/{first['terminal_id']}/revoke", headers=a.auth)
    assert (await enrol(server, spare)).status_code == 201


async def test_a_store_manager_makes_codes_and_revokes_only_in_their_store(
    server: Server, tenant_with_clerk: Any
) -> None:
    a, _clerk, clerk_email = tenant_with_clerk
    own = a.ids["store"]
    other = await server.store(a, "A2")
    manager = bearer((await server.login(clerk_email))["access_token"])
    ok = await server.client.post(f"/api/v1/stores/{own}/enrolment-codes", headers=manager)
    assert ok.status_code == 201
    refused = await server.client.post(f"/api/v1/stores/{other}/enrolment-codes", headers=manager)
    assert refused.status_code == 403
    theirs = await server.enrol(ok.json()["code"])
    elsewhere = await server.enrol(await server.enrolment_code(a, other))
    listed = (await server.client.get("/api/v1/terminals", headers=manager)).json()
    assert [t["id"] for t in listed] == [theirs["terminal_id"]]
    hidden = await server.client.post(
        f"/api/v1/terminals/{elsewhere['terminal_id']}/revoke", headers=manager
    )
    assert hidden.status_code == 404
    mine = await server.client.get(f"/api/v1/terminals/{theirs['terminal_id']}", headers=manager)
    assert mine.status_code == 200


async def test_codes_cannot_be_made_for_a_closed_store(server: Server) -> None:
    a, store = await store_of(server)
    await server.client.patch(f"/api/v1/stores/{store}", json={"active": False}, headers=a.auth)
    response = await server.client.post(f"/api/v1/stores/{store}/enrolment-codes", headers=a.auth)
    assert response.status_code == 404


async def test_last_seen_is_refreshed_at_most_once_a_minute(
    server: Server, clock: FakeClock
) -> None:
    a, store = await store_of(server)
    enrolled = (await enrol(server, await server.enrolment_code(a, store))).json()

    async def last_seen() -> str:
        listed = (await server.client.get("/api/v1/terminals", headers=a.auth)).json()
        return str(listed[0]["last_seen_at"])

    await terminal_me(server, enrolled["credential"])
    first = await last_seen()
    clock.advance(seconds=30)
    await terminal_me(server, enrolled["credential"])
    assert await last_seen() == first
    clock.advance(seconds=31)
    await terminal_me(server, enrolled["credential"])
    assert await last_seen() != first
