"""Plain-text renderings for the screens: the X/Z report and the F-key legend."""

from __future__ import annotations

from desktop.devices.printer.device import PrinterStatus
from desktop.devices.printer.print_queue import QueueState
from desktop.domain.shift import CashCount, ShiftReport
from shared.money import format_inr

__all__ = ("format_report", "printer_text")


def printer_text(state: QueueState) -> str:
    """The status bar's printer part: trouble and the retry first, else how it is."""
    waiting = f"{state.pending} job{'s' if state.pending != 1 else ''} waiting"
    if state.detail:
        parts = [f"Printer: {state.detail}"]
        if state.pending:
            parts.append(waiting)
        if state.retry_in_s:
            parts.append(f"next try in {state.retry_in_s:.0f} s (Ctrl+P: now)")
        return " · ".join(parts)
    if state.pending:
        return f"Printer: printing, {waiting}"
    if state.status is PrinterStatus.PAPER_LOW:
        return "Printer: paper low, change the roll soon"
    return "Printer ready"


def format_report(
    report: ShiftReport,
    *,
    z_number: int | None = None,
    count: CashCount | None = None,
    show_expected: bool = True,
) -> str:
    """The shift report as the screen shows it.

    ``show_expected=False`` hides the expected cash and the over/short (the blind close);
    only a supervisor's screen passes ``True`` once a count exists.
    """
    title = f"Z REPORT No. {z_number}" if z_number is not None else "X REPORT (no reset)"
    lines = [
        title,
        "",
        f"Invoices        {report.sales_count:>6}   {report.first_number or '-'} .. "
        f"{report.last_number or '-'}",
        f"Gross sales     {format_inr(report.gross_sales):>16}",
        f"Returns ({report.returns_count:>3})   {format_inr(report.returns_total):>16}",
        f"Net sales       {format_inr(report.net_sales):>16}",
        f"Discounts       {format_inr(report.discounts):>16}",
        f"Round-off       {format_inr(report.round_off):>16}",
        "",
        "Tenders",
    ]
    lines += [
        f"  {method.value.upper():<12}  {format_inr(amount):>16}"
        for method, amount in report.tenders
    ]
    lines += ["", "GST by rate       taxable       CGST       SGST       IGST"]
    for row in report.gst_by_rate:
        lines.append(
            f"  {row.rate:>5}%  {format_inr(row.taxable):>12} {format_inr(row.cgst):>10} "
            f"{format_inr(row.sgst):>10} {format_inr(row.igst):>10}"
        )
    lines += [
        "",
        f"Voided lines    {report.voided_lines:>6}",
        f"Abandoned sales {report.voided_sales:>6}   {format_inr(report.voided_amount)}"
        " (with voided lines)",
        f"Voided invoices {report.voided_invoices:>6}   {format_inr(report.voided_invoices_total)}",
        f"No-sale opens   {report.no_sales:>6}",
        "",
        f"Opening float   {format_inr(report.opening_float):>16}",
        f"Cash in         {format_inr(report.cash_in):>16}",
        f"Cash out        {format_inr(report.cash_out):>16}",
    ]
    if show_expected:
        lines.append(f"Expected cash   {format_inr(report.expected_cash):>16}")
    if count is not None:
        lines.append(f"Counted cash    {format_inr(count.counted):>16}")
        if show_expected:
            word = (
                "OVER" if count.over_short.paise > 0 else "SHORT" if count.over_short else "EXACT"
            )
            lines.append(f"Over/short      {format_inr(count.over_short):>16}  {word}")
    return "\n".join(lines)
