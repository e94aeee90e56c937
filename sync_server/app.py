"""The server's one composition root: ``create_app`` wires routes, database and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from sync_server.db.session import Database
from sync_server.domain.accounts.controllers import AuthController, UserController
from sync_server.domain.catalog.controllers import CatalogController
from sync_server.domain.changes.controllers import PullController
from sync_server.domain.companies.controllers import CompanyController, StoreController
from sync_server.domain.health.controllers import HealthController
from sync_server.domain.stock.controllers import (
    ReservationController,
    StockController,
    TransferController,
)
from sync_server.domain.sync.controllers import PushController, SyncReviewController
from sync_server.domain.terminals.controllers import (
    EnrolmentController,
    TerminalController,
    TerminalSelfController,
)
from sync_server.jobs.controllers import JobController
from sync_server.jobs.runner import JobScheduler
from sync_server.lib.clock import Clock, system_clock
from sync_server.lib.context import AppContext
from sync_server.lib.web import (
    EXCEPTION_HANDLERS,
    client_address,
    provide_ctx,
    provide_principal,
    provide_terminal,
)
from sync_server.settings import ServerSettings

__all__ = ("ROUTE_HANDLERS", "create_app")

ROUTE_HANDLERS = (
    HealthController,
    AuthController,
    UserController,
    CompanyController,
    StoreController,
    TerminalController,
    EnrolmentController,
    TerminalSelfController,
    StockController,
    ReservationController,
    TransferController,
    JobController,
    PullController,
    CatalogController,
    PushController,
    SyncReviewController,
)


def create_app(settings: ServerSettings, *, clock: Clock = system_clock) -> Litestar:
    """Build the application for ``settings`` (``database_url`` must be set).

    Args:
        settings: the server settings; ``database_url`` is the schema owner's libpq URL.
        clock: where services read the time (tests pass a :class:`FakeClock`).
    """
    if not settings.database_url:
        raise ValueError("create_app needs settings.database_url")
    ctx = AppContext(
        settings=settings,
        db=Database(settings.database_url, pool_size=settings.db_pool_size),
        clock=clock,
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # the scheduled jobs run only where enabled; each tick is claimed by one process
        scheduler = JobScheduler(ctx) if settings.jobs_enabled else None
        app.state.scheduler = scheduler
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown()
            await ctx.db.dispose()

    return Litestar(
        route_handlers=list(ROUTE_HANDLERS),
        # dependency names must not clash with body fields: Litestar blames a dependency,
        # not the client, when a field of the same name fails validation (a 500, not a 400)
        dependencies={
            "ctx": Provide(provide_ctx, sync_to_thread=False),
            "principal": Provide(provide_principal),
            "terminal_auth": Provide(provide_terminal),
            "client_ip": Provide(client_address, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(title="Galla sync server", version="1"),
        lifespan=[lifespan],
        state=State({"ctx": ctx}),
    )
