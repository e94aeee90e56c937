"""The admin API: companies (platform admin), stores, users and roles, plan limits, health."""

from __future__ import annotations

import uuid
from typing import Any

from tests.sync_server.conftest import PASSWORD, Server, Tenant

MUMBAI_GSTIN = "27AAPFU0939F1ZV"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_user(server: Server, tenant: Tenant, **body: Any) -> Any:
    return await server.client.post("/api/v1/users", json=body, headers=tenant.auth)


# ----------------------------------------------------------------------------- companies
async def test_a_platform_admin_creates_lists_and_suspends_companies(server: Server) -> None:
    root = await server.platform_admin()
    created = await server.client.post(
        "/api/v1/companies",
        json={
            "name": "Sharma Stores",
            "slug": "sharma-stores",
            "plan": "standard",
            "admin": {"full_name": "R Sharma", "email": "r@sharma.example", "password": PASSWORD},
        },
        headers=root,
    )
    assert created.status_code == 201, created.text
    company = created.json()
    assert (company["plan"], company["max_stores"], company["max_terminals"]) == (
        "standard",
        5,
        15,
    )
    listed = (await server.client.get("/api/v1/companies", headers=root)).json()
    assert [c["slug"] for c in listed] == ["sharma-stores"]
    suspended = await server.client.post(f"/api/v1/companies/{company['id']}/suspend", headers=root)
    assert suspended.json()["status"] == "suspended"
    got = await server.client.get(f"/api/v1/companies/{company['id']}", headers=root)
    assert got.json()["status"] == "suspended"
    # the new company's admin can sign in once it is active again
    await server.client.post(f"/api/v1/companies/{company['id']}/reactivate", headers=root)
    assert (await server.login("r@sharma.example"))["access_token"]


async def test_a_platform_admin_changes_a_companys_plan_limits(server: Server) -> None:
    root = await server.platform_admin()
    a = await server.tenant("alpha")
    response = await server.client.patch(
        f"/api/v1/companies/{a.company_id}",
        json={"plan": "growth", "max_stores": 40},
        headers=root,
    )
    assert response.status_code == 200
    assert (response.json()["plan"], response.json()["max_stores"]) == ("growth", 40)
    assert response.json()["max_users"] == 10  # untouched


async def test_duplicate_slug_or_admin_email_is_a_conflict_naming_the_field(
    server: Server,
) -> None:
    root = await server.platform_admin()
    await server.tenant("alpha")
    body = {
        "name": "Alpha",
        "slug": "alpha",
        "admin": {"full_name": "x", "email": "new@x.example", "password": PASSWORD},
    }
    clash = await server.client.post("/api/v1/companies", json=body, headers=root)
    assert (clash.status_code, clash.json()["field"]) == (409, "slug")
    body["slug"] = "other"
    body["admin"]["email"] = "admin@alpha.example"  # type: ignore[index]
    clash = await server.client.post("/api/v1/companies", json=body, headers=root)
    assert (clash.status_code, clash.json()["field"]) == (409, "admin.email")


async def test_company_admins_cannot_manage_companies(server: Server) -> None:
    a = await server.tenant("alpha")
    assert (await server.client.get("/api/v1/companies", headers=a.auth)).status_code == 403
    own = await server.client.get(f"/api/v1/companies/{a.company_id}", headers=a.auth)
    assert own.status_code == 200
    assert own.json()["slug"] == "alpha"
    suspend = await server.client.post(f"/api/v1/companies/{a.company_id}/suspend", headers=a.auth)
    assert suspend.status_code == 403


async def test_platform_admins_have_no_company_endpoints(server: Server) -> None:
    root = await server.platform_admin()
    response = await server.client.get("/api/v1/stores", headers=root)
    assert response.status_code == 403


# ----------------------------------------------------------------------------- stores
async def test_a_store_is_created_read_listed_and_updated(server: Server) -> None:
    a = await server.tenant("alpha")
    created = await server.client.post(
        "/api/v1/stores",
        json={"code": "MUM1", "name": "Andheri", "state_code": "27", "gstin": " 27aapfu0939f1zv "},
        headers=a.auth,
    )
    assert created.status_code == 201
    store = created.json()
    assert store["gstin"] == MUMBAI_GSTIN
    assert store["state_name"] == "Maharashtra"
    got = await server.client.get(f"/api/v1/stores/{store['id']}", headers=a.auth)
    assert got.json() == store
    updated = await server.client.patch(
        f"/api/v1/stores/{store['id']}",
        json={"name": "Andheri West", "address": "Link Road"},
        headers=a.auth,
    )
    assert (updated.json()["name"], updated.json()["address"]) == ("Andheri West", "Link Road")
    listed = (await server.client.get("/api/v1/stores", headers=a.auth)).json()
    assert [s["code"] for s in listed] == ["MUM1"]


