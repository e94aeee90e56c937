"""``GET /health`` answers 200 with the database reachable and 503 without it."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from sync_server.app import create_app


async def test_health_is_200_when_the_database_answers(pg_url: str) -> None:
    async with AsyncTestClient(app=create_app(pg_url)) as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_health_is_503_when_the_database_is_unreachable() -> None:
    unreachable = "postgresql://postgres@127.0.0.1:1/nowhere"
    async with AsyncTestClient(app=create_app(unreachable)) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
