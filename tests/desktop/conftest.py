"""Fixtures for the till: a real temp-file database, fake clock/printer/drawer, demo data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop.bootstrap import Till, build
from desktop.demo import DEMO_USERS, seed_demo
from desktop.domain.catalog import User
from desktop.services.auth import Argon2PinHasher
from desktop.services.fakes import FakeClock, FakeDrawer, FakePrinter
from desktop.settings import Settings, load_settings
from shared.money import Money

IST = timezone(timedelta(hours=5, minutes=30))
CHEAP_HASHER = Argon2PinHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 5, 9, 10, 0, tzinfo=IST))


@pytest.fixture
def printer() -> FakePrinter:
    return FakePrinter()


@pytest.fixture
def drawer() -> FakeDrawer:
    return FakeDrawer()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path, env={})


@pytest.fixture
def till(
    settings: Settings, clock: FakeClock, printer: FakePrinter, drawer: FakeDrawer
) -> Iterator[Till]:
    built = build(settings, clock=clock, printer=printer, drawer=drawer, hasher=CHEAP_HASHER)
    seed_demo(built.store, built.hasher)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def cashier() -> User:
    return DEMO_USERS[0][0]


@pytest.fixture
def supervisor() -> User:
    return DEMO_USERS[1][0]


@pytest.fixture
def open_till(till: Till, cashier: User) -> Till:
    """A till with a shift opened by the cashier with a ₹2,000 float."""
    till.shifts.open(cashier, Money.of_rupees(2000))
    return till
