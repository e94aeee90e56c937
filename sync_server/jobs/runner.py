"""Running the scheduled jobs exactly once per tick, however many server processes run them.

Every process with ``jobs_enabled`` runs an APScheduler ``AsyncIOScheduler`` whose interval
triggers are aligned to the Unix epoch, so all processes wake for the same ticks. A wake-up
runs the job only if the process

1. takes the job's PostgreSQL advisory lock (``pg_try_advisory_lock``, on a connection held
   for the run), so no two runs of one job ever overlap, and then
2. inserts the ``job_runs`` row for ``(job, tick, 'all')``; the unique key lets exactly one
   process claim a tick. A process that wakes late, after the winner finished and let go of
   the lock, finds the tick taken and does nothing.

APScheduler's own job stores cannot be shared between processes, so the database is the
referee. The run row records who ran it, when, for how long, and what it did; admins read
the newest row per job (:func:`job_states`) and may run the reservation cleanup by hand
(:func:`run_by_hand`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text

from sync_server.domain.stock.ledger import driver_connection
from sync_server.jobs import tasks
from sync_server.lib.context import AppContext
from sync_server.lib.errors import Conflict, NotFound, PermissionDenied
from sync_server.lib.ids import new_id
from sync_server.lib.principal import Principal
from sync_server.settings import ServerSettings

__all__ = (
    "JOBS",
    "JobRunView",
    "JobScheduler",
    "JobSpec",
    "JobState",
    "job_health",
    "job_states",
    "next_tick",
    "run_by_hand",
    "run_job",
    "tick_of",
)

_log = logging.getLogger("sync_server.jobs")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Work = Callable[[AppContext, datetime, uuid.UUID | None], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A scheduled job: its name, what it does, how often, and who may run it by hand."""

    name: str
    title: str
    work: Work
    interval: Callable[[ServerSettings], int]
    company_may_run: bool = False


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec(
            "expire-reservations",
            "Settle expired reservations and give their stock back; delete old closed ones",
            tasks.release_expired_reservations,
            lambda s: s.reservation_cleanup_seconds,
            company_may_run=True,
        ),
        JobSpec(
            "expire-enrolment-codes",
            "Delete enrolment codes that expired unused",
            tasks.expire_enrolment_codes,
            lambda s: s.housekeeping_seconds,
        ),
        JobSpec(
            "purge-refresh-tokens",
            "Delete expired refresh tokens",
            tasks.purge_refresh_tokens,
            lambda s: s.housekeeping_seconds,
        ),
        JobSpec(
            "flag-silent-terminals",
            "Flag terminals not heard from for too long as sync exceptions",
            tasks.flag_silent_terminals,
            lambda s: s.housekeeping_seconds,
        ),
    )
}
"""Every scheduled job, by name."""


class JobRunView(msgspec.Struct, kw_only=True):
    """One run of a job."""

    id: uuid.UUID
    trigger: str
    scope: str
    runner: str
    status: str
    tick: datetime
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    result: dict[str, Any] | None


class JobState(msgspec.Struct, kw_only=True):
    """A job as admins see it: schedule, newest run, next tick.

    ``result`` of a platform-wide run counts every company's rows, so it is shown to
    platform admins only.
    """

    name: str
    title: str
    interval_seconds: int
    next_run_at: datetime
    last_run: JobRunView | None
    runs_here: bool


def tick_of(moment: float, interval: int) -> datetime:
    """The schedule tick a wake-up at Unix time ``moment`` belongs to (nearest multiple)."""
    return EPOCH + timedelta(seconds=round(moment / interval) * interval)


