"""The print queue never blocks or undoes a sale, retries failed jobs, and reports status."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from desktop.devices.errors import PaperOut, PrinterOffline
from desktop.devices.printer.device import FakePrinter, PrinterStatus
from desktop.devices.printer.print_queue import Backoff, PrintQueue, QueueState
from desktop.devices.printer.receipt_printer import ReceiptPrinter
from desktop.devices.printer.transports import PrinterSettings
from tests.desktop.devices import samples

FAST = Backoff(first_s=0.01, factor=2.0, max_s=0.05)


class Recorder:
    """Collects the states the queue announces, and lets a test wait for one."""

    def __init__(self) -> None:
        self.states: list[QueueState] = []
        self._cond = threading.Condition()

    def __call__(self, state: QueueState) -> None:
        with self._cond:
            self.states.append(state)
            self._cond.notify_all()

    def wait_for(self, status: PrinterStatus, timeout: float = 5.0) -> QueueState:
        with self._cond:
            assert self._cond.wait_for(
                lambda: any(s.status is status for s in self.states), timeout
            ), f"never saw {status}; saw {self.states}"
            return next(s for s in self.states if s.status is status)


@pytest.fixture
def printer() -> FakePrinter:
    return FakePrinter()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def queue(printer: FakePrinter, recorder: Recorder) -> Iterator[PrintQueue]:
    q = PrintQueue(printer, recorder, backoff=FAST)
    q.start()
    yield q
    q.stop()


def test_jobs_print_in_the_order_they_were_submitted(
    queue: PrintQueue, printer: FakePrinter
) -> None:
    for n in range(5):
        queue.submit(f"job {n}".encode(), f"job {n}")
    assert queue.wait_idle(5)
    assert printer.jobs == [f"job {n}".encode() for n in range(5)]
    assert queue.state.status is PrinterStatus.OK
    assert queue.state.pending == 0


def test_a_printer_raising_on_write_leaves_the_sale_committed_and_the_job_queued(
    tmp_path: Path, printer: FakePrinter, recorder: Recorder
) -> None:
    printer.fail_next(OSError("write failed: device disconnected"), times=1000)
    queue = PrintQueue(printer, recorder, backoff=FAST)
    queue.start()
    db = sqlite3.connect(tmp_path / "till.db")
    db.execute("create table sale (number text primary key, total_paise integer)")
    receipt = samples.tax_invoice()
    try:
        with db:  # the till's commit: the sale is done before printing starts
            db.execute("insert into sale values (?, ?)", (receipt.number, receipt.total.paise))
        job = ReceiptPrinter(queue, PrinterSettings()).print_receipt(receipt)

        state = recorder.wait_for(PrinterStatus.ERROR)
        assert "write failed" in state.detail
        assert [j.job_id for j in queue.pending()] == [job.job_id], "the job waits for a retry"
        assert printer.attempts >= 1
        assert db.execute("select * from sale").fetchall() == [("T01/2526/000123", 47900)]

        printer.recover()
        queue.retry_now()
        assert queue.wait_idle(5)
        assert callable(job.data), "rendered on the worker, not the caller's thread"
        assert printer.jobs == [job.data()], "printed exactly once after the retry"
    finally:
        queue.stop()
        db.close()


def test_submit_returns_at_once_even_while_the_printer_hangs() -> None:
    release = threading.Event()

    class HangingPrinter(FakePrinter):
        def send(self, data: bytes) -> None:
            release.wait(5)
            super().send(data)

    printer = HangingPrinter()
    queue = PrintQueue(printer, backoff=FAST)
    queue.start()
    try:
        queue.submit(b"first", "first")
        started = time.perf_counter()
        queue.submit(b"second", "second")
        assert time.perf_counter() - started < 0.05
        release.set()
        assert queue.wait_idle(5)
        assert printer.jobs == [b"first", b"second"]
    finally:
        release.set()
        queue.stop()


def test_paper_out_is_reported_and_the_job_held_until_paper_is_loaded(
    queue: PrintQueue, printer: FakePrinter, recorder: Recorder
) -> None:
    printer.set_status(PrinterStatus.PAPER_OUT)
    queue.submit(b"receipt", "Invoice 1")
    state = recorder.wait_for(PrinterStatus.PAPER_OUT)
    assert state.pending == 1
    assert "out of paper" in state.detail
    assert state.retry_in_s > 0
    assert printer.attempts == 0, "nothing is sent to a printer that says it has no paper"
    printer.set_status(PrinterStatus.OK)
    queue.retry_now()
    assert queue.wait_idle(5)
    assert printer.jobs == [b"receipt"]
    assert recorder.states[-1] == QueueState(PrinterStatus.OK, 0)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (PaperOut("no paper"), PrinterStatus.PAPER_OUT),
        (PrinterOffline("gone"), PrinterStatus.OFFLINE),
        (RuntimeError("firmware bug"), PrinterStatus.ERROR),
    ],
)
def test_each_kind_of_failure_is_reported_as_its_status(
    queue: PrintQueue,
    printer: FakePrinter,
    recorder: Recorder,
    error: Exception,
    status: PrinterStatus,
) -> None:
    printer.fail_next(error)
    queue.submit(b"x", "x")
    recorder.wait_for(status)
    assert queue.wait_idle(5), "the retry after the backoff prints it"
    assert printer.jobs == [b"x"]


def test_a_printer_reporting_low_paper_still_prints_and_says_so(
    queue: PrintQueue, printer: FakePrinter, recorder: Recorder
) -> None:
    printer.set_status(PrinterStatus.PAPER_LOW)
    queue.submit(b"x", "x")
    recorder.wait_for(PrinterStatus.PAPER_LOW)
    assert printer.jobs == [b"x"]


def test_a_printer_that_cannot_tell_its_status_is_shown_as_ok_after_printing(
    queue: PrintQueue, printer: FakePrinter, recorder: Recorder
) -> None:
    printer.set_status(PrinterStatus.UNKNOWN)
    queue.submit(b"x", "x")
    assert queue.wait_idle(5)
    assert recorder.states[-1].status is PrinterStatus.OK


def test_backoff_doubles_up_to_its_ceiling() -> None:
    backoff = Backoff(first_s=1, factor=2, max_s=30)
    assert [backoff.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_retries_back_off_between_attempts(printer: FakePrinter, recorder: Recorder) -> None:
    printer.fail_next(PrinterOffline("gone"), times=3)
    queue = PrintQueue(printer, recorder, backoff=Backoff(0.01, 2, 1))
    queue.start()
    try:
        queue.submit(b"x", "x")
        assert queue.wait_idle(5)
    finally:
        queue.stop()
    waits = [s.retry_in_s for s in recorder.states if s.status is PrinterStatus.OFFLINE]
    assert waits == [0.01, 0.02, 0.04]
    assert printer.attempts == 4


def test_stopping_keeps_unprinted_jobs_and_closes_the_printer(printer: FakePrinter) -> None:
    printer.set_status(PrinterStatus.OFFLINE)
    queue = PrintQueue(printer, backoff=Backoff(10, 2, 10))
    queue.start()
    queue.start()  # starting twice is harmless
    job = queue.submit(b"x", "x")
    queue.stop()
    assert queue.pending() == (job,)
    assert printer.closed


def test_without_status_checks_a_job_is_simply_sent(printer: FakePrinter) -> None:
    queue = PrintQueue(printer, check_status=False)
    queue.start()
    try:
        queue.submit(b"x", "x")
        assert queue.wait_idle(5)
        assert queue.state.status is PrinterStatus.OK
    finally:
        queue.stop()


def test_a_queue_that_was_never_started_holds_its_jobs(printer: FakePrinter) -> None:
    queue = PrintQueue(printer)
    queue.submit(b"x", "x")
    assert not queue.wait_idle(0.05)
    queue.stop()
    assert len(queue.pending()) == 1


# --------------------------------------------------------------- receipt printer
def test_a_reprint_is_a_duplicate_that_does_not_open_the_drawer(
    queue: PrintQueue, printer: FakePrinter
) -> None:
    receipts = ReceiptPrinter(queue, PrinterSettings(columns=32))
    first = receipts.print_receipt(samples.tax_invoice())
    again = receipts.reprint(samples.tax_invoice())
    assert queue.wait_idle(5)
    assert first.label == "Invoice T01/2526/000123"
    assert again.label == "Invoice T01/2526/000123 (duplicate)"
    assert b"\x1bp\x00" in printer.jobs[0]
    assert b"\x1bp\x00" not in printer.jobs[1]
    assert printer.jobs[1].count(b"*** DUPLICATE ***") == 2


def test_the_no_sale_drawer_kick_prints_nothing(queue: PrintQueue, printer: FakePrinter) -> None:
    job = ReceiptPrinter(queue, PrinterSettings(drawer_pin=5)).open_drawer()
    assert queue.wait_idle(5)
    assert job.label == "Open drawer"
    assert printer.jobs == [b"\x1b@\x1bp\x0122"]


def test_reports_and_the_test_page_go_through_the_queue(
    queue: PrintQueue, printer: FakePrinter
) -> None:
    receipts = ReceiptPrinter(queue, PrinterSettings(columns=42, font="b"))
    z = receipts.print_report(samples.z_report())
    page = receipts.print_test_page(datetime(2026, 11, 23, 15, 0))
    credit = receipts.print_receipt(samples.credit_note())
    assert queue.wait_idle(5)
    assert (z.label, page.label, credit.label) == (
        "Z report #41",
        "Test page",
        "Credit note CN/T01/2526/0007",
    )
    assert printer.jobs[1].startswith(b"\x1b@\x1bM\x01"), "font B selected first"
    assert b"in-memory printer, 42 columns, font B" in printer.jobs[1]
