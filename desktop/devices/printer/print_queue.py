"""The print queue: jobs go out on a worker thread, in order, retried until they print.

The till commits a sale first and then calls :meth:`PrintQueue.submit`, which only appends
to a queue and returns: it never raises for a device problem, never waits for the printer,
and so can never block or undo a sale. The worker sends the oldest job; if the printer fails
(paper out, offline, any error) the job stays at the head, the status listener hears why, and
the worker waits with exponential backoff (1 s, 2 s, 4 s... up to 30 s) before trying again.
:meth:`PrintQueue.retry_now` cuts the wait short (the cashier pressed "retry" after loading
paper). Jobs live in memory: after a restart, the till reprints from its sales history.

The status listener is called on the worker thread; a Qt screen must hop to the GUI thread
(e.g. emit a signal) before touching widgets.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from desktop.devices.errors import PaperOut, PrinterOffline
from desktop.devices.printer.device import Printer, PrinterStatus

__all__ = ("Backoff", "PrintJob", "PrintQueue", "QueueState", "StatusListener")

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PrintJob:
    """One whole job: a receipt, a report, a test page or a drawer kick.

    Attributes:
        job_id: the queue's number for it, growing from 1.
        label: what it is, for the cashier ("Invoice T01/2526/000123").
        data: the ESC/POS bytes, or a function that renders them; the worker calls it
            before the first attempt, so rendering never runs on the caller's thread.
    """

    job_id: int
    label: str
    data: bytes | Callable[[], bytes]


@dataclass(frozen=True, slots=True)
class QueueState:
    """What the cashier's status bar shows about printing.

    Attributes:
        status: the printer's state as last seen.
        pending: how many jobs are waiting (including one being retried).
        detail: a sentence for the cashier, ``""`` when all is well.
        retry_in_s: seconds until the next attempt, ``0`` when not waiting.
    """

    status: PrinterStatus
    pending: int
    detail: str = ""
    retry_in_s: float = 0.0


StatusListener = Callable[[QueueState], None]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff between attempts at a failing job.

    Attributes:
        first_s: the wait after the first failure.
        factor: how much each further failure multiplies the wait.
        max_s: the longest wait.
    """

    first_s: float = 1.0
    factor: float = 2.0
    max_s: float = 30.0

    def delay(self, failures: int) -> float:
        """The wait after ``failures`` consecutive failures (``failures >= 1``)."""
        return min(self.max_s, self.first_s * self.factor ** max(0, failures - 1))


