"""Two real server processes on one database: every job tick runs in exactly one of them."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import asyncpg
import httpx
import pytest

from sync_server.db.embedded import asyncpg_connect_args
from sync_server.jobs.runner import JOBS

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[3]
INTERVAL = 2
SERVE = """
import logging, sys
import uvicorn
from sync_server.app import create_app
from sync_server.settings import ServerSettings
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
uvicorn.run(create_app(ServerSettings.from_env()), host="127.0.0.1", port=int(sys.argv[1]),
            log_level="warning")
"""
LINE = re.compile(r"job (\S+) tick (\S+): (ran here|taken by another)")


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def start(port: int, db_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "GALLA_SECRET_KEY": "two-process-test-key-0123456789",
        "GALLA_JOBS_ENABLED": "1",
        "GALLA_RESERVATION_CLEANUP_SECONDS": str(INTERVAL),
        "GALLA_HOUSEKEEPING_SECONDS": str(INTERVAL),
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", SERVE, str(port)], cwd=ROOT, env=env, stderr=out
        )


def wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server process died on start"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server on port {port} never answered /health")


async def test_two_server_processes_run_each_job_once_per_tick(db_url: str, tmp_path: Path) -> None:
    ports = [free_port(), free_port()]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [start(port, db_url, log) for port, log in zip(ports, logs, strict=True)]
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_healthy(port, proc)
        time.sleep(3 * INTERVAL + 1)  # both processes awake for at least three ticks
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)

    conn = await asyncpg.connect(**asyncpg_connect_args(db_url))
    try:
        rows = await conn.fetch("SELECT job, tick, runner, status FROM job_runs")
    finally:
        await conn.close()
    ran: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        ran[(row["job"], row["tick"].isoformat())].append(row["runner"])
    assert all(len(runners) == 1 for runners in ran.values())
    last = {
        job: max(r["tick"] for r in rows if r["job"] == job) for job in {r["job"] for r in rows}
    }
    # a run can only still read 'running' when the terminate cut it short: its job's last tick
    assert {r["status"] for r in rows if r["tick"] < last[r["job"]]} == {"ok"}
    assert {r["status"] for r in rows} <= {"ok", "running"}

    seen: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    for index, log in enumerate(logs):
        for job, tick, outcome in LINE.findall(log.read_text()):
            seen[(job, tick)][index] = outcome
    both = {key: outcomes for key, outcomes in seen.items() if len(outcomes) == 2}
    for job in JOBS:
        ticks = [key for key in both if key[0] == job]
        assert len(ticks) >= 2, f"{job}: both processes woke for too few ticks: {sorted(seen)}"
        for key in ticks:
            outcomes = sorted(both[key].values())
            assert outcomes == ["ran here", "taken by another"], (key, outcomes)
            assert key in ran  # and the database holds that one run