async def test_a_gstin_from_another_state_is_refused_naming_gstin(server: Server) -> None:
    a = await server.tenant("alpha")
    response = await server.client.post(
        "/api/v1/stores",
        json={"code": "BLR1", "name": "x", "state_code": "29", "gstin": MUMBAI_GSTIN},
        headers=a.auth,
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["field"], body["reason"]) == ("gstin", "state_mismatch")
    assert "Maharashtra" in body["detail"]
    assert "Karnataka" in body["detail"]


async def test_moving_a_store_to_another_state_rechecks_its_gstin(server: Server) -> None:
    a = await server.tenant("alpha")
    store = await server.store(a, "MUM1", gstin=MUMBAI_GSTIN)
    moved = await server.client.patch(
        f"/api/v1/stores/{store}", json={"state_code": "29"}, headers=a.auth
    )
    assert moved.status_code == 400
    assert moved.json()["reason"] == "state_mismatch"
    cleared = await server.client.patch(
        f"/api/v1/stores/{store}", json={"state_code": "29", "gstin": None}, headers=a.auth
    )
    assert cleared.status_code == 200
    assert cleared.json()["gstin"] is None


async def test_an_unknown_state_code_is_refused_naming_state_code(server: Server) -> None:
    a = await server.tenant("alpha")
    for code in ("40", "99", "9", "ab"):
        response = await server.client.post(
            "/api/v1/stores", json={"code": "X1", "name": "x", "state_code": code}, headers=a.auth
        )
        assert (response.status_code, response.json()["field"]) == (400, "state_code"), code


async def test_a_duplicate_store_code_is_a_conflict(server: Server) -> None:
    a = await server.tenant("alpha")
    await server.store(a, "S1")
    response = await server.client.post(
        "/api/v1/stores", json={"code": "S1", "name": "x", "state_code": "27"}, headers=a.auth
    )
    assert (response.status_code, response.json()["field"]) == (409, "code")


