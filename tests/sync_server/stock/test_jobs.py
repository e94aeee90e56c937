"""The scheduled jobs against real PostgreSQL: claimed once per tick, their work, the API."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, select, text

from sync_server.db import models as m
from sync_server.db.embedded import asyncpg_connect_args
from sync_server.jobs import runner
from sync_server.jobs.runner import JOBS, JobSpec, next_tick, run_job, tick_of
from sync_server.lib.clock import FakeClock
from tests.sync_server.conftest import Server
from tests.sync_server.stock.helpers import Shop, bearer, make_shop

pytestmark = pytest.mark.postgres
TICK = datetime(2026, 1, 5, 9, 0, 30, tzinfo=UTC)


@pytest.fixture
async def shop(server: Server) -> Shop:
    """Company "alpha": two stores, four products, a till enrolled in the first store."""
    return await make_shop(server)


async def runs(server: Server, job: str) -> list[Any]:
    async with server.ctx.db.platform() as session:
        rows = await session.execute(
            select(m.JobRun).where(m.JobRun.job == job).order_by(m.JobRun.started_at)
        )
        return list(rows.scalars())


def test_a_wake_up_belongs_to_the_nearest_tick_and_the_next_tick_follows() -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert tick_of(90.0, 30) == epoch + timedelta(seconds=90)
    assert tick_of(91.7, 30) == epoch + timedelta(seconds=90)  # woke a little late
    assert tick_of(89.9, 30) == epoch + timedelta(seconds=90)  # clocks a hair apart
    assert next_tick(90.0, 30) == epoch + timedelta(seconds=120)
    assert next_tick(119.99, 30) == epoch + timedelta(seconds=120)


async def test_a_tick_runs_once_however_many_wake_for_it(server: Server) -> None:
    results = await asyncio.gather(
        *(run_job(server.ctx, "purge-refresh-tokens", tick=TICK) for _ in range(6))
    )

    ran = [r for r in results if r is not None]
    assert len(ran) == 1
    assert ran[0].status == "ok"
    assert [(r.tick, r.scope, r.status) for r in await runs(server, "purge-refresh-tokens")] == [
        (TICK, "all", "ok")
    ]
    later = await run_job(server.ctx, "purge-refresh-tokens", tick=TICK)
    assert later is None  # a process waking after the winner finished finds the tick taken
    nxt = await run_job(server.ctx, "purge-refresh-tokens", tick=TICK + timedelta(seconds=30))
    assert nxt is not None


async def test_a_run_in_progress_elsewhere_means_this_process_skips(
    server: Server, db_url: str
) -> None:
    other = await asyncpg.connect(**asyncpg_connect_args(db_url))
    try:
        await other.execute(
            "SELECT pg_advisory_lock(hashtextextended($1, 0))", "galla.job:purge-refresh-tokens"
        )
        assert await run_job(server.ctx, "purge-refresh-tokens", tick=TICK) is None
    finally:
        await other.close()
    assert await runs(server, "purge-refresh-tokens") == []
    assert await run_job(server.ctx, "purge-refresh-tokens", tick=TICK) is not None


async def test_a_failing_job_is_recorded_as_failed(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any) -> dict[str, Any]:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(JOBS, "broken", JobSpec("broken", "fails", broken, lambda s: 60))

    run = await run_job(server.ctx, "broken", tick=TICK)

    assert run is not None
    assert (run.status, run.result) == ("failed", {"error": "RuntimeError: disk on fire"})
    [stored] = await runs(server, "broken")
    assert (stored.status, stored.result["error"]) == ("failed", "RuntimeError: disk on fire")
    assert stored.finished_at is not None
    assert stored.duration_ms is not None


async def test_a_run_cut_off_by_a_stopping_server_is_recorded_as_failed(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = asyncio.Event()

    async def slow(*_: Any) -> dict[str, Any]:
        started.set()
        await asyncio.sleep(60)
        return {}

    monkeypatch.setitem(JOBS, "slow", JobSpec("slow", "takes long", slow, lambda s: 60))
    task = asyncio.create_task(run_job(server.ctx, "slow", tick=TICK))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [stored] = await runs(server, "slow")
    assert stored.status == "failed"
    assert "interrupted" in stored.result["error"]
    assert stored.finished_at is not None


async def test_the_cleanup_job_settles_expired_reservations(shop: Shop, clock: FakeClock) -> None:
    await shop.stock(0, 10)
    await shop.reserve([(0, 3)], ttl_seconds=60)
    await shop.reserve([(0, 2)], ttl_seconds=600)
    clock.advance(seconds=61)

    run = await run_job(shop.server.ctx, "expire-reservations", tick=TICK)

    assert run is not None
    assert run.result == {"expired": 1, "lines_released": 1, "deleted": 0, "batches": 1}
    assert (await shop.level(0)).reserved == 2


async def test_expired_enrolment_codes_are_deleted_and_used_ones_kept(
    shop: Shop, clock: FakeClock
) -> None:
    server = shop.server
    await server.enrolment_code(shop.admin, shop.stores[1])  # never used
    clock.advance(hours=25)

    run = await run_job(server.ctx, "expire-enrolment-codes", tick=TICK)

    assert run is not None
    assert run.result == {"deleted": 1}
    async with server.ctx.db.platform() as session:
        left = await session.scalar(select(func.count()).select_from(m.EnrolmentCode))
    assert left == 1  # the code the fixture's till enrolled with


async def test_expired_refresh_tokens_are_purged(shop: Shop, clock: FakeClock) -> None:
    server = shop.server
    async with server.ctx.db.platform() as session:
        before = await session.scalar(select(func.count()).select_from(m.RefreshToken))
    assert before
    clock.advance(days=8)
    fresh = await server.login(shop.admin.email)

    run = await run_job(server.ctx, "purge-refresh-tokens", tick=TICK)

    assert run is not None
    assert run.result == {"deleted": before}
    refreshed = await server.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]}
    )
    assert refreshed.status_code == 200


async def test_a_silent_terminal_is_flagged_once_and_the_flag_heals(
    shop: Shop, clock: FakeClock
) -> None:
    server = shop.server
    clock.advance(hours=25)

    first = await run_job(server.ctx, "flag-silent-terminals", tick=TICK)
    second = await run_job(server.ctx, "flag-silent-terminals", tick=TICK + timedelta(minutes=15))

    assert first is not None
    assert second is not None
    assert (first.result, second.result) == (
        {"flagged": 1, "healed": 0},
        {"flagged": 0, "healed": 0},
    )
    clock.advance(minutes=1)
    assert (await server.client.get("/api/v1/terminal/me", headers=bearer(shop.till))).is_success
    third = await run_job(server.ctx, "flag-silent-terminals", tick=TICK + timedelta(minutes=30))
    assert third is not None
    assert third.result == {"flagged": 0, "healed": 1}
    async with server.ctx.db.tenant(shop.company_id) as session:
        flag = (
            await session.scalars(
                select(m.SyncException).where(m.SyncException.kind == "terminal_silent")
            )
        ).one()
    assert (flag.status, flag.resolution, flag.store_id) == (
        "resolved",
        "self_healed",
        shop.stores[0],
    )


async def test_admins_see_each_jobs_newest_run_and_next_tick(shop: Shop) -> None:
    server = shop.server
    await run_job(server.ctx, "purge-refresh-tokens", tick=TICK)
    platform = await server.platform_admin()

    company_view = await server.client.get("/api/v1/jobs", headers=shop.admin.auth)
    platform_view = await server.client.get("/api/v1/jobs", headers=platform)

    assert company_view.status_code == 200, company_view.text
    jobs = {j["name"]: j for j in company_view.json()}
    assert set(jobs) == set(JOBS)
    purge = jobs["purge-refresh-tokens"]
    assert purge["last_run"]["status"] == "ok"
    assert purge["last_run"]["duration_ms"] >= 0
    assert purge["last_run"]["result"] is None  # every company's counts: platform admins only
    assert purge["interval_seconds"] == 900
    assert purge["next_run_at"] > purge["last_run"]["started_at"]
    assert purge["runs_here"] is False  # this test app runs no scheduler
    assert jobs["expire-reservations"]["last_run"] is None
    platform_jobs = {j["name"]: j for j in platform_view.json()}
    assert platform_jobs["purge-refresh-tokens"]["last_run"]["result"] == {"deleted": 0}


async def test_a_company_admin_runs_the_cleanup_for_their_company_only(
    shop: Shop, server: Server, clock: FakeClock
) -> None:
    await shop.stock(0, 10)
    await shop.reserve([(0, 3)], ttl_seconds=60)
    other = await make_other_company_hold(server)
    clock.advance(seconds=61)

    ran = await server.client.post(
        "/api/v1/jobs/run", json={"name": "expire-reservations"}, headers=shop.admin.auth
    )

    assert ran.status_code == 200, ran.text
    assert ran.json()["scope"] == str(shop.company_id)
    assert ran.json()["trigger"] == "manual"
    assert ran.json()["result"]["expired"] == 1
    assert (await shop.level(0)).reserved == 0
    async with server.ctx.db.platform() as session:
        theirs = await session.scalar(
            text("SELECT status FROM reservations WHERE company_id = :c"), {"c": other}
        )
    assert theirs == "held"  # expired too, but another company's: left for the schedule
    listed = await server.client.get("/api/v1/jobs", headers=shop.admin.auth)
    mine = {j["name"]: j for j in listed.json()}["expire-reservations"]["last_run"]
    assert mine["result"]["expired"] == 1  # their own run's result is theirs to see


async def make_other_company_hold(server: Server) -> uuid.UUID:
    other = await server.tenant("bravo")
    store = await server.store(other, "B1")
    from tests.sync_server.stock.helpers import add_products, stock

    [product] = await add_products(server.ctx, other.company_id, 1)
    await stock(server.ctx, other.company_id, store, product, 5)
    held = await server.client.post(
        "/api/v1/reservations",
        json={
            "id": str(uuid.uuid4()),
            "store_id": str(store),
            "reference": "b",
            "ttl_seconds": 60,
            "lines": [{"product_id": str(product), "quantity": "1"}],
        },
        headers=other.auth,
    )
    assert held.status_code == 201, held.text
    return other.company_id


async def test_a_company_admin_may_run_only_the_cleanup(shop: Shop) -> None:
    for name, status in [("purge-refresh-tokens", 403), ("no-such-job", 404), ("", 400)]:
        ran = await shop.server.client.post(
            "/api/v1/jobs/run", json={"name": name}, headers=shop.admin.auth
        )
        assert ran.status_code == status, ran.text


async def test_a_platform_admin_runs_any_job_for_everyone(shop: Shop) -> None:
    platform = await shop.server.platform_admin()

    ran = await shop.server.client.post(
        "/api/v1/jobs/run", json={"name": "purge-refresh-tokens"}, headers=platform
    )

    assert ran.status_code == 200, ran.text
    assert (ran.json()["scope"], ran.json()["status"]) == ("all", "ok")


async def test_a_manual_run_while_the_job_runs_is_refused_cleanly(
    shop: Shop, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = await asyncpg.connect(**asyncpg_connect_args(db_url))
    try:
        await other.execute(
            "SELECT pg_advisory_lock(hashtextextended($1, 0))", "galla.job:expire-reservations"
        )
        ran = await shop.server.client.post(
            "/api/v1/jobs/run", json={"name": "expire-reservations"}, headers=shop.admin.auth
        )
    finally:
        await other.close()
    assert ran.status_code == 409
    assert "running right now" in ran.json()["detail"]
    assert runner.JOBS["expire-reservations"].company_may_run


async def test_the_health_check_reports_the_jobs(shop: Shop, clock: FakeClock) -> None:
    server = shop.server
    platform = await server.platform_admin()

    async def jobs() -> dict[str, str]:
        response = await server.client.get("/health/detailed", headers=platform)
        assert response.status_code == 200, response.text
        return dict(response.json()["jobs"])

    assert (await jobs())["status"] == "never run"
    for name in JOBS:
        assert await run_job(server.ctx, name, tick=TICK) is not None
    fresh = await jobs()
    assert fresh["status"] == "ok"
    assert "expire-reservations: ok, last run" in fresh["detail"]
    clock.advance(seconds=91)  # three cleanup intervals of 30 s without a run
    stale = await jobs()
    assert stale["status"] == "stale"
    assert "expire-reservations: stale" in stale["detail"]
    assert "purge-refresh-tokens: ok" in stale["detail"]
