"""The receipt printer: GST receipt values, pure layout, ESC/POS rendering, transports, queue.

The till builds a :class:`ReceiptData` (usually :meth:`ReceiptData.from_invoice`), and after
the sale commits calls :class:`ReceiptPrinter`; the :class:`PrintQueue` prints on its own
thread, retries, and reports status. :func:`make_printer` picks the transport from
:class:`PrinterSettings`; :class:`FakePrinter` stands in for it in tests and the demo.
"""

from desktop.devices.printer.device import EscposPrinter, FakePrinter, Printer, PrinterStatus
from desktop.devices.printer.layout import LayoutOptions, ReceiptCode, RupeeMode
from desktop.devices.printer.print_queue import Backoff, PrintJob, PrintQueue, QueueState
from desktop.devices.printer.receipt import (
    ReceiptData,
    ReceiptKind,
    ReceiptLine,
    ReportKind,
    ShiftReport,
    StoreInfo,
    TaxRateRow,
    Tender,
)
from desktop.devices.printer.receipt_printer import ReceiptPrinter
from desktop.devices.printer.transports import Backend, PrinterSettings, make_printer

__all__ = (
    "Backend",
    "Backoff",
    "EscposPrinter",
    "FakePrinter",
    "LayoutOptions",
    "PrintJob",
    "PrintQueue",
    "Printer",
    "PrinterSettings",
    "PrinterStatus",
    "QueueState",
    "ReceiptCode",
    "ReceiptData",
    "ReceiptKind",
    "ReceiptLine",
    "ReceiptPrinter",
    "ReportKind",
    "RupeeMode",
    "ShiftReport",
    "StoreInfo",
    "TaxRateRow",
    "Tender",
    "make_printer",
)
