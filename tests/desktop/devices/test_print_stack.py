"""The till's live print stack: status listeners, a new printer without a restart, render
failures, a printer failing mid-queue, and the status bar's wording."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from desktop.devices.errors import PrinterOffline
from desktop.devices.print_stack import PrintStack
from desktop.devices.printer.device import FakePrinter, PrinterStatus
from desktop.devices.printer.print_queue import Backoff, PrintQueue, QueueState
from desktop.devices.printer.transports import PrinterSettings
from desktop.devices.till_printer import ReceiptExtras
from desktop.ui.text import printer_text

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
SLOW = Backoff(first_s=30.0, max_s=30.0)  # a failed job waits until retry_now()


class Seen:
    """Collects the states a listener hears, and lets a test wait for one."""

    def __init__(self) -> None:
        self.states: list[QueueState] = []
        self._cond = threading.Condition()

    def __call__(self, state: QueueState) -> None:
        with self._cond:
            self.states.append(state)
            self._cond.notify_all()

    def wait_for(self, check, timeout: float = 5.0) -> QueueState:  # type: ignore[no-untyped-def]
        with self._cond:
            assert self._cond.wait_for(lambda: any(check(s) for s in self.states), timeout)
            return next(s for s in reversed(self.states) if check(s))


@pytest.fixture
def device() -> FakePrinter:
    return FakePrinter()


@pytest.fixture
def stack(device: FakePrinter) -> Iterator[PrintStack]:
    built = PrintStack(
        PrinterSettings(), ReceiptExtras(), now=lambda: NOW, backoff=SLOW, device=device
    )
    yield built
    built.close(drain_s=0.1)


def test_status_reaches_every_listener_and_a_broken_one_is_ignored(
    stack: PrintStack, device: FakePrinter
) -> None:
    seen, others = Seen(), Seen()

    def broken(_state: QueueState) -> None:
        raise RuntimeError("a screen that fell over")

    stack.listen(broken)
    stack.listen(seen)
    stack.listen(others)
    device.fail_next(PrinterOffline("unplugged"))
    stack.print_test_page()
    state = seen.wait_for(lambda s: s.status is PrinterStatus.OFFLINE)
    assert state.pending == 1
    assert others.wait_for(lambda s: s.status is PrinterStatus.OFFLINE) == state
    stack.unlisten(others)
    count = len(others.states)
    stack.retry_now()
    seen.wait_for(lambda s: s.pending == 0 and s.status is PrinterStatus.OK)
    assert len(others.states) == count, "an unlistened screen hears nothing more"
    assert len(device.jobs) == 1


def test_a_new_printer_takes_the_waiting_jobs_in_order(
    stack: PrintStack, device: FakePrinter
) -> None:
    device.set_status(PrinterStatus.OFFLINE)
    stack.print_test_page()
    stack.till_printer.kick()
    seen = Seen()
    stack.listen(seen)
    replacement = FakePrinter()
    narrow = PrinterSettings(columns=32)
    footer = ReceiptExtras(footer_lines=("Visit again",))
    stack.reconfigure(narrow, footer, device=replacement)
    assert stack.queue.wait_idle(5)
    assert len(replacement.jobs) == 2
    assert b"48 columns" in replacement.jobs[0], "the test page laid out before the change"
    assert replacement.jobs[1].endswith(b"\x1bp\x00\x32\x32"), "then the drawer kick"
    assert device.jobs == []
    assert device.closed, "the old printer is released"
    assert stack.settings == narrow
    assert stack.till_printer.extras == footer
    assert stack.till_printer.printer is stack.receipts
    stack.print_test_page()
    assert stack.queue.wait_idle(5)
    assert b"32 columns" in replacement.jobs[2], "new jobs use the new settings"
    seen.wait_for(lambda s: s.pending == 0)


def test_a_job_that_cannot_be_rendered_is_dropped_and_the_next_one_prints() -> None:
    device = FakePrinter()
    seen = Seen()
    queue = PrintQueue(device, seen)
    queue.start()
    try:

        def broken() -> bytes:
            raise ValueError("a layout bug")

        queue.submit(broken, "Invoice X1")
        queue.submit(b"next job", "Invoice X2")
        assert queue.wait_idle(5)
        assert device.jobs == [b"next job"]
        state = seen.wait_for(lambda s: s.status is PrinterStatus.ERROR)
        assert state.detail == "Invoice X1 could not be laid out; reprint it."
    finally:
        queue.stop()


def test_a_printer_failing_mid_queue_keeps_every_job_in_order() -> None:
    device = FakePrinter()
    seen = Seen()
    queue = PrintQueue(device, seen, backoff=SLOW)
    for n in range(1, 4):
        queue.submit(f"job {n}".encode(), f"Invoice {n}")
    device.fail_next(PrinterOffline("paper jam"))  # job 1 fails; 2 and 3 wait behind it
    queue.start()
    try:
        state = seen.wait_for(lambda s: s.status is PrinterStatus.OFFLINE)
        assert state.pending == 3
        assert state.retry_in_s == 30.0
        assert device.jobs == []
        assert [job.label for job in queue.pending()] == ["Invoice 1", "Invoice 2", "Invoice 3"]
        queue.retry_now()
        assert queue.wait_idle(5)
        assert device.jobs == [b"job 1", b"job 2", b"job 3"]
    finally:
        queue.stop()


@pytest.mark.parametrize(
    ("state", "text"),
    [
        (QueueState(PrinterStatus.OK, 0), "Printer ready"),
        (QueueState(PrinterStatus.UNKNOWN, 0), "Printer ready"),
        (QueueState(PrinterStatus.OK, 2), "Printer: printing, 2 jobs waiting"),
        (QueueState(PrinterStatus.PAPER_LOW, 0), "Printer: paper low, change the roll soon"),
        (
            QueueState(PrinterStatus.PAPER_OUT, 1, "The printer is out of paper.", 4.0),
            "Printer: The printer is out of paper. · 1 job waiting · next try in 4 s (Ctrl+P: now)",
        ),
        (
            QueueState(PrinterStatus.ERROR, 0, "Invoice X1 could not be laid out."),
            "Printer: Invoice X1 could not be laid out.",
        ),
    ],
)
def test_the_status_bar_says_what_the_printer_is_doing(state: QueueState, text: str) -> None:
    assert printer_text(state) == text
