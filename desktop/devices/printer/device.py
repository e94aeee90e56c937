"""The printer port: send a finished job's bytes, ask for status; a real adapter and a fake.

A :class:`Printer` takes whole jobs (bytes rendered by :mod:`.escpos_render`) and raises the
device errors of :mod:`desktop.devices.errors` when it cannot print them. Status is best
effort: only USB, serial and network printers can answer, and many clones answer wrongly, so
:attr:`PrinterStatus.UNKNOWN` is a normal answer and never stops a job from being tried.
"""

from __future__ import annotations

import contextlib
import enum
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from escpos.escpos import Escpos

from desktop.devices.errors import PaperOut, PrinterError, PrinterOffline

__all__ = ("EscposPrinter", "FakePrinter", "Printer", "PrinterStatus")


class PrinterStatus(enum.Enum):
    """What the till shows the cashier about the printer."""

    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"
    ERROR = "error"
    UNKNOWN = "unknown"


class Printer(Protocol):
    """A receipt printer that takes whole jobs."""

    def send(self, data: bytes) -> None:
        """Print one job.

        Raises:
            PaperOut: the printer has no paper.
            PrinterOffline: the printer did not answer.
            PrinterError: any other failure.
        """

    def status(self) -> PrinterStatus:
        """Ask the printer how it is; :attr:`PrinterStatus.UNKNOWN` when it cannot say."""

    def close(self) -> None:
        """Release the device; the next job opens it again."""


class EscposPrinter:
    """A python-escpos transport (USB, serial, network, file, CUPS) as a :class:`Printer`.

    The escpos object is made by ``factory`` on first use and dropped after any failure, so
    a printer that was power-cycled or re-plugged is opened afresh on the retry (re-using a
    stale USB handle is a known python-escpos trap).
    """

    def __init__(self, factory: Callable[[], Escpos], *, reads_status: bool = False) -> None:
        """Wrap a python-escpos printer.

        Args:
            factory: makes the (unopened) python-escpos printer object.
            reads_status: whether the transport can read status bytes back (USB, serial,
                network); asking a write-only one raises inside python-escpos.
        """
        self._factory = factory
        self._reads_status = reads_status
        self._device: Escpos | None = None
        self._lock = threading.Lock()

    def _escpos(self) -> Escpos:
        if self._device is None:
            self._device = self._factory()
        return self._device

    def send(self, data: bytes) -> None:
        """Write the job in one piece, then flush it to the device."""
        with self._lock:
            try:
                device = self._escpos()
                device._raw(data)
                flush = getattr(device, "flush", None)
                if callable(flush):
                    flush()
            except PrinterError:
                self._drop()
                raise
            except Exception as error:  # every library and OS failure means "did not print"
                self._drop()
                raise PrinterOffline(f"the receipt printer did not answer: {error}") from error

    def status(self) -> PrinterStatus:
        """Ask for paper and online status where the transport can read (best effort)."""
        if not self._reads_status:
            return PrinterStatus.UNKNOWN
        with self._lock:
            try:
                device = self._escpos()
                if not device.is_online():
                    return PrinterStatus.OFFLINE
                paper = device.paper_status()
            except NotImplementedError:
                return PrinterStatus.UNKNOWN
            except Exception:
                self._drop()
                return PrinterStatus.OFFLINE
        return {0: PrinterStatus.PAPER_OUT, 1: PrinterStatus.PAPER_LOW}.get(paper, PrinterStatus.OK)

    def close(self) -> None:
        """Close the device if it was opened."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            # closing a broken device may fail too; it is dropped either way
            with contextlib.suppress(Exception):
                device.close()


class FakePrinter:
    """A printer for tests and demos: keeps every job; can be told to fail or report status.

    Attributes:
        jobs: the bytes of every job printed, in order.
        attempts: how many times :meth:`send` was called, failures included.
    """

    def __init__(self) -> None:
        self.jobs: list[bytes] = []
        self.attempts = 0
        self._failures: list[Exception] = []
        self._status = PrinterStatus.OK
        self._lock = threading.Lock()
        self.closed = False

    def fail_next(self, error: Exception, times: int = 1) -> None:
        """Make the next ``times`` calls to :meth:`send` raise ``error``."""
        with self._lock:
            self._failures += [error] * times

    def recover(self) -> None:
        """Forget pending failures and report OK again (the cable is plugged back in)."""
        with self._lock:
            self._failures.clear()
            self._status = PrinterStatus.OK

    def set_status(self, status: PrinterStatus) -> None:
        """Set what :meth:`status` answers; ``PAPER_OUT`` and ``OFFLINE`` also fail sends."""
        with self._lock:
            self._status = status

    def send(self, data: bytes) -> None:
        """Keep ``data`` as a printed job, unless told to fail."""
        with self._lock:
            self.attempts += 1
            if self._failures:
                raise self._failures.pop(0)
            if self._status is PrinterStatus.PAPER_OUT:
                raise PaperOut("the receipt printer is out of paper")
            if self._status is PrinterStatus.OFFLINE:
                raise PrinterOffline("the receipt printer is offline")
            self.jobs.append(data)

    def status(self) -> PrinterStatus:
        """Answer the status set by :meth:`set_status`."""
        with self._lock:
            return self._status

    def close(self) -> None:
        """Remember that the printer was closed."""
        self.closed = True
