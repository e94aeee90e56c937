"""Health checks, answered from the database itself."""

from __future__ import annotations

from sqlalchemy import func, select, text

from sync_server.db import models as m
from sync_server.db.migrate import head
from sync_server.domain.health.schemas import DetailedHealth, Health, JobsState, MigrationState
from sync_server.jobs.runner import job_health
from sync_server.lib.context import AppContext
from sync_server.lib.principal import Principal

__all__ = ("COUNTED", "detailed_health", "health")

COUNTED = {
    "companies": m.Company,
    "stores": m.Store,
    "terminals": m.Terminal,
    "users": m.User,
    "products": m.Product,
    "sales": m.Sale,
    "open_sync_exceptions": m.SyncException,
}


async def health(ctx: AppContext) -> Health:
    """Return ok when the database answers ``SELECT 1``, else unavailable (never raises)."""
    try:
        await ctx.db.ping()
    except Exception as exc:  # any failure to reach the database is "unavailable"
        return Health(status="unavailable", database=type(exc).__name__)
    return Health(status="ok", database="ok")


async def detailed_health(ctx: AppContext, actor: Principal) -> DetailedHealth:
    """Database, migration head against current, job state and row counts (platform admins)."""
    actor.require_platform_admin()
    async with ctx.db.platform() as session:
        current = await session.scalar(text("SELECT version_num FROM alembic_version"))
        jobs_status, jobs_detail = await job_health(session, ctx.settings, ctx.clock())
        counts: dict[str, int] = {}
        for name, model in COUNTED.items():
            query = select(func.count()).select_from(model)
            if model is m.SyncException:
                query = query.where(m.SyncException.status == "open")
            counts[name] = int(await session.scalar(query) or 0)
    newest = head()
    return DetailedHealth(
        status="ok" if current == newest else "degraded",
        database="ok",
        migrations=MigrationState(head=newest, current=current, up_to_date=current == newest),
        jobs=JobsState(status=jobs_status, detail=jobs_detail),
        counts=counts,
    )
