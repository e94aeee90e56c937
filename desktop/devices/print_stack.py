"""The till's live printing: print queue -> receipt printer -> till printer, rebuilt on demand.

:class:`PrintStack` owns the parts the bootstrap wires from the printer settings: the
:class:`~.printer.print_queue.PrintQueue` (worker thread, retries), the
:class:`~.printer.receipt_printer.ReceiptPrinter` (layout + ESC/POS rendering) and the
:class:`~.till_printer.TillPrinter` that the till's services call as their printer and
drawer. :meth:`PrintStack.reconfigure` swaps in a new printer without a restart: jobs still
waiting move to the new queue in order, so nothing queued is lost.

Status changes reach every listener added with :meth:`PrintStack.listen`, **on the queue's
worker thread**; a Qt screen re-emits them as a signal before touching widgets.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from desktop.devices.printer.device import Printer
from desktop.devices.printer.print_queue import Backoff, PrintQueue, QueueState
from desktop.devices.printer.receipt_printer import ReceiptPrinter
from desktop.devices.printer.transports import PrinterSettings, make_printer
from desktop.devices.till_printer import ReceiptExtras, TillPrinter

__all__ = ("PrintStack",)

_log = logging.getLogger(__name__)


class PrintStack:
    """The print queue, receipt printer and till printer of one till."""

    def __init__(
        self,
        settings: PrinterSettings,
        extras: ReceiptExtras,
        *,
        now: Callable[[], datetime],
        preview: Path | None = None,
        backoff: Backoff | None = None,
        device: Printer | None = None,
    ) -> None:
        """Build and start printing.

        Args:
            settings: which printer and how receipts are laid out.
            extras: store particulars the receipts print (phone, footer).
            now: the till's clock, for report and test-page times.
            preview: a text file each job is also appended to as plain text (demo mode).
            backoff: the waits between attempts at a failing job.
            device: the printer to use instead of the one the settings name (tests).

        Raises:
            DeviceConfigError: the settings' printer library is missing.
        """
        # python-escpos takes ~0.5 s to import; load it off the GUI thread while the cashier
        # logs in, so the first receipt does not wait for it
        threading.Thread(
            target=importlib.import_module, args=("escpos.printer",), daemon=True
        ).start()
        self._now = now
        self._backoff = backoff
        self._preview = preview
        self._listeners: list[Callable[[QueueState], None]] = []
        self._lock = threading.Lock()
        self.settings = settings
        self.queue = self._queue(settings, device)
        self.receipts = ReceiptPrinter(self.queue, settings, preview=preview)
        self.till_printer = TillPrinter(self.receipts, extras, now=now)

    def _queue(self, settings: PrinterSettings, device: Printer | None) -> PrintQueue:
        queue = PrintQueue(
            device if device is not None else make_printer(settings),
            self._publish,
            backoff=self._backoff,
        )
        queue.start()
        return queue

    def _publish(self, state: QueueState) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(state)
            except Exception:  # one broken screen must not silence the others
                _log.exception("printer status listener failed")

    def listen(self, listener: Callable[[QueueState], None]) -> None:
        """Tell ``listener`` about every change of printer status (on the worker thread)."""
        with self._lock:
            self._listeners.append(listener)

    def unlisten(self, listener: Callable[[QueueState], None]) -> None:
        """Stop telling ``listener``."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    @property
    def state(self) -> QueueState:
        """The printer's status and the queue's length, as last seen."""
        return self.queue.state

    def retry_now(self) -> None:
        """Try the waiting job again at once (paper loaded, cable plugged back in)."""
        self.queue.retry_now()

    def print_test_page(self) -> None:
        """Queue a test page on the printer in use."""
        self.receipts.print_test_page(self._now())

    def reconfigure(
        self, settings: PrinterSettings, extras: ReceiptExtras, device: Printer | None = None
    ) -> None:
        """Print with new settings from now on; waiting jobs move to the new printer.

        Raises:
            DeviceConfigError: the new printer's library is missing (the old one stays).
        """
        queue = self._queue(settings, device)
        old, self.queue = self.queue, queue
        old.stop(timeout=1.0)
        for job in old.pending():
            queue.submit(job.data, job.label)
        self.settings = settings
        self.receipts = ReceiptPrinter(queue, settings, preview=self._preview)
        self.till_printer.printer = self.receipts
        self.till_printer.extras = extras

    def close(self, drain_s: float = 2.0) -> None:
        """Give waiting jobs ``drain_s`` seconds to print, then stop the worker."""
        self.queue.wait_idle(drain_s)
        self.queue.stop()
