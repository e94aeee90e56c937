"""The engine and the two kinds of transaction the server runs.

The server connects with the URL it is given (the schema owner in a simple install) and
never queries as that role. Each transaction first switches role with ``SET LOCAL ROLE``:

* :meth:`Database.tenant` → ``galla_app`` plus ``set_config('galla.company_id', ..., true)``.
  Row-level security then limits every statement to that company, even one that forgets
  its ``WHERE company_id = ...``. Both settings end with the transaction, so a pooled
  connection carries nothing over to the next request.
* :meth:`Database.platform` → ``galla_platform``, whose policies admit every row. This is the
  deliberate bypass, used only by named operations that cannot know the company yet or span
  companies: ``accounts.services.login / refresh / logout / authenticate``,
  ``terminals.services.redeem_enrolment_code``, ``companies.services`` (platform admin),
  ``health.services.detailed_health`` and the CLI's seeding and admin commands.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from sync_server.db.embedded import to_asyncpg_url

__all__ = (
    "APP_ROLE",
    "PLATFORM_ROLE",
    "Database",
    "lift_to_platform",
    "lock_company",
    "scope_to_company",
)

APP_ROLE = "galla_app"
PLATFORM_ROLE = "galla_platform"


class Database:
    """An async engine and the sessions the services work in."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine: AsyncEngine = create_async_engine(
            to_asyncpg_url(url),
            # no pre-ping: it cost three round trips on every checkout (a third of a hot
            # reservation). A connection the server dropped fails its one request, which
            # SQLAlchemy answers by discarding the pool's stale connections; tills and
            # browsers retry. Connections are renewed every half hour regardless.
            pool_pre_ping=False,
            pool_recycle=1800,
            pool_size=pool_size,
            connect_args={"timeout": 5},
        )
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def tenant(
        self, company_id: uuid.UUID, *, plan_each_statement: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """Open a transaction that can see and write only ``company_id``'s rows.

        Commits when the block ends normally, rolls back when it raises.

        ``plan_each_statement`` plans every statement for its actual parameters
        (``plan_cache_mode = force_custom_plan``) for the rest of the transaction. Bulk
        statements want it: after five runs PostgreSQL may switch a cached statement to a
        generic plan that cannot see how many ids an ``= ANY($2)`` array holds or how a table
        has grown; on a fresh sales table such a plan made a 100-sale push's invoice check
        18 ms instead of 1.
        """
        async with self._sessions() as session, session.begin():
            await scope_to_company(session, company_id, plan_each_statement=plan_each_statement)
            yield session

    @asynccontextmanager
    async def platform(self) -> AsyncIterator[AsyncSession]:
        """Open a cross-tenant transaction (the documented bypass; see the module docstring)."""
        async with self._sessions() as session, session.begin():
            await session.execute(text(f"SET LOCAL ROLE {PLATFORM_ROLE}"))
            yield session

    async def ping(self) -> None:
        """Run ``SELECT 1``; raises when the database does not answer."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


async def scope_to_company(
    session: AsyncSession, company_id: uuid.UUID, *, plan_each_statement: bool = False
) -> None:
    """Switch an open transaction to the tenant role for ``company_id``.

    Used after a platform-role lookup found which company a request belongs to (enrolment
    code redemption), so the writes that follow are held by row-level security. See
    :meth:`Database.tenant` for ``plan_each_statement``.
    """
    # one round trip: set_config('role', ..., true) is SET LOCAL ROLE
    await session.execute(
        text(
            "SELECT set_config('role', :role, true), set_config('galla.company_id', :cid, true), "
            "set_config('plan_cache_mode', :plans, true)"
        ),
        {
            "role": APP_ROLE,
            "cid": str(company_id),
            "plans": "force_custom_plan" if plan_each_statement else "auto",
        },
    )


async def lift_to_platform(session: AsyncSession) -> None:
    """Switch an open tenant transaction to the platform role (narrow, named uses only).

    ``accounts.services`` uses it to write or read the ``accounts`` row of a user it is
    creating or listing, in the same transaction as the tenant rows.
    """
    await session.execute(text(f"SET LOCAL ROLE {PLATFORM_ROLE}"))


async def lock_company(session: AsyncSession, company_id: uuid.UUID, what: str) -> None:
    """Serialise plan-limit checks of one kind (``what``) for one company until commit."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"{what}:{company_id}"},
    )
