"""Sign-in, token expiry, refresh rotation and reuse detection, logout, lockout."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from sync_server.db import models as m
from sync_server.lib.clock import FakeClock
from sync_server.lib.security import Argon2Parameters
from tests.sync_server.conftest import PASSWORD, Server


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(server: Server, email: str, password: str, address: str = "10.0.0.1") -> Any:
    return await server.client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": password},
        headers={"X-Test": address},
    )


async def refresh(server: Server, token: str) -> Any:
    return await server.client.post("/api/v1/auth/refresh", json={"refresh_token": token})


async def me(server: Server, token: str) -> Any:
    return await server.client.get("/api/v1/auth/me", headers=bearer(token))


async def test_a_company_admin_signs_in_and_is_told_who_they_are(server: Server) -> None:
    a = await server.tenant("alpha")
    response = await me(server, a.token)
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "admin@alpha.example"
    assert body["company_id"] == str(a.company_id)
    assert body["roles"] == [{"role": "company_admin", "store_id": None}]
    assert body["platform_admin"] is False


async def test_login_answers_token_lifetimes_of_15_minutes_and_7_days(server: Server) -> None:
    await server.tenant("alpha")
    tokens = await server.login("admin@alpha.example")
    assert tokens["expires_in"] == 15 * 60
    assert tokens["refresh_expires_in"] == 7 * 24 * 3600
    assert tokens["token_type"] == "Bearer"
    assert tokens["refresh_token"].startswith("grt_")


async def test_email_is_matched_without_regard_to_case_or_spaces(server: Server) -> None:
    await server.tenant("alpha")
    response = await login(server, "  ADMIN@Alpha.Example ", PASSWORD)
    assert response.status_code == 200


async def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(server: Server) -> None:
    await server.tenant("alpha")
    wrong = await login(server, "admin@alpha.example", "not the password")
    unknown = await login(server, "nobody@alpha.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    strip = lambda r: {k: v for k, v in r.json().items() if k != "instance"}  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert wrong.json()["detail"] == "the email or password is wrong"


async def test_an_access_token_expires_after_15_minutes(server: Server, clock: FakeClock) -> None:
    a = await server.tenant("alpha")
    clock.advance(minutes=14, seconds=59)
    assert (await me(server, a.token)).status_code == 200
    clock.advance(seconds=1)
    response = await me(server, a.token)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_refresh_rotates_both_tokens_and_the_new_access_token_works(
    server: Server, clock: FakeClock
) -> None:
    a = await server.tenant("alpha")
    clock.advance(minutes=20)
    response = await refresh(server, a.refresh_token)
    assert response.status_code == 200
    pair = response.json()
    assert pair["refresh_token"] != a.refresh_token
    assert pair["access_token"] != a.token
    assert (await me(server, pair["access_token"])).status_code == 200
    assert (await refresh(server, pair["refresh_token"])).status_code == 200


async def test_reusing_a_refresh_token_revokes_the_whole_family(server: Server) -> None:
    a = await server.tenant("alpha")
    first = (await refresh(server, a.refresh_token)).json()
    reused = await refresh(server, a.refresh_token)
    assert reused.status_code == 401
    assert "already used" in reused.json()["detail"]
    # the thief's or the owner's next refresh, and every access token of the family, now fail
    assert (await refresh(server, first["refresh_token"])).status_code == 401
    assert (await me(server, first["access_token"])).status_code == 401
    assert (await me(server, a.token)).status_code == 401


async def test_reuse_revokes_only_its_own_family(server: Server) -> None:
    a = await server.tenant("alpha")
    other = await server.login(a.email)
    await refresh(server, a.refresh_token)
    await refresh(server, a.refresh_token)
    assert (await me(server, other["access_token"])).status_code == 200
    assert (await refresh(server, other["refresh_token"])).status_code == 200


async def test_a_refresh_token_expires_after_7_days(server: Server, clock: FakeClock) -> None:
    a = await server.tenant("alpha")
    clock.advance(days=7)
    response = await refresh(server, a.refresh_token)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_an_unknown_refresh_token_is_refused(server: Server) -> None:
    response = await refresh(server, "grt_made-up")
    assert response.status_code == 401


async def test_logout_revokes_the_refresh_token_and_its_access_tokens(server: Server) -> None:
    a = await server.tenant("alpha")
    response = await server.client.post(
        "/api/v1/auth/logout", json={"refresh_token": a.refresh_token}
    )
    assert response.status_code == 204
    assert (await refresh(server, a.refresh_token)).status_code == 401
    assert (await me(server, a.token)).status_code == 401
    again = await server.client.post("/api/v1/auth/logout", json={"refresh_token": "grt_x"})
    assert again.status_code == 204


async def test_five_failures_lock_the_account_even_against_the_right_password(
    server: Server, clock: FakeClock
) -> None:
    await server.tenant("alpha")
    for _ in range(5):
        assert (await login(server, "admin@alpha.example", "wrong guess")).status_code == 401
    locked = await login(server, "admin@alpha.example", PASSWORD)
    assert locked.status_code == 429
    assert locked.headers["content-type"] == "application/problem+json"
    assert int(locked.headers["retry-after"]) == 15 * 60 + 1
    clock.advance(minutes=15)
    assert (await login(server, "admin@alpha.example", PASSWORD)).status_code == 200


async def test_an_unknown_email_locks_the_same_way_so_lockout_reveals_nothing(
    server: Server,
) -> None:
    await server.tenant("alpha")
    for email in ("admin@alpha.example", "ghost@alpha.example"):
        for _ in range(5):
            await login(server, email, "wrong guess")
    known = await login(server, "admin@alpha.example", "wrong guess")
    ghost = await login(server, "ghost@alpha.example", "wrong guess")
    assert known.status_code == ghost.status_code == 429


async def test_a_success_resets_the_failure_count(server: Server, clock: FakeClock) -> None:
    await server.tenant("alpha")
    for _ in range(4):
        await login(server, "admin@alpha.example", "wrong guess")
    clock.advance(seconds=1)
    assert (await login(server, "admin@alpha.example", PASSWORD)).status_code == 200
    clock.advance(seconds=1)
    for _ in range(4):
        await login(server, "admin@alpha.example", "wrong guess")
    assert (await login(server, "admin@alpha.example", PASSWORD)).status_code == 200


async def test_one_address_failing_across_many_emails_is_refused(server: Server) -> None:
    await server.tenant("alpha")
    for i in range(20):
        assert (await login(server, f"user{i}@alpha.example", "guess")).status_code == 401
    response = await login(server, "admin@alpha.example", PASSWORD)
    assert response.status_code == 429
    assert "address" in response.json()["detail"]


async def test_refused_attempts_are_not_counted_so_a_lockout_ends(
    server: Server, clock: FakeClock
) -> None:
    await server.tenant("alpha")
    for _ in range(5):
        await login(server, "admin@alpha.example", "wrong guess")
    for _ in range(10):
        clock.advance(minutes=1)
        assert (await login(server, "admin@alpha.example", "wrong guess")).status_code == 429
    clock.advance(minutes=5)
    assert (await login(server, "admin@alpha.example", PASSWORD)).status_code == 200
    async with server.ctx.db.platform() as session:
        failures = await session.scalar(
            select(func.count()).select_from(m.AuthAttempt).where(~m.AuthAttempt.succeeded)
        )
    assert failures == 5


async def test_a_suspended_company_cannot_sign_in_or_use_its_tokens(server: Server) -> None:
    a = await server.tenant("alpha")
    root = await server.platform_admin()
    suspend = await server.client.post(f"/api/v1/companies/{a.company_id}/suspend", headers=root)
    assert suspend.status_code == 200
    assert (await me(server, a.token)).status_code == 403
    refused = await login(server, a.email, PASSWORD)
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/company-suspended")
    assert (await refresh(server, a.refresh_token)).status_code == 403
    await server.client.post(f"/api/v1/companies/{a.company_id}/reactivate", headers=root)
    assert (await me(server, a.token)).status_code == 200


async def test_a_deactivated_user_is_signed_out_at_once(
    server: Server, tenant_with_clerk: Any
) -> None:
    a, clerk_id, clerk_email = tenant_with_clerk
    clerk = await server.login(clerk_email)
    assert (await me(server, clerk["access_token"])).status_code == 200
    response = await server.client.patch(
        f"/api/v1/users/{clerk_id}", json={"active": False}, headers=a.auth
    )
    assert response.status_code == 200
    assert (await me(server, clerk["access_token"])).status_code == 401
    assert (await login(server, clerk_email, PASSWORD)).status_code == 403


async def test_a_platform_admin_has_no_company_and_sees_detailed_health(server: Server) -> None:
    root = await server.platform_admin()
    body = (await server.client.get("/api/v1/auth/me", headers=root)).json()
    assert body["platform_admin"] is True
    assert body["company_id"] is None
    assert body["roles"] == []


async def test_missing_or_malformed_authorization_is_401_problem_details(server: Server) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer nonsense"}):
        response = await server.client.get("/api/v1/auth/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


async def test_production_argon2_parameters_are_rfc_9106_low_memory() -> None:
    params = Argon2Parameters()
    hasher = params.hasher()
    encoded = hasher.hash("1234")
    assert encoded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert hasher.verify(encoded, "1234")
    assert not hasher.verify(encoded, "4321")
    assert not hasher.verify(None, "1234")
    assert not hasher.verify("not-a-hash", "1234")


async def test_a_cashier_pin_is_stored_as_an_argon2id_hash(
    server: Server, tenant_with_clerk: Any
) -> None:
    a, clerk_id, _ = tenant_with_clerk
    response = await server.client.put(
        f"/api/v1/users/{clerk_id}/pin", json={"pin": "4821"}, headers=a.auth
    )
    assert response.status_code == 204
    async with server.ctx.db.tenant(a.company_id) as session:
        user = await session.get(m.User, (a.company_id, clerk_id))
    assert user is not None
    assert user.pin_hash is not None
    assert user.pin_hash.startswith("$argon2id$")
    assert server.ctx.hasher.verify(user.pin_hash, "4821")


async def test_an_account_in_two_companies_must_say_which_it_signs_in_to(server: Server) -> None:
    a = await server.tenant("alpha")
    b = await server.tenant("bravo")
    # not possible through the API yet (emails are unique per account); made by hand
    async with server.ctx.db.platform() as session:
        account = await session.scalar(select(m.Account).where(m.Account.email == a.email))
        assert account is not None
        session.add(
            m.User(
                company_id=b.company_id,
                id=uuid.uuid4(),
                account_id=account.id,
                full_name="A in B",
                active=True,
                created_at=server.ctx.clock(),
                updated_at=server.ctx.clock(),
            )
        )
    ambiguous = await login(server, a.email, PASSWORD)
    assert ambiguous.status_code == 400
    assert ambiguous.json()["field"] == "company_id"
    assert sorted(ambiguous.json()["companies"]) == sorted([str(a.company_id), str(b.company_id)])
    chosen = await server.login(a.email, company_id=str(b.company_id))
    body = (await me(server, chosen["access_token"])).json()
    assert (body["company_id"], body["roles"]) == (str(b.company_id), [])
    elsewhere = await login_to(server, a.email, uuid.uuid4())
    assert elsewhere.status_code == 403


async def login_to(server: Server, email: str, company: uuid.UUID) -> Any:
    return await server.client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": PASSWORD, "company_id": str(company)},
    )


async def test_a_disabled_account_can_neither_refresh_nor_use_its_tokens(server: Server) -> None:
    a = await server.tenant("alpha")
    async with server.ctx.db.platform() as session:
        account = await session.scalar(select(m.Account).where(m.Account.email == a.email))
        assert account is not None
        account.active = False
    assert (await me(server, a.token)).status_code == 401
    response = await refresh(server, a.refresh_token)
    assert response.status_code == 401
    assert "disabled" in response.json()["detail"]
    assert (await login(server, a.email, PASSWORD)).status_code == 401


async def test_a_platform_admin_refreshes_without_a_company(server: Server) -> None:
    await server.platform_admin("root@galla.example")
    tokens = await server.login("root@galla.example")
    pair = (await refresh(server, tokens["refresh_token"])).json()
    assert (await me(server, pair["access_token"])).json()["platform_admin"] is True


async def test_a_revoked_refresh_token_says_so(server: Server) -> None:
    a = await server.tenant("alpha")
    await server.client.post("/api/v1/auth/logout", json={"refresh_token": a.refresh_token})
    response = await refresh(server, a.refresh_token)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


async def test_unknown_ids_are_404_for_a_platform_admin(server: Server) -> None:
    root = await server.platform_admin()
    missing = uuid.uuid4()
    for method, path in (
        ("GET", f"/api/v1/companies/{missing}"),
        ("POST", f"/api/v1/companies/{missing}/suspend"),
    ):
        response = await server.client.request(method, path, headers=root)
        assert response.status_code == 404, path


async def test_a_platform_admin_password_needs_10_characters(server: Server) -> None:
    from sync_server.domain.accounts.services import create_platform_admin
    from sync_server.lib.errors import InvalidInput

    with pytest.raises(InvalidInput, match="10 characters"):
        await create_platform_admin(server.ctx, "root@galla.example", "short")