def next_tick(moment: float, interval: int) -> datetime:
    """The first tick after Unix time ``moment``."""
    return EPOCH + timedelta(seconds=(int(moment // interval) + 1) * interval)


def _json(value: Any) -> dict[str, Any]:
    """A jsonb value as a dict (the session's connection may or may not decode it)."""
    if isinstance(value, str | bytes):
        decoded: dict[str, Any] = msgspec.json.decode(value)
        return decoded
    return dict(value or {})


def _runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


_CLAIM = """
INSERT INTO job_runs (id, job, tick, scope, trigger, runner, status, started_at, result)
VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, '{}'::jsonb)
ON CONFLICT (job, tick, scope) DO NOTHING
RETURNING id
"""

_FINISH = """
UPDATE job_runs SET status = $2, finished_at = $3, duration_ms = $4, result = $5::jsonb
WHERE id = $1
"""


async def run_job(
    ctx: AppContext,
    name: str,
    *,
    tick: datetime,
    trigger: str = "schedule",
    company_id: uuid.UUID | None = None,
) -> JobRunView | None:
    """Run job ``name`` for ``tick`` unless another run holds it or already claimed the tick.

    Returns the finished run, or ``None`` when this process did not run it. A failing job is
    recorded as ``failed`` with the error and does not raise.
    """
    spec = JOBS[name]
    scope = "all" if company_id is None else str(company_id)
    lock_key = f"galla.job:{name}"
    async with ctx.db.engine.connect() as lock_conn:
        got = await lock_conn.scalar(
            text("SELECT pg_try_advisory_lock(hashtextextended(:k, 0))"), {"k": lock_key}
        )
        await lock_conn.commit()
        if not got:
            return None
        try:
            return await _claim_and_run(
                ctx, spec, tick=tick, trigger=trigger, scope=scope, company_id=company_id
            )
        finally:
            await lock_conn.execute(
                text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), {"k": lock_key}
            )
            await lock_conn.commit()


async def _claim_and_run(
    ctx: AppContext,
    spec: JobSpec,
    *,
    tick: datetime,
    trigger: str,
    scope: str,
    company_id: uuid.UUID | None,
) -> JobRunView | None:
    started = ctx.clock()
    run_id = new_id()
    runner = _runner_name()
    async with ctx.db.platform() as session:
        conn = await driver_connection(session)
        claimed = await conn.fetchval(
            _CLAIM, run_id, spec.name, tick, scope, trigger, runner, started
        )
    if claimed is None:
        return None
    began = time.perf_counter()

    async def finish(status: str, result: dict[str, Any]) -> tuple[datetime, int]:
        duration_ms = round((time.perf_counter() - began) * 1000)
        finished = ctx.clock()
        async with ctx.db.platform() as session:
            conn = await driver_connection(session)
            await conn.execute(
                _FINISH, run_id, status, finished, duration_ms, msgspec.json.encode(result).decode()
            )
        return finished, duration_ms

    try:
        result = await spec.work(ctx, started, company_id)
        status = "ok"
    except asyncio.CancelledError:
        # the server is stopping mid-run: say so, rather than leave the run "running"
        await asyncio.shield(
            finish("failed", {"error": "interrupted: the server stopped during the run"})
        )
        raise
    except Exception as exc:  # a job's failure is recorded for the admins, never raised
        _log.exception("job %s failed", spec.name)
        result = {"error": f"{type(exc).__name__}: {exc}"}
        status = "failed"
    finished, duration_ms = await finish(status, result)
    return JobRunView(
        id=run_id,
        trigger=trigger,
        scope=scope,
        runner=runner,
        status=status,
        tick=tick,
        started_at=started,
        finished_at=finished,
        duration_ms=duration_ms,
        result=result,
    )


class JobScheduler:
    """The APScheduler of one process: every job on its epoch-aligned interval."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        for spec in JOBS.values():
            interval = spec.interval(ctx.settings)
            self.scheduler.add_job(
                self._wake,
                IntervalTrigger(seconds=interval, start_date=EPOCH, timezone=UTC),
                args=(spec.name, interval),
                id=spec.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=max(1, interval // 2),
            )

    async def _wake(self, name: str, interval: int) -> None:
        tick = tick_of(time.time(), interval)
        try:
            run = await run_job(self.ctx, name, tick=tick)
        except Exception:  # the database may be away; the next tick tries again
            _log.exception("job %s could not run for tick %s", name, tick.isoformat())
            return
        if run is None:
            _log.info("job %s tick %s: taken by another process", name, tick.isoformat())
        else:
            _log.info("job %s tick %s: ran here, %s", name, tick.isoformat(), run.status)

    def start(self) -> None:
        """Start waking jobs on this process's event loop."""
        self.scheduler.start()

    def shutdown(self) -> None:
        """Stop waking jobs (a run in progress finishes on its own)."""
        self.scheduler.shutdown(wait=False)


_LATEST = """
SELECT DISTINCT ON (job) job, id, trigger, scope, runner, status, tick, started_at, finished_at,
       duration_ms, result
FROM job_runs
WHERE job = ANY($1::text[]) AND (scope = 'all' OR scope = $2)
ORDER BY job, started_at DESC
"""


async def job_states(ctx: AppContext, actor: Principal, *, runs_here: bool) -> list[JobState]:
    """Each job's schedule, newest run and next tick (company admins and platform admins).

    A company admin sees the platform-wide runs and their own manual runs, without the
    platform-wide result counts.
    """
    if actor.platform_admin:
        company: str | None = None
    else:
        company = str(actor.require_admin())
    async with ctx.db.platform() as session:
        conn = await driver_connection(session)
        rows = {r[0]: r for r in await conn.fetch(_LATEST, list(JOBS), company or "all")}
    now = time.time()
    states = []
    for spec in JOBS.values():
        interval = spec.interval(ctx.settings)
        row = rows.get(spec.name)
        last = None
        if row is not None:
            show = actor.platform_admin or row[3] != "all"
            last = JobRunView(
                id=row[1],
                trigger=row[2],
                scope=row[3],
                runner=row[4],
                status=row[5],
                tick=row[6],
                started_at=row[7],
                finished_at=row[8],
                duration_ms=row[9],
                result=_json(row[10]) if show else None,
            )
        states.append(
            JobState(
                name=spec.name,
                title=spec.title,
                interval_seconds=interval,
                next_run_at=next_tick(now, interval),
                last_run=last,
                runs_here=runs_here,
            )
        )
    return states


async def job_health(session: Any, settings: ServerSettings, now: datetime) -> tuple[str, str]:
    """A one-word state of the scheduled jobs and a line per job, for the health check.

    Per job: ``ok``; ``failing`` (its newest run failed); ``stale`` (no run for three of its
    intervals: no process runs the scheduler, or it is stuck); ``never run``. The overall
    state is the worst of them.
    """
    conn = await driver_connection(session)
    rows = {r[0]: r for r in await conn.fetch(_LATEST, list(JOBS), "all")}
    rank = {"ok": 0, "never run": 1, "stale": 2, "failing": 3}
    states: list[tuple[str, str]] = []
    for spec in JOBS.values():
        row = rows.get(spec.name)
        if row is None:
            states.append((spec.name, "never run"))
            continue
        state = "ok"
        if row[5] == "failed":
            state = "failing"
        elif now - row[7] > timedelta(seconds=3 * spec.interval(settings)):
            state = "stale"
        states.append((spec.name, f"{state}, last run {row[7].isoformat()}"))
    worst = max((s.split(",")[0] for _, s in states), key=lambda s: rank[s])
    return worst, "; ".join(f"{name}: {state}" for name, state in states)


async def run_by_hand(ctx: AppContext, actor: Principal, name: str) -> JobRunView:
    """Run a job now, by hand.

    Platform admins may run any job, for every company; company admins the reservation
    cleanup, for their own company.

    Raises:
        NotFound: no such job.
        PermissionDenied: the actor may not run it.
        Conflict: the job is running right now (try again in a moment).
    """
    spec = JOBS.get(name)
    if spec is None:
        raise NotFound(f"no job {name!r}; jobs are {', '.join(JOBS)}")
    company_id: uuid.UUID | None = None
    if not actor.platform_admin:
        company_id = actor.require_admin()
        if not spec.company_may_run:
            raise PermissionDenied(f"only a platform admin may run {name!r} by hand")
    run = await run_job(ctx, name, tick=ctx.clock(), trigger="manual", company_id=company_id)
    if run is None:
        raise Conflict(f"job {name!r} is running right now; try again in a moment")
    return run
