"""The clock as a dependency: services ask it for the time, so tests can move time by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ("Clock", "FakeClock", "system_clock")

Clock = Callable[[], datetime]
"""A function returning the current time as an aware UTC ``datetime``."""


def system_clock() -> datetime:
    """Return the real current time in UTC."""
    return datetime.now(UTC)


class FakeClock:
    """A clock that stands still until told to move (for tests and demos)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        """Return the clock's current time."""
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)
