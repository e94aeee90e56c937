"""HTTP routes of the health area."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Response

from sync_server.domain.health import services
from sync_server.domain.health.schemas import DetailedHealth, Health
from sync_server.lib.web import Actor, Ctx

__all__ = ("HealthController",)


class HealthController(Controller):
    """Liveness for load balancers, details for platform admins."""

    path = "/health"
    tags = ["health"]  # noqa: RUF012 - Litestar reads it

    @get("/", operation_id="Health")
    async def health(self, ctx: Ctx) -> Response[Health]:
        """200 when the database answers, 503 when it does not."""
        result = await services.health(ctx)
        return Response(result, status_code=200 if result.status == "ok" else 503)

    @get("/detailed", operation_id="DetailedHealth")
    async def detailed(self, ctx: Ctx, principal: Actor) -> DetailedHealth:
        """Database, migrations, jobs and counts (platform admins)."""
        return await services.detailed_health(ctx, principal)