async def test_the_store_limit_is_enforced_with_problem_details(server: Server) -> None:
    a = await server.tenant("alpha", max_stores=1)
    first = await server.store(a, "S1")
    response = await server.client.post(
        "/api/v1/stores", json={"code": "S2", "name": "x", "state_code": "27"}, headers=a.auth
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/plan-limit-reached")
    assert (body["limit"], body["max"]) == ("max_stores", 1)
    # closing a store frees its place; reopening needs a free place again
    await server.client.patch(f"/api/v1/stores/{first}", json={"active": False}, headers=a.auth)
    second = await server.store(a, "S2")
    reopen = await server.client.patch(
        f"/api/v1/stores/{first}", json={"active": True}, headers=a.auth
    )
    assert reopen.status_code == 409
    assert second


async def test_store_managers_read_stores_but_cannot_change_them(
    server: Server, tenant_with_clerk: Any
) -> None:
    a, _clerk, email = tenant_with_clerk
    manager = bearer((await server.login(email))["access_token"])
    assert (await server.client.get("/api/v1/stores", headers=manager)).status_code == 200
    patch = await server.client.patch(
        f"/api/v1/stores/{a.ids['store']}", json={"name": "x"}, headers=manager
    )
    assert patch.status_code == 403


# ----------------------------------------------------------------------------- users
async def test_an_admin_adds_a_cashier_with_a_pin_and_no_email(server: Server) -> None:
    a = await server.tenant("alpha")
    store = await server.store(a)
    response = await create_user(
        server,
        a,
        full_name="Asha",
        pin="1111",
        roles=[{"role": "cashier", "store_id": str(store)}],
    )
    assert response.status_code == 201
    user = response.json()
    assert (user["email"], user["has_pin"], user["active"]) == (None, True, True)
    assert user["roles"] == [{"role": "cashier", "store_id": str(store)}]
    listed = (await server.client.get("/api/v1/users", headers=a.auth)).json()
    assert sorted(u["full_name"] for u in listed) == ["Asha", "alpha admin"]
    got = await server.client.get(f"/api/v1/users/{user['id']}", headers=a.auth)
    assert got.json() == user


async def test_a_new_user_with_email_can_sign_in(server: Server) -> None:
    a = await server.tenant("alpha")
    response = await create_user(
        server,
        a,
        full_name="Second Admin",
        email="Second@Alpha.example",
        password=PASSWORD,
        roles=[{"role": "company_admin"}],
    )
    assert response.json()["email"] == "second@alpha.example"
    tokens = await server.login("second@alpha.example")
    me = await server.client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.json()["company_id"] == str(a.company_id)


async def test_an_email_already_in_use_is_a_conflict_and_nothing_is_written(
    server: Server,
) -> None:
    a = await server.tenant("alpha")
    await server.tenant("bravo")
    response = await create_user(
        server,
        a,
        full_name="Copycat",
        email="admin@bravo.example",
        password=PASSWORD,
        roles=[{"role": "company_admin"}],
    )
    assert (response.status_code, response.json()["field"]) == (409, "email")
    listed = (await server.client.get("/api/v1/users", headers=a.auth)).json()
    assert len(listed) == 1


async def test_roles_must_fit_their_scope(server: Server) -> None:
    a = await server.tenant("alpha")
    store = await server.store(a)
    cases = [
        ([{"role": "company_admin", "store_id": str(store)}], "roles[0].store_id"),
        ([{"role": "cashier"}], "roles[0].store_id"),
        ([{"role": "cashier", "store_id": str(uuid.uuid4())}], "roles[0].store_id"),
        (
            [{"role": "cashier", "store_id": str(store)}] * 2,
            "roles[1]",
        ),
    ]
    for roles, field in cases:
        response = await create_user(server, a, full_name="x", roles=roles)
        assert response.status_code in {400, 404}, roles
        assert response.json()["field"] == field


async def test_email_and_password_go_together(server: Server) -> None:
    a = await server.tenant("alpha")
    response = await create_user(
        server, a, full_name="x", email="x@alpha.example", roles=[{"role": "company_admin"}]
    )
    assert (response.status_code, response.json()["field"]) == (400, "password")


async def test_an_admin_changes_roles_and_deactivates_a_user(
    server: Server, tenant_with_clerk: Any
) -> None:
    a, clerk, _ = tenant_with_clerk
    response = await server.client.patch(
        f"/api/v1/users/{clerk}",
        json={"full_name": "Clerk Two", "roles": [{"role": "company_admin"}]},
        headers=a.auth,
    )
    assert response.status_code == 200
    assert response.json()["roles"] == [{"role": "company_admin", "store_id": None}]
    assert response.json()["full_name"] == "Clerk Two"
    off = await server.client.patch(
        f"/api/v1/users/{clerk}", json={"active": False}, headers=a.auth
    )
    assert off.json()["active"] is False


async def test_an_admin_cannot_lock_themselves_out(server: Server) -> None:
    a = await server.tenant("alpha")
    me = (await server.client.get("/api/v1/auth/me", headers=a.auth)).json()
    own = f"/api/v1/users/{me['user_id']}"
    off = await server.client.patch(own, json={"active": False}, headers=a.auth)
    assert (off.status_code, off.json()["field"]) == (400, "active")
    demote = await server.client.patch(
        own,
        json={"roles": [{"role": "cashier", "store_id": str(await server.store(a))}]},
        headers=a.auth,
    )
    assert (demote.status_code, demote.json()["field"]) == (400, "roles")


async def test_the_user_limit_counts_active_users(server: Server) -> None:
    a = await server.tenant("alpha", max_users=2)
    store = await server.store(a)
    cashier = {"roles": [{"role": "cashier", "store_id": str(store)}]}
    first = await create_user(server, a, full_name="One", **cashier)
    assert first.status_code == 201
    refused = await create_user(server, a, full_name="Two", **cashier)
    assert refused.status_code == 409
    assert refused.json()["limit"] == "max_users"
    user = first.json()["id"]
    await server.client.patch(f"/api/v1/users/{user}", json={"active": False}, headers=a.auth)
    assert (await create_user(server, a, full_name="Two", **cashier)).status_code == 201
    back = await server.client.patch(f"/api/v1/users/{user}", json={"active": True}, headers=a.auth)
    assert back.status_code == 409


async def test_store_managers_and_cashiers_cannot_manage_users(
    server: Server, tenant_with_clerk: Any
) -> None:
    _a, _clerk, email = tenant_with_clerk
    manager = bearer((await server.login(email))["access_token"])
    assert (await server.client.get("/api/v1/users", headers=manager)).status_code == 200
    created = await server.client.post(
        "/api/v1/users",
        json={"full_name": "x", "roles": [{"role": "company_admin"}]},
        headers=manager,
    )
    assert created.status_code == 403


async def test_a_pin_is_4_to_8_digits(server: Server, tenant_with_clerk: Any) -> None:
    a, clerk, _ = tenant_with_clerk
    for pin in ("123", "123456789", "12a4", 1234):
        response = await server.client.put(
            f"/api/v1/users/{clerk}/pin", json={"pin": pin}, headers=a.auth
        )
        assert (response.status_code, response.json()["field"]) == (400, "pin"), pin


# ----------------------------------------------------------------------------- health
async def test_detailed_health_is_for_platform_admins_and_reports_the_schema(
    server: Server,
) -> None:
    a = await server.tenant("alpha")
    await server.store(a)
    refused = await server.client.get("/health/detailed", headers=a.auth)
    assert refused.status_code == 403
    assert (await server.client.get("/health/detailed")).status_code == 401
    root = await server.platform_admin()
    body = (await server.client.get("/health/detailed", headers=root)).json()
    assert body["status"] == "ok"
    assert body["migrations"]["up_to_date"] is True
    assert body["migrations"]["current"] == body["migrations"]["head"]
    assert body["jobs"]["status"] == "never run"  # the scheduler is off in tests
    assert body["counts"]["companies"] == 1
    assert body["counts"]["stores"] == 1
    assert body["counts"]["users"] == 1


async def test_the_openapi_schema_is_served(server: Server) -> None:
    response = await server.client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/stores" in response.json()["paths"]
