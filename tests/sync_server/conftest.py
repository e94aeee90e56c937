"""Fixtures for the sync server: a migrated database per test, an app, signed-in callers.

The schema is migrated once per run into a template database; each test gets its own copy
(``CREATE DATABASE ... TEMPLATE``), which is much faster than migrating every time.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from sync_server.app import create_app
from sync_server.db.session import Database
from sync_server.domain.accounts.services import create_platform_admin
from sync_server.domain.companies.schemas import AdminCreate, CompanyCreate
from sync_server.domain.companies.services import create_company
from sync_server.lib.clock import FakeClock
from sync_server.lib.context import AppContext
from sync_server.settings import ServerSettings

PASSWORD = "correct horse battery"
CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 8, "argon2_parallelism": 1}


@pytest.fixture
def clock() -> FakeClock:
    """A clock the test moves by hand."""
    return FakeClock()


@pytest.fixture
def settings(db_url: str) -> ServerSettings:
    """Settings for a test server: fresh database, fixed key, cheap argon2."""
    return ServerSettings(
        database_url=db_url,
        secret_key="test-secret-key-0123456789abcdef",
        **CHEAP_ARGON2,  # type: ignore[arg-type]
    )


@dataclass
class Tenant:
    """A company made for a test, with its admin signed in."""

    company_id: uuid.UUID
    email: str
    token: str
    refresh_token: str
    ids: dict[str, uuid.UUID] = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Server:
    """A running test app with helpers to make tenants and sign in."""

    def __init__(self, client: AsyncTestClient[Any], ctx: AppContext) -> None:
        self.client = client
        self.ctx = ctx

    async def login(self, email: str, password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password, **extra}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def tenant(self, slug: str, **limits: int) -> Tenant:
        email = f"admin@{slug}.example"
        company = await create_company(
            self.ctx,
            None,
            CompanyCreate(
                name=slug.title(),
                slug=slug,
                admin=AdminCreate(full_name=f"{slug} admin", email=email, password=PASSWORD),
                **limits,  # type: ignore[arg-type]
            ),
        )
        tokens = await self.login(email)
        return Tenant(company.id, email, tokens["access_token"], tokens["refresh_token"])

    async def platform_admin(self, email: str = "root@galla.example") -> dict[str, str]:
        await create_platform_admin(self.ctx, email, PASSWORD)
        tokens = await self.login(email)
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    async def store(
        self, tenant: Tenant, code: str = "S1", state: str = "27", **extra: Any
    ) -> uuid.UUID:
        response = await self.client.post(
            "/api/v1/stores",
            json={"code": code, "name": f"Store {code}", "state_code": state, **extra},
            headers=tenant.auth,
        )
        assert response.status_code == 201, response.text
        return uuid.UUID(response.json()["id"])

    async def enrolment_code(self, tenant: Tenant, store_id: uuid.UUID) -> str:
        response = await self.client.post(
            f"/api/v1/stores/{store_id}/enrolment-codes", headers=tenant.auth
        )
        assert response.status_code == 201, response.text
        return str(response.json()["code"])

    async def enrol(self, code: str) -> dict[str, Any]:
        response = await self.client.post("/api/v1/terminals/enrol", json={"code": code})
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture
async def server(settings: ServerSettings, clock: FakeClock) -> AsyncIterator[Server]:
    """A test client on a fresh app and database."""
    app = create_app(settings, clock=clock)
    # The test client runs the app on its own event loop; direct service calls from the
    # test need their own connection pool on the test's loop, with the same key and clock.
    assert settings.database_url
    direct = AppContext(settings=settings, db=Database(settings.database_url), clock=clock)
    try:
        async with AsyncTestClient(app=app) as client:
            yield Server(client, direct)
    finally:
        await direct.db.dispose()


@pytest.fixture
async def tenant_with_clerk(server: Server) -> tuple[Tenant, uuid.UUID, str]:
    """Company "alpha" with a store and a second user who signs in (a store manager)."""
    a = await server.tenant("alpha")
    store = await server.store(a, "A1")
    a.ids["store"] = store
    email = "clerk@alpha.example"
    response = await server.client.post(
        "/api/v1/users",
        json={
            "full_name": "Clerk",
            "email": email,
            "password": PASSWORD,
            "roles": [{"role": "store_manager", "store_id": str(store)}],
        },
        headers=a.auth,
    )
    assert response.status_code == 201, response.text
    return a, uuid.UUID(response.json()["id"]), email
