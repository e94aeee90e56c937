"""Fakes for the device and clock ports, used by tests and by ``galla-till --demo``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from desktop.domain.document import SaleDocument
from desktop.domain.shift import CashCount, ShiftReport
from desktop.errors import PrinterOffline

__all__ = ("FakeClock", "FakeDrawer", "FakePrinter")


class FakeClock:
    """A clock that stands still until moved.

    Args:
        start: the time it shows first (timezone-aware).
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start time")
        self._now = start

    def now(self) -> datetime:
        """The time it shows."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move the time on."""
        self._now += delta


@dataclass
class FakePrinter:
    """Remembers what it was asked to print; set ``offline`` to make it fail.

    Attributes:
        receipts: (document, duplicate) for each printed receipt.
        reports: (report, z_number, count) for each printed shift report.
        offline: when ``True`` every job raises :class:`PrinterOffline`.
        opens_drawer_on_cash: it never does; the services kick the (fake) drawer.
    """

    opens_drawer_on_cash = False
    receipts: list[tuple[SaleDocument, bool]] = field(default_factory=list)
    reports: list[tuple[ShiftReport, int | None, CashCount | None]] = field(default_factory=list)
    offline: bool = False

    def print_receipt(self, document: SaleDocument, *, duplicate: bool = False) -> None:
        """Record the receipt, or fail when offline."""
        if self.offline:
            raise PrinterOffline("printer is offline")
        self.receipts.append((document, duplicate))

    def print_shift_report(
        self, report: ShiftReport, *, z_number: int | None, count: CashCount | None
    ) -> None:
        """Record the report, or fail when offline."""
        if self.offline:
            raise PrinterOffline("printer is offline")
        self.reports.append((report, z_number, count))


@dataclass
class FakeDrawer:
    """Counts how often it was kicked open; set ``broken`` to make it fail.

    Attributes:
        kicks: how many times it opened.
        broken: when ``True`` :meth:`kick` raises :class:`PrinterOffline`.
    """

    kicks: int = 0
    broken: bool = False

    def kick(self) -> None:
        """Open (count it), or fail when broken."""
        if self.broken:
            raise PrinterOffline("drawer is not connected")
        self.kicks += 1
