"""Fixtures for the till sync tests: a real temp-file till database and its ledger."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.store.sqlite_store import SqliteStore
from desktop.sync.ledger import EnrolmentRecord, Ledger
from shared.ids import IdFactory
from tests.desktop.sync.factory import STORE

TERMINAL = "0190aaaa-0000-7000-8000-00000000000a"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    ids = IdFactory(clock_ms=lambda: time.time_ns() // 1_000_000, entropy=os.urandom)
    opened = SqliteStore(tmp_path / "till.sqlite3", ids=ids, store_code="BLR1", terminal_code="01")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def ledger(store: SqliteStore) -> Iterator[Ledger]:
    made = Ledger(store)
    try:
        yield made
    finally:
        made.close()


def enrolment_record(url: str = "http://127.0.0.1:9", ref: str = "x") -> EnrolmentRecord:
    return EnrolmentRecord(
        server_url=url,
        company_id="0190aaaa-0000-7000-8000-0000000000c0",
        store_id=STORE,
        terminal_id=TERMINAL,
        server_terminal_code="T01",
        invoice_terminal_code="01",
        credential_backend="file",
        credential_ref=ref,
        enrolled_at="2026-05-09T04:30:00.000000Z",
    )


@pytest.fixture
def enrolled(ledger: Ledger) -> Ledger:
    ledger.record_enrolment(enrolment_record())
    return ledger
