"""Bad input gets a 4xx problem-details answer naming the field, and nothing is written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from sync_server.db import models as m
from tests.sync_server.conftest import PASSWORD, Server, Tenant

PROBLEM = "application/problem+json"
VALID_GSTIN = "27AAPFU0939F1ZV"


async def row_counts(server: Server) -> dict[str, int]:
    counts = {}
    async with server.ctx.db.platform() as session:
        for model in (m.Company, m.Account, m.User, m.Membership, m.Store, m.EnrolmentCode):
            counts[model.__tablename__] = int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
    return counts


@pytest.fixture
async def admin(server: Server) -> Tenant:
    return await server.tenant("alpha")


def assert_problem(response: Any, status: int, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://galla.dev/problems/")
    assert body["title"]
    assert body["detail"]
    assert body.get("field") == field
    return body


STORE = {"code": "S1", "name": "Store", "state_code": "27"}
USER = {"full_name": "Asha", "roles": [{"role": "company_admin"}]}

BAD_BODIES = [
    # (path, body, field)
    ("/api/v1/stores", {**STORE, "code": 12}, "code"),
    ("/api/v1/stores", {**STORE, "name": None}, "name"),
    ("/api/v1/stores", {**STORE, "state_code": 27}, "state_code"),
    (
        "/api/v1/stores",
        {**STORE, "company_id": "00000000-0000-0000-0000-000000000000"},
        "company_id",
    ),
    ("/api/v1/stores", {**STORE, "code": "lower"}, "code"),
    ("/api/v1/stores", {"name": "Store", "state_code": "27"}, "code"),
    ("/api/v1/users", {**USER, "roles": "company_admin"}, "roles"),
    ("/api/v1/users", {**USER, "roles": [{"role": "owner"}]}, "roles[0].role"),
    ("/api/v1/users", {**USER, "roles": [{"role": "cashier", "store": "x"}]}, "roles[0].store"),
    (
        "/api/v1/users",
        {**USER, "roles": [{"role": "cashier", "store_id": "not-a-uuid"}]},
        "roles[0].store_id",
    ),
    ("/api/v1/users", {**USER, "email": "not-an-email", "password": PASSWORD}, "email"),
    ("/api/v1/users", {**USER, "email": "a@b.example", "password": "short"}, "password"),
    ("/api/v1/users", {**USER, "is_platform_admin": True}, "is_platform_admin"),
    ("/api/v1/users", {**USER, "full_name": ""}, "full_name"),
]


@pytest.mark.parametrize(("path", "body", "field"), BAD_BODIES)
async def test_wrong_types_and_unknown_fields_are_400_naming_the_field(
    server: Server, admin: Tenant, path: str, body: dict[str, Any], field: str
) -> None:
    before = await row_counts(server)
    response = await server.client.post(path, json=body, headers=admin.auth)
    problem = assert_problem(response, 400, field)
    assert field.rsplit(".", maxsplit=1)[-1].split("[", maxsplit=1)[0] in problem["detail"]
    assert await row_counts(server) == before


@pytest.mark.parametrize(
    ("gstin", "reason"),
    [
        ("27AAPFU0939F1Z", "format"),
        ("27AAPFU0939F1ZV9", "format"),
        ("27AAPFU0939F1Z!", "format"),
        ("ABAAPFU0939F1ZV", "format"),
        ("00AAPFU0939F1ZV", "state_code"),
        ("27AAPFU0939F1ZW", "checksum"),
    ],
)
async def test_an_invalid_gstin_is_400_naming_gstin_and_the_rule(
    server: Server, admin: Tenant, gstin: str, reason: str
) -> None:
    before = await row_counts(server)
    response = await server.client.post(
        "/api/v1/stores", json={**STORE, "gstin": gstin}, headers=admin.auth
    )
    problem = assert_problem(response, 400, "gstin")
    assert problem["reason"] == reason
    assert problem["type"].endswith("/invalid-gstin")
    assert await row_counts(server) == before


async def test_an_invalid_gstin_in_an_update_changes_nothing(server: Server, admin: Tenant) -> None:
    store = await server.store(admin, gstin=VALID_GSTIN)
    response = await server.client.patch(
        f"/api/v1/stores/{store}",
        json={"gstin": "27AAPFU0939F1ZW", "name": "New"},
        headers=admin.auth,
    )
    assert_problem(response, 400, "gstin")
    got = (await server.client.get(f"/api/v1/stores/{store}", headers=admin.auth)).json()
    assert (got["gstin"], got["name"]) == (VALID_GSTIN, "Store S1")


@pytest.mark.parametrize(
    "raw",
    [b'{"code": "S1", "name": ', b"{not json}", b"\xff\xfe", b'"just a string"', b"[]", b"null"],
)
async def test_malformed_json_is_400_problem_details(
    server: Server, admin: Tenant, raw: bytes
) -> None:
    before = await row_counts(server)
    response = await server.client.post(
        "/api/v1/stores",
        content=raw,
        headers={**admin.auth, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert await row_counts(server) == before


async def test_an_empty_body_is_400_saying_a_body_is_needed(server: Server, admin: Tenant) -> None:
    response = await server.client.post(
        "/api/v1/stores", content=b"", headers={**admin.auth, "content-type": "application/json"}
    )
    problem = assert_problem(response, 400, None)
    assert "body" in problem["detail"]


async def test_a_body_over_1_mib_is_413_and_nothing_is_written(
    server: Server, admin: Tenant
) -> None:
    before = await row_counts(server)
    huge = json.dumps({**STORE, "address": "x" * (1024 * 1024)}).encode()
    response = await server.client.post(
        "/api/v1/stores", content=huge, headers={**admin.auth, "content-type": "application/json"}
    )
    problem = assert_problem(response, 413, None)
    assert problem["type"].endswith("/payload-too-large")
    assert await row_counts(server) == before


async def test_a_long_but_allowed_body_still_hits_field_limits(
    server: Server, admin: Tenant
) -> None:
    response = await server.client.post(
        "/api/v1/stores", json={**STORE, "address": "x" * 501}, headers=admin.auth
    )
    assert_problem(response, 400, "address")


async def test_login_with_wrong_types_is_400_not_401(server: Server) -> None:
    response = await server.client.post(
        "/api/v1/auth/login", json={"email": "a@b.example", "password": 12345}
    )
    assert_problem(response, 400, "password")
    response = await server.client.post("/api/v1/auth/login", json={"email": "a@b.example"})
    assert_problem(response, 400, "password")


async def test_a_malformed_id_in_the_path_is_a_4xx_problem(server: Server, admin: Tenant) -> None:
    response = await server.client.get("/api/v1/stores/not-a-uuid", headers=admin.auth)
    assert response.status_code in {400, 404}
    assert response.headers["content-type"] == PROBLEM


async def test_unknown_routes_and_methods_answer_problem_details(server: Server) -> None:
    missing = await server.client.get("/api/v1/nothing-here")
    assert_problem(missing, 404, None)
    wrong_method = await server.client.delete("/api/v1/stores")
    assert_problem(wrong_method, 405, None)


async def test_an_unexpected_server_error_is_a_500_problem_that_leaks_nothing(
    server: Server, admin: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync_server.domain.companies import services

    async def explode(*_: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "list_stores", explode)
    response = await server.client.get("/api/v1/stores", headers=admin.auth)
    problem = assert_problem(response, 500, None)
    assert "secret" not in problem["detail"]


async def test_a_nul_character_in_text_is_400_and_nothing_is_written(
    server: Server, admin: Tenant
) -> None:
    before = await row_counts(server)
    response = await server.client.post(
        "/api/v1/stores", json={**STORE, "name": "Main\u0000Store"}, headers=admin.auth
    )
    body = assert_problem(response, 400, None)
    assert "NUL" in body["detail"]
    assert await row_counts(server) == before
