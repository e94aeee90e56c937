"""Kill a selling till with SIGKILL at random moments, many times: nothing is lost or doubled."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.domain.audit import verify_chain
from desktop.store.sqlite_store import SqliteStore
from shared.invoice_series import parse_invoice_number

ROOT = Path(__file__).resolve().parents[2]
KILLS = 6


def run_and_kill(data_dir: Path, rng: random.Random) -> list[tuple[str, str]]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.desktop.crash_child", str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert child.stdout is not None
    first = child.stdout.readline()
    assert first.strip() == "ready", child.stderr.read() if child.stderr else first
    time.sleep(rng.uniform(0.05, 0.4))
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate(timeout=30)
    reported = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "committed":  # a torn last line is ignored
            reported.append((parts[1], parts[2]))
    return reported


@pytest.mark.slow
def test_sigkill_during_sales_never_loses_or_repeats_a_sale(tmp_path: Path) -> None:
    rng = random.Random(20260509)
    reported: list[tuple[str, str]] = []
    for _ in range(KILLS):
        reported += run_and_kill(tmp_path, rng)
        conn = sqlite3.connect(tmp_path / "till.sqlite3")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT number, sale_id FROM sales WHERE kind = 'sale'").fetchall()
        events = conn.execute(
            "SELECT payload FROM outbox WHERE event_type = 'sale_completed'"
        ).fetchall()
        conn.close()
        stored = dict(rows)
        # every sale the till reported as complete is there, exactly once
        for number, sale_id in reported:
            assert stored[number] == sale_id
        assert len(events) == len(rows)
        assert sum(
            sale_id.encode() in payload for (payload,) in events for sale_id in stored.values()
        ) == len(rows)
        # numbers are consecutive from 1 with no gap and no reuse
        seqs = sorted(parse_invoice_number(number).seq for number in stored)
        assert seqs == list(range(1, len(seqs) + 1))
    assert len(reported) >= 5 * KILLS  # the till did sell between kills

    store = SqliteStore(
        tmp_path / "till.sqlite3",
        ids=lambda: None,
        store_code="DEMO",
        terminal_code="T1",  # type: ignore[arg-type,return-value]
    )
    try:
        assert verify_chain(store.audit_entries()) is None
        seqs = [event.seq for event in store.outbox_events()]
        assert seqs == sorted(set(seqs))
    finally:
        store.close()
