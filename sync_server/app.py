"""The server's one composition root: ``create_app`` wires routes, database and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.response import Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sync_server.db.embedded import to_asyncpg_url


@get("/health")
async def health(state: State) -> Response[dict[str, str]]:
    """Answer 200 when the database answers, 503 when it does not."""
    engine: AsyncEngine = state.engine
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return Response({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
    return Response({"status": "ok", "database": "ok"}, status_code=200)


def create_app(database_url: str) -> Litestar:
    """Build the Litestar application for the database at ``database_url`` (libpq form)."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = create_async_engine(
            to_asyncpg_url(database_url), pool_pre_ping=True, connect_args={"timeout": 5}
        )
        app.state.engine = engine
        try:
            yield
        finally:
            await engine.dispose()

    return Litestar(route_handlers=[health], lifespan=[lifespan])
