"""What the till calls to print: receipts, reprints, reports, a test page, a drawer kick.

Each call lays the document out on the caller's thread (pure, no I/O) and hands the
:class:`~.print_queue.PrintQueue` a job that renders it to ESC/POS bytes on the queue's own
worker, so neither python-escpos nor rendering ever runs on the cashier's thread.
Call it after the sale's transaction has committed.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from desktop.devices.printer.escpos_render import render_bytes
from desktop.devices.printer.layout import (
    Op,
    diagnostic_page_layout,
    drawer_layout,
    plain_text,
    receipt_layout,
    report_layout,
)
from desktop.devices.printer.print_queue import PrintJob, PrintQueue
from desktop.devices.printer.receipt import ReceiptData, ReceiptKind, ShiftReport
from desktop.devices.printer.transports import PrinterSettings

__all__ = ("ReceiptPrinter",)

_log = logging.getLogger(__name__)

_NAMES = {
    ReceiptKind.TAX_INVOICE: "Invoice",
    ReceiptKind.BILL_OF_SUPPLY: "Bill",
    ReceiptKind.INVOICE_CUM_BILL_OF_SUPPLY: "Invoice",
    ReceiptKind.CREDIT_NOTE: "Credit note",
}


class ReceiptPrinter:
    """Lays out, renders and queues every printed document of the till."""

    def __init__(
        self, queue: PrintQueue, settings: PrinterSettings, *, preview: Path | None = None
    ) -> None:
        """Print through ``queue`` with the width, font and options of ``settings``.

        ``preview``, when given, is a text file every job is also appended to as plain text
        (the demo's "printer" a person can read).
        """
        self.queue = queue
        self.settings = settings
        self.preview = preview

    def _submit(self, ops: Iterable[Op], label: str) -> PrintJob:
        ops = tuple(ops)
        profile, font = self.settings.profile or None, self.settings.font
        if self.preview is not None:
            self._write_preview(ops, label)
        # rendered on the queue's worker: the cashier's thread only lays the receipt out
        return self.queue.submit(lambda: render_bytes(ops, profile=profile, font=font), label)

    def _write_preview(self, ops: tuple[Op, ...], label: str) -> None:
        assert self.preview is not None
        text = plain_text(ops, self.settings.columns)
        try:
            with self.preview.open("a", encoding="utf-8") as handle:
                handle.write(f"----- {label} -----\n{text}\n\n")
        except OSError as error:  # a preview is a courtesy; printing goes on without it
            _log.warning("receipt preview %s not written: %s", self.preview, error)

    def print_receipt(self, receipt: ReceiptData) -> PrintJob:
        """Queue a sale's or return's receipt; a cash tender also opens the drawer."""
        label = f"{_NAMES[receipt.kind]} {receipt.number}"
        if receipt.duplicate:
            label += " (duplicate)"
        return self._submit(receipt_layout(receipt, self.settings.layout_options), label)

    def reprint(self, receipt: ReceiptData) -> PrintJob:
        """Queue a copy marked DUPLICATE; it never opens the drawer."""
        return self.print_receipt(dataclasses.replace(receipt, duplicate=True))

    def print_report(self, report: ShiftReport) -> PrintJob:
        """Queue an X or Z report."""
        label = f"{report.kind.value} report" + (f" #{report.z_number}" if report.z_number else "")
        return self._submit(report_layout(report, self.settings.layout_options), label)

    def print_test_page(self, printed_at: datetime) -> PrintJob:
        """Queue a test page describing these settings."""
        ops = diagnostic_page_layout(
            printed_at, [self.settings.describe()], self.settings.layout_options
        )
        return self._submit(ops, "Test page")

    def open_drawer(self) -> PrintJob:
        """Queue a drawer kick with nothing printed.

        For a no-sale: the caller has already checked the supervisor's PIN and written the
        audit event; this only pulses the drawer.
        """
        return self._submit(drawer_layout(self.settings.layout_options), "Open drawer")
