"""HTTP routes of the scheduled jobs: their state for admins, and a run by hand."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.params import JSONBody

from sync_server.jobs.runner import JobRunView, JobState, job_states, run_by_hand
from sync_server.lib.web import Actor, Ctx

__all__ = ("JobController", "JobRunRequest")


class JobRunRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Which job to run now (``expire-reservations`` for company admins)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]


class JobController(Controller):
    """Jobs: schedule, newest run, next tick; and running the reservation cleanup now."""

    path = "/api/v1/jobs"
    tags = ["jobs"]  # noqa: RUF012 - Litestar reads it

    @get("/", operation_id="ListJobs")
    async def list_jobs(self, ctx: Ctx, principal: Actor, state: State) -> list[JobState]:
        """Every job with its newest run and next tick (company and platform admins)."""
        return await job_states(ctx, principal, runs_here=state.get("scheduler") is not None)

    @post("/run", operation_id="RunJob", status_code=200)
    async def run(self, ctx: Ctx, principal: Actor, data: JSONBody[JobRunRequest]) -> JobRunView:
        """Run a job now (company admins: the reservation cleanup, for their company)."""
        return await run_by_hand(ctx, principal, data.name)
