"""``GET /health`` answers 200 with the database reachable and 503 without it."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from sync_server.app import create_app
from sync_server.settings import ServerSettings
from tests.sync_server.conftest import CHEAP_ARGON2, Server


async def test_health_is_200_when_the_database_answers(server: Server) -> None:
    response = await server.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_health_is_503_when_the_database_is_unreachable() -> None:
    unreachable = ServerSettings(
        database_url="postgresql://postgres@127.0.0.1:1/nowhere",
        **CHEAP_ARGON2,  # type: ignore[arg-type]
    )
    async with AsyncTestClient(app=create_app(unreachable)) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