class PrintQueue:
    """A background worker that prints jobs in order and retries failures."""

    def __init__(
        self,
        printer: Printer,
        on_status: StatusListener | None = None,
        *,
        backoff: Backoff | None = None,
        check_status: bool = True,
    ) -> None:
        """Make a stopped queue; :meth:`start` starts its worker.

        Args:
            printer: where jobs go.
            on_status: told about every change of status or queue length.
            backoff: the waits between attempts at a failing job.
            check_status: ask the printer for paper/online status before each job, and hold
                the job (without sending half of it) when it reports paper out or offline.
        """
        self._printer = printer
        self._on_status = on_status
        self._backoff = backoff or Backoff()
        self._check_status = check_status
        self._jobs: deque[PrintJob] = deque()
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._wake = False
        self._stopping = False
        self._busy = False
        self._thread: threading.Thread | None = None
        self._state = QueueState(PrinterStatus.UNKNOWN, 0)

    # ------------------------------------------------------------------ caller side
    def start(self) -> None:
        """Start the worker thread (once)."""
        with self._cond:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)
            self._thread.start()

    def submit(self, data: bytes | Callable[[], bytes], label: str) -> PrintJob:
        """Queue a job (its bytes, or a function rendering them) and return at once.

        Never raises for a printer problem: a sale that was committed stays committed.
        """
        with self._cond:
            job = PrintJob(next(self._ids), label, data)
            self._jobs.append(job)
            state = QueueState(self._state.status, len(self._jobs), self._state.detail)
            self._cond.notify_all()
        self._publish(state)
        return job

    def pending(self) -> tuple[PrintJob, ...]:
        """The jobs not yet printed, oldest first."""
        with self._cond:
            return tuple(self._jobs)

    @property
    def state(self) -> QueueState:
        """The latest status, as last told to the listener."""
        with self._cond:
            return self._state

    def retry_now(self) -> None:
        """Cut short the wait before the next attempt (paper was loaded, cable plugged in)."""
        with self._cond:
            self._wake = True
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every job has printed; ``False`` if ``timeout`` seconds pass first."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._jobs and not self._busy, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker; unprinted jobs stay in :meth:`pending`."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        self._printer.close()

    # ------------------------------------------------------------------ worker side
    def _publish(self, state: QueueState) -> None:
        with self._cond:
            changed = state != self._state
            self._state = state
        if changed and self._on_status is not None:
            try:
                self._on_status(state)
            except Exception:  # a broken status bar must not stop receipts printing
                _log.exception("print queue status listener failed")

    def _run(self) -> None:
        failures = 0
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping or bool(self._jobs))
                if self._stopping:
                    return
                job = self._jobs[0]
                self._busy = True
            if callable(job.data):
                rendered = self._render(job)
                if rendered is None:
                    continue
                job = rendered
            printed, status, detail = self._attempt(job)
            with self._cond:
                if printed:
                    self._jobs.popleft()
                left = len(self._jobs)
            if printed:
                failures = 0
                self._publish(QueueState(status, left))
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
                continue
            failures += 1
            delay = self._backoff.delay(failures)
            self._publish(QueueState(status, left, detail, delay))
            with self._cond:
                self._busy = False
                self._cond.notify_all()
                self._wake = False
                self._cond.wait_for(lambda: self._stopping or self._wake, delay)
                if self._stopping:
                    return

    def _render(self, job: PrintJob) -> PrintJob | None:
        """Render a job's bytes in place; a job that cannot be rendered is dropped (logged)."""
        assert callable(job.data)
        try:
            rendered = PrintJob(job.job_id, job.label, job.data())
        except Exception:  # a layout bug must not stop the jobs behind it
            _log.exception("print job %s (%s) could not be rendered", job.job_id, job.label)
            with self._cond:
                self._jobs.popleft()
                self._busy = False
                left = len(self._jobs)
                self._cond.notify_all()
            self._publish(
                QueueState(
                    PrinterStatus.ERROR, left, f"{job.label} could not be laid out; reprint it."
                )
            )
            return None
        with self._cond:
            self._jobs[0] = rendered
        return rendered

    def _attempt(self, job: PrintJob) -> tuple[bool, PrinterStatus, str]:
        """Try one job: whether it printed, the printer's status, and why not."""
        if self._check_status:
            before = self._printer.status()
            if before in _HOLDING:
                return False, before, _DETAIL[before]
        try:
            assert isinstance(job.data, bytes)
            self._printer.send(job.data)
        except PaperOut:
            return False, PrinterStatus.PAPER_OUT, _DETAIL[PrinterStatus.PAPER_OUT]
        except PrinterOffline:
            return False, PrinterStatus.OFFLINE, _DETAIL[PrinterStatus.OFFLINE]
        except Exception as error:  # a printer bug must not kill the worker
            return False, PrinterStatus.ERROR, f"The printer failed ({error}); will retry."
        after = self._printer.status() if self._check_status else PrinterStatus.OK
        return True, PrinterStatus.OK if after is PrinterStatus.UNKNOWN else after, ""


_HOLDING = (PrinterStatus.PAPER_OUT, PrinterStatus.OFFLINE)
_DETAIL = {
    PrinterStatus.PAPER_OUT: "The printer is out of paper. Load a roll; printing will resume.",
    PrinterStatus.OFFLINE: "The printer is not answering. Check power and cable; will retry.",
}
