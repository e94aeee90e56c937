"""Quick walk through the main flows (expanded into dedicated tests elsewhere)."""

from __future__ import annotations

from tests.sync_server.conftest import Server


async def test_a_company_admin_opens_a_store_and_enrols_a_till(server: Server) -> None:
    a = await server.tenant("alpha")
    store = await server.store(a, gstin="27AAPFU0939F1ZV")
    code = await server.enrolment_code(a, store)
    enrolled = await server.enrol(code)
    me = await server.client.get(
        "/api/v1/terminal/me", headers={"Authorization": f"Bearer {enrolled['credential']}"}
    )
    assert me.status_code == 200, me.text
    assert me.json()["terminal_code"] == "T01"
