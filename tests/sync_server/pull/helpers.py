"""A company with two stores and an enrolled till in each, and a till-side pull loop."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from shared.protocol import Change, PullPage, decode
from tests.sync_server.conftest import Server, Tenant

MUMBAI_GSTIN = "27AAPFU0939F1ZV"
PULL = "/api/v1/sync/pull"


@dataclass
class Till:
    """An enrolled terminal of one store."""

    store_id: uuid.UUID
    terminal_id: uuid.UUID
    credential: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential}"}


@dataclass
class Shop:
    """Company "alpha": stores A1 (Mumbai, with a GSTIN) and A2, a till in each."""

    server: Server
    tenant: Tenant
    a1: Till
    a2: Till
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def company_id(self) -> uuid.UUID:
        return self.tenant.company_id

    @property
    def admin(self) -> dict[str, str]:
        return self.tenant.auth

    async def api(self, method: str, url: str, json: Any = None, **kw: Any) -> Any:
        """Call the admin API as the company admin; return the response."""
        return await self.server.client.request(method, url, json=json, headers=self.admin, **kw)

    async def ok(self, method: str, url: str, json: Any = None, status: int = 200) -> Any:
        """Call the admin API and return the JSON body, asserting the status."""
        response = await self.api(method, url, json)
        assert response.status_code == status, response.text
        return response.json() if response.content else None


async def enrol_till(server: Server, tenant: Tenant, store_id: uuid.UUID) -> Till:
    enrolled = await server.enrol(await server.enrolment_code(tenant, store_id))
    return Till(store_id, uuid.UUID(enrolled["terminal_id"]), enrolled["credential"])


async def make_shop(server: Server, slug: str = "alpha") -> Shop:
    tenant = await server.tenant(slug)
    a1 = await server.store(tenant, "A1", gstin=MUMBAI_GSTIN, address="12 MG Road\nMumbai")
    a2 = await server.store(tenant, "A2")
    return Shop(
        server, tenant, await enrol_till(server, tenant, a1), await enrol_till(server, tenant, a2)
    )


@pytest.fixture
async def shop(server: Server) -> Shop:
    """Company alpha with two stores and a till in each."""
    return await make_shop(server)


async def pull_page(
    server: Server, till: Till, cursor: str | None = None, limit: int | None = None
) -> PullPage:
    """One pull, decoded strictly as the protocol's ``PullPage``."""
    params: dict[str, Any] = {}
    if cursor is not None:
        params["cursor"] = cursor
    if limit is not None:
        params["limit"] = limit
    response = await server.client.get(PULL, params=params, headers=till.auth)
    assert response.status_code == 200, response.text
    return decode(response.content, PullPage)


async def pull_all(
    server: Server, till: Till, cursor: str | None = None, limit: int | None = None
) -> tuple[list[Change], str, int]:
    """Pull until ``has_more`` is false; return the changes, the last cursor and page count."""
    changes: list[Change] = []
    pages = 0
    while True:
        page = await pull_page(server, till, cursor, limit)
        pages += 1
        changes.extend(page.changes)
        cursor = page.next_cursor
        if not page.has_more:
            return changes, cursor, pages


def apply(state: dict[tuple[str, uuid.UUID], Change], changes: list[Change]) -> None:
    """Apply changes as a till would: newest version wins, a tombstone removes."""
    for change in changes:
        key = (change.__struct_config__.tag, change.entity_id)  # type: ignore[attr-defined]
        old = state.get(key)
        assert old is None or old.version <= change.version, f"{key} went back in version"
        if change.op == "delete":
            state.pop(key, None)
        else:
            state[key] = change


def entities(changes: list[Change], kind: str) -> dict[uuid.UUID, Change]:
    """The last change of each entity of ``kind``."""
    return {c.entity_id: c for c in changes if c.__struct_config__.tag == kind}  # type: ignore[attr-defined]
