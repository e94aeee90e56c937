"""The till's printer and drawer ports, served by the device layer.

:class:`TillPrinter` implements :class:`desktop.services.ports.ReceiptPrinter` and
:class:`desktop.services.ports.CashDrawer`: it turns the till's completed
:class:`~desktop.domain.document.SaleDocument` and :class:`~desktop.domain.shift.ShiftReport`
into the device layer's :class:`~desktop.devices.printer.receipt.ReceiptData` and
:class:`~desktop.devices.printer.receipt.ShiftReport`, and queues them. It never raises for a
printer problem: jobs wait in the print queue, so a sale is never blocked by printing.

A receipt with a cash tender kicks the drawer itself; :meth:`TillPrinter.kick` is for the
supervised no-sale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

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
from desktop.domain import document as till_document
from desktop.domain import shift as till_shift
from desktop.domain.tender import Method
from shared.gstin import state_name
from shared.money import Money

__all__ = ("IST", "ReceiptExtras", "TillPrinter")

IST = timezone(timedelta(hours=5, minutes=30), "IST")
"""India Standard Time: receipts print the local time of the store."""

_METHODS = {Method.CASH: "Cash", Method.CARD: "Card", Method.UPI: "UPI"}


@dataclass(frozen=True, slots=True)
class ReceiptExtras:
    """Printed particulars the till's documents do not carry.

    Attributes:
        address_lines: the store's address as printed lines (``()`` = the till's one line).
        phone: the store's phone number.
        composition: the store is a composition dealer (its documents are bills of supply).
        footer_lines: closing text such as a returns policy.
        tz: the time zone receipts print in.
    """

    address_lines: tuple[str, ...] = ()
    phone: str = ""
    composition: bool = False
    footer_lines: tuple[str, ...] = ()
    tz: tzinfo = IST


def _state(code: str) -> str:
    try:
        return state_name(code)
    except ValueError:
        return ""


class TillPrinter:
    """The till's :class:`ReceiptPrinter` and :class:`CashDrawer` ports over the print queue."""

    def __init__(
        self,
        printer: ReceiptPrinter,
        extras: ReceiptExtras | None = None,
        *,
        now: Callable[[], datetime],
    ) -> None:
        """Print through ``printer``.

        Args:
            printer: the device layer's receipt printer (with its queue).
            extras: store particulars not on the till's documents.
            now: the till's clock (aware datetimes), for report print times.
        """
        self.printer = printer
        self.extras = extras or ReceiptExtras()
        self._now = now
        self._last_store: till_document.StoreInfo | None = None

    def _store(self, store: till_document.StoreInfo) -> StoreInfo:
        self._last_store = store
        return StoreInfo(
            name=store.name,
            address_lines=self.extras.address_lines or ((store.address,) if store.address else ()),
            gstin=store.gstin,
            state_name=_state(store.state_code),
            state_code=store.state_code,
            phone=self.extras.phone,
            composition=self.extras.composition,
        )

    def receipt_data(
        self, document: till_document.SaleDocument, *, duplicate: bool = False
    ) -> ReceiptData:
        """The receipt of a completed sale or return, as the device layer prints it."""
        store = self._store(document.store)
        if document.kind is till_document.DocumentKind.RETURN:
            kind = ReceiptKind.CREDIT_NOTE
        elif store.composition:
            kind = ReceiptKind.BILL_OF_SUPPLY
        else:
            kind = ReceiptKind(document.gst_kind)
        local = document.created_at.astimezone(self.extras.tz)
        original = document.original_date
        return ReceiptData(
            kind=kind,
            store=store,
            number=document.number,
            issued_at=local,
            cashier=document.cashier_name,
            terminal=document.store.terminal_code,
            lines=tuple(
                ReceiptLine(
                    name=line.name,
                    hsn=line.hsn,
                    quantity=line.quantity,
                    unit=line.unit.upper(),
                    rate=line.unit_price,
                    amount=line.total,
                    tax_rate=line.rate,
                    discount=line.discount,
                )
                for line in document.lines
            ),
            tax_rows=tuple(
                TaxRateRow(row.rate, row.taxable, row.cgst, row.sgst, row.igst, row.cess)
                for row in document.rate_summary
            ),
            taxable_total=Money(sum(line.taxable.paise for line in document.lines)),
            tax_total=document.tax,
            round_off=document.round_off,
            total=document.grand_total,
            tenders=tuple(
                Tender(
                    _METHODS.get(payment.method, str(payment.method)),
                    abs(payment.amount),
                    payment.reference or "",
                    is_cash=payment.method is Method.CASH,
                )
                for payment in document.tendered
            ),
            change=document.change,
            inter_state=document.inter_state,
            customer_gstin=document.customer_gstin or "",
            original_number=document.original_number or "",
            original_issued_at=original.astimezone(self.extras.tz) if original else None,
            duplicate=duplicate,
            footer_lines=self.extras.footer_lines,
            total_discount=document.discount,
        )

    @property
    def opens_drawer_on_cash(self) -> bool:
        """Always: a cash receipt carries the drawer kick (if the settings allow one at all)."""
        return True

    def print_receipt(
        self, document: till_document.SaleDocument, *, duplicate: bool = False
    ) -> None:
        """Queue the receipt (a cash tender also opens the drawer, a duplicate never does)."""
        self.printer.print_receipt(self.receipt_data(document, duplicate=duplicate))

    def report_data(
        self,
        report: till_shift.ShiftReport,
        *,
        z_number: int | None,
        count: till_shift.CashCount | None,
        cashier: str = "",
    ) -> ShiftReport:
        """The X report (``z_number`` is ``None``) or Z report as the device layer prints it."""
        store = self._last_store
        tenders = tuple((_METHODS.get(m, str(m)), amount) for m, amount in report.tenders)
        cash = dict(report.tenders).get(Method.CASH, Money(0))
        return ShiftReport(
            kind=ReportKind.X if z_number is None else ReportKind.Z,
            store=self._store(store) if store else StoreInfo("", (), "", "", ""),
            terminal=store.terminal_code if store else "",
            cashier=cashier,
            opened_at=None,
            printed_at=self._now().astimezone(self.extras.tz),
            z_number=z_number or 0,
            first_invoice=report.first_number or "",
            last_invoice=report.last_number or "",
            invoice_count=report.sales_count,
            gross_sales=report.gross_sales,
            discounts=report.discounts,
            returns=report.returns_total,
            net_sales=report.net_sales,
            round_off=report.round_off,
            tax_rows=tuple(
                TaxRateRow(row.rate, row.taxable, row.cgst, row.sgst, row.igst, row.cess)
                for row in report.gst_by_rate
            ),
            tenders=tenders,
            opening_float=report.opening_float,
            cash_sales=cash,
            cash_refunds=Money(0),
            cash_in=report.cash_in,
            cash_out=report.cash_out,
            expected_cash=report.expected_cash,
            counted_cash=count.counted if count is not None else None,
            voids=report.voided_lines + report.voided_sales + report.voided_invoices,
            no_sales=report.no_sales,
        )

    def print_shift_report(
        self,
        report: till_shift.ShiftReport,
        *,
        z_number: int | None,
        count: till_shift.CashCount | None,
    ) -> None:
        """Queue an X or Z report; with a count it shows expected, counted and over/short."""
        self.printer.print_report(self.report_data(report, z_number=z_number, count=count))

    def kick(self) -> None:
        """Open the drawer for a supervised no-sale (the till checked the PIN)."""
        self.printer.open_drawer()
