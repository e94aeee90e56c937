"""Receipt layout: plain receipt values in, a tuple of printable operations out (pure).

Nothing here knows ESC/POS. A layout is a tuple of small frozen values (:data:`Op`): lines of
text with alignment, bold and double size, rules, feeds, a QR code or barcode, a cut and a
drawer kick. :mod:`.escpos_render` turns it into printer bytes; :func:`plain_text` turns it into
a preview. Widths are in characters of font A: 32 (58 mm), 42 (80 mm at 180 dpi, or 58 mm in
font B) or 48 (80 mm). Double-size text takes two columns per character.

The rupee sign is in no printer code page. With :attr:`RupeeMode.TEXT` amounts read
``Rs. 1,234.50``; with :attr:`RupeeMode.GLYPH` the layout keeps ``₹`` and the renderer prints
it as a user-defined character. Item amounts print without a currency mark either way.
"""

from __future__ import annotations

import enum
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from desktop.devices.errors import DeviceConfigError
from desktop.devices.printer.receipt import (
    ReceiptData,
    ReceiptKind,
    ReportKind,
    ShiftReport,
    TaxRateRow,
)
from shared.money import Money, format_inr

__all__ = (
    "COLUMN_CHOICES",
    "Align",
    "Barcode",
    "Cut",
    "Feed",
    "KickDrawer",
    "LayoutOptions",
    "Op",
    "QrCode",
    "ReceiptCode",
    "Rule",
    "RupeeMode",
    "Text",
    "diagnostic_page_layout",
    "drawer_layout",
    "plain_text",
    "receipt_layout",
    "report_layout",
)

COLUMN_CHOICES = (32, 42, 48)
"""Supported widths in characters: 58 mm (32), 80 mm Epson 180 dpi or 58 mm font B (42), 80 mm."""

COMPOSITION_DECLARATION = "Composition taxable person, not eligible to collect tax on supplies"


class Align(enum.Enum):
    """Horizontal alignment of a line."""

    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


class RupeeMode(enum.Enum):
    """How the rupee sign is printed."""

    TEXT = "text"
    """``Rs.``: works on every printer."""
    GLYPH = "glyph"
    """``₹`` downloaded as a user-defined character (ESC &); most Epson-compatible printers."""


class ReceiptCode(enum.Enum):
    """The machine-readable receipt number printed for returns."""

    QR = "qr"
    BARCODE = "barcode"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Text:
    """One printed line.

    Attributes:
        text: the characters (already fitted to the width).
        align: where the line sits.
        bold: emphasised.
        double: double width and height (two columns per character).
    """

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    double: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A full-width line of one repeated character."""

    width: int
    char: str = "-"


@dataclass(frozen=True, slots=True)
class Feed:
    """Blank lines."""

    lines: int = 1


@dataclass(frozen=True, slots=True)
class QrCode:
    """A centred QR code of ``data``."""

    data: str
    size: int = 4


@dataclass(frozen=True, slots=True)
class Barcode:
    """A centred Code 128 barcode of ``data``."""

    data: str


@dataclass(frozen=True, slots=True)
class Cut:
    """Feed past the cutter and cut (partially where the printer can)."""


@dataclass(frozen=True, slots=True)
class KickDrawer:
    """Pulse the cash drawer connector (pin 2 = first drawer, pin 5 = second)."""

    pin: int = 2


Op = Text | Rule | Feed | QrCode | Barcode | Cut | KickDrawer


@dataclass(frozen=True, slots=True)
class LayoutOptions:
    """Printer-dependent choices a layout needs.

    Attributes:
        columns: characters per line (32, 42 or 48).
        rupee: how the rupee sign is printed.
        receipt_code: QR code, barcode or nothing for the receipt number.
        kick_drawer: whether a receipt with a cash tender opens the drawer.
        drawer_pin: the drawer connector pin (2 or 5).
    """

    columns: int = 48
    rupee: RupeeMode = RupeeMode.TEXT
    receipt_code: ReceiptCode = ReceiptCode.QR
    kick_drawer: bool = True
    drawer_pin: int = 2

    def __post_init__(self) -> None:
        if self.columns not in COLUMN_CHOICES:
            raise DeviceConfigError(
                f"receipt width must be one of {COLUMN_CHOICES} characters, not {self.columns}"
            )
        if self.drawer_pin not in (2, 5):
            raise DeviceConfigError(f"the drawer pin must be 2 or 5, not {self.drawer_pin}")


# --------------------------------------------------------------------------- formatting
def _number(amount: Money) -> str:
    """An amount without a currency mark: ``1,23,456.78`` or ``-0.40``."""
    return format_inr(amount, ascii=True).replace("Rs. ", "", 1)


def _currency(amount: Money, mode: RupeeMode) -> str:
    return format_inr(amount, ascii=mode is RupeeMode.TEXT)


def _decimal(value: Decimal) -> str:
    """A quantity or rate without trailing zeros: ``2``, ``1.25``, ``0.5``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _percent(rate: Decimal) -> str:
    return f"{_decimal(rate)}%"


def _when(moment: datetime) -> str:
    return moment.strftime("%d-%m-%Y %H:%M")


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def _pair(left: str, right: str, width: int) -> str:
    """``left`` and ``right`` on one line, right-aligned; ``left`` is cut short to fit."""
    room = width - len(right) - 1
    if room < 1:
        return right[-width:].rjust(width)
    return f"{left[:room]:<{room}} {right}"


def _lines(text: str, width: int, align: Align = Align.LEFT, bold: bool = False) -> list[Op]:
    return [Text(line, align, bold) for line in _wrap(text, width)]


def _pairs(rows: Iterable[tuple[str, str]], width: int) -> list[Op]:
    return [Text(_pair(label, value, width)) for label, value in rows]


def _big(text: str, width: int, align: Align = Align.LEFT) -> Op:
    """Double size when it fits in half the width, else bold at normal size."""
    if len(text) <= width // 2:
        return Text(text, align, bold=True, double=True)
    return Text(text[:width], align, bold=True)


def _big_pair(label: str, value: str, width: int) -> Op:
    half = width // 2
    if len(label) + 1 + len(value) <= half:
        return Text(_pair(label, value, half), bold=True, double=True)
    return Text(_pair(label, value, width), bold=True)


# --------------------------------------------------------------------------- GST table
def _tax_table(rows: tuple[TaxRateRow, ...], inter_state: bool, width: int) -> list[Op]:
    """The per-rate GST summary as columns, or one block per rate when it cannot fit."""
    with_cess = any(row.cess for row in rows)
    heads = ["Taxable", *(["IGST"] if inter_state else ["CGST", "SGST"])]
    if with_cess:
        heads.append("Cess")

    def cells(row: TaxRateRow) -> list[str]:
        taxes = [row.igst] if inter_state else [row.cgst, row.sgst]
        return [_number(m) for m in [row.taxable, *taxes, *([row.cess] if with_cess else [])]]

    rate_width = 6
    each, spare = divmod(width - rate_width, len(heads))
    widths = [each + spare, *([each] * (len(heads) - 1))]
    table = [cells(row) for row in rows]
    fits = all(len(cell) < w for line in table for cell, w in zip(line, widths, strict=True))
    if fits:
        out: list[Op] = [
            Text(
                "Rate".ljust(rate_width)
                + "".join(h.rjust(w) for h, w in zip(heads, widths, strict=True))
            )
        ]
        for row, line in zip(rows, table, strict=True):
            values = "".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True))
            out.append(Text(_percent(row.rate).ljust(rate_width) + values))
        return out
    blocks: list[Op] = []
    for row, line in zip(rows, table, strict=True):
        blocks.append(Text(f"GST {_percent(row.rate)}", bold=True))
        blocks += _pairs(((f"  {h}", cell) for h, cell in zip(heads, line, strict=True)), width)
    return blocks


# --------------------------------------------------------------------------- receipts
_TITLES = {
    ReceiptKind.TAX_INVOICE: "TAX INVOICE",
    ReceiptKind.BILL_OF_SUPPLY: "BILL OF SUPPLY",
    ReceiptKind.INVOICE_CUM_BILL_OF_SUPPLY: "INVOICE-CUM-BILL OF SUPPLY",
    ReceiptKind.CREDIT_NOTE: "CREDIT NOTE",
}


def _header(data: ReceiptData, width: int) -> list[Op]:
    store = data.store
    out: list[Op] = []
    if data.duplicate:
        out.append(Text("*** DUPLICATE ***", Align.CENTER, bold=True))
    out.append(_big(store.name, width, Align.CENTER))
    for address in store.address_lines:
        out += _lines(address, width, Align.CENTER)
    if store.phone:
        out.append(Text(f"Ph: {store.phone}"[:width], Align.CENTER))
    out.append(Text(f"GSTIN: {store.gstin}", Align.CENTER))
    out += _lines(f"State: {store.state_name} ({store.state_code})", width, Align.CENTER)
    out.append(Rule(width))
    out += _lines(_TITLES[data.kind], width, Align.CENTER, bold=True)
    if data.kind is ReceiptKind.BILL_OF_SUPPLY and store.composition:
        out += _lines(COMPOSITION_DECLARATION, width, Align.CENTER)
    number_label = "Credit Note No" if data.kind is ReceiptKind.CREDIT_NOTE else "Invoice No"
    rows = [(number_label, data.number), ("Date", _when(data.issued_at))]
    if data.kind is ReceiptKind.CREDIT_NOTE and data.original_number:
        rows.append(("Against Invoice", data.original_number))
        if data.original_issued_at is not None:
            rows.append(("Invoice Date", _when(data.original_issued_at)))
    rows.append((f"Cashier: {data.cashier}", f"Till: {data.terminal}"))
    out += _pairs(rows, width)
    if data.customer_name or data.customer_gstin:
        out.append(Rule(width))
        if data.customer_name:
            out += _lines(f"Bill to: {data.customer_name}", width)
        if data.customer_gstin:
            out.append(Text(f"GSTIN: {data.customer_gstin}"))
        if data.customer_state:
            out += _lines(f"State: {data.customer_state}", width)
        out.append(Text("Reverse charge: No"))
    if data.place_of_supply:
        out += _lines(f"Place of supply: {data.place_of_supply}", width)
    return out


def _taxed(data: ReceiptData) -> bool:
    return data.kind is not ReceiptKind.BILL_OF_SUPPLY


def _items(data: ReceiptData, width: int) -> list[Op]:
    taxed = _taxed(data)
    out: list[Op] = [
        Rule(width),
        Text(_pair("Item", "Amount", width)),
        Text("HSN  Qty x Rate" + ("  GST" if taxed else "")),
        Rule(width),
    ]
    for line in data.lines:
        out += _lines(line.name, width)
        unit = "" if line.unit == "PCS" else f" {line.unit}"
        detail = f"{line.hsn}  {_decimal(line.quantity)}{unit} x {_number(line.rate)}"
        if taxed:
            detail += f"  {_percent(line.tax_rate)}"
        out.append(Text(_pair(detail, _number(line.amount), width)))
        if line.discount:
            out.append(Text(_pair("  Discount", _number(-line.discount), width)))
    return out


def _totals(data: ReceiptData, width: int, rupee: RupeeMode) -> list[Op]:
    rows: list[tuple[str, str]] = [("Items", str(len(data.lines)))]
    if data.total_discount:
        rows.append(("You saved", _number(data.total_discount)))
    if _taxed(data):
        rows.append(("Taxable value", _number(data.taxable_total)))
        if data.inter_state:
            rows.append(("IGST", _number(_sum(r.igst for r in data.tax_rows))))
        else:
            rows.append(("CGST", _number(_sum(r.cgst for r in data.tax_rows))))
            rows.append(("SGST", _number(_sum(r.sgst for r in data.tax_rows))))
        cess = _sum(r.cess for r in data.tax_rows)
        if cess:
            rows.append(("Cess", _number(cess)))
    rows.append(("Round off", _number(data.round_off)))
    label = "CREDIT" if data.kind is ReceiptKind.CREDIT_NOTE else "TOTAL"
    out: list[Op] = [Rule(width), *_pairs(rows, width)]
    out.append(_big_pair(label, _currency(data.total, rupee), width))
    if _taxed(data) and data.tax_rows:
        out += [Rule(width), Text("GST summary", bold=True)]
        out += _tax_table(data.tax_rows, data.inter_state, width)
    return out


def _sum(amounts: Iterable[Money]) -> Money:
    total = Money(0)
    for amount in amounts:
        total += amount
    return total


def _tenders(data: ReceiptData, width: int) -> list[Op]:
    if not data.tenders and not data.change:
        return []
    refund = data.kind is ReceiptKind.CREDIT_NOTE
    rows = []
    for tender in data.tenders:
        label = f"Refund {tender.method}" if refund else tender.method
        if tender.reference:
            label += f" ({tender.reference})"
        rows.append((label, _number(tender.amount)))
    if data.change:
        rows.append(("Change", _number(data.change)))
    return [Rule(width), *_pairs(rows, width)]


def _receipt_code(number: str, code: ReceiptCode) -> list[Op]:
    if code is ReceiptCode.QR:
        return [Feed(), QrCode(number)]
    if code is ReceiptCode.BARCODE:
        return [Feed(), Barcode(number)]
    return []


def receipt_layout(data: ReceiptData, options: LayoutOptions | None = None) -> tuple[Op, ...]:
    """Lay out a tax invoice, bill of supply, invoice-cum-bill of supply or credit note.

    Args:
        data: the receipt's particulars.
        options: width, rupee mode, receipt code and drawer choice (defaults: 48 columns).

    Returns:
        The operations, starting with a drawer kick when the receipt has a cash tender (a
        duplicate never kicks) and ending with a cut.
    """
    options = options or LayoutOptions()
    width = options.columns
    out: list[Op] = []
    if options.kick_drawer and data.opens_drawer:
        out.append(KickDrawer(options.drawer_pin))
    out += _header(data, width)
    out += _items(data, width)
    out += _totals(data, width, options.rupee)
    out += _tenders(data, width)
    if data.footer_lines:
        out.append(Rule(width))
        for footer in data.footer_lines:
            out += _lines(footer, width, Align.CENTER)
    out += _receipt_code(data.number, options.receipt_code)
    out.append(Text(data.number, Align.CENTER))
    if data.duplicate:
        out.append(Text("*** DUPLICATE ***", Align.CENTER, bold=True))
    out.append(Cut())
    return tuple(out)


# --------------------------------------------------------------------------- reports
def report_layout(report: ShiftReport, options: LayoutOptions | None = None) -> tuple[Op, ...]:
    """Lay out an X report (a snapshot) or a Z report (the numbered close).

    Expected cash, counted cash and over/short print only when ``report.counted_cash`` is
    set, so the copy a cashier sees after a blind close can leave them out.
    """
    options = options or LayoutOptions()
    width = options.columns
    rupee = options.rupee
    title = f"Z REPORT #{report.z_number}" if report.kind is ReportKind.Z else "X REPORT"
    out: list[Op] = [
        _big(title, width, Align.CENTER),
        Text("(shift closed)" if report.kind is ReportKind.Z else "(no reset)", Align.CENTER),
        *_lines(report.store.name, width, Align.CENTER, bold=True),
        Text(f"GSTIN: {report.store.gstin}", Align.CENTER),
        Rule(width),
        *_pairs(
            [
                (f"Till: {report.terminal}", f"Cashier: {report.cashier}"),
                ("Opened", _when(report.opened_at) if report.opened_at else "-"),
                ("Closed" if report.kind is ReportKind.Z else "Printed", _when(report.printed_at)),
                ("Invoices", str(report.invoice_count)),
                ("First", report.first_invoice or "-"),
                ("Last", report.last_invoice or "-"),
            ],
            width,
        ),
        Rule(width),
        Text("Sales", bold=True),
        *_pairs(
            [
                ("Gross sales", _number(report.gross_sales)),
                ("Discounts", _number(-report.discounts)),
                ("Returns", _number(-report.returns)),
                ("Round off", _number(report.round_off)),
            ],
            width,
        ),
        _big_pair("NET", _currency(report.net_sales, rupee), width),
    ]
    if report.tax_rows:
        inter_state = any(row.igst for row in report.tax_rows)
        out += [Rule(width), Text("GST by rate", bold=True)]
        out += _tax_table(report.tax_rows, inter_state, width)
    out += [Rule(width), Text("Tenders", bold=True)]
    out += _pairs(((method, _number(amount)) for method, amount in report.tenders), width)
    cash = [
        ("Opening float", _number(report.opening_float)),
        ("Cash sales", _number(report.cash_sales)),
        *([("Cash refunds", _number(-report.cash_refunds))] if report.cash_refunds else []),
        ("Cash in", _number(report.cash_in)),
        ("Cash out", _number(-report.cash_out)),
    ]
    over_short = report.over_short
    if report.counted_cash is not None and over_short is not None:
        cash += [
            ("Expected cash", _number(report.expected_cash)),
            ("Counted cash", _number(report.counted_cash)),
            ("Over / short", _number(over_short)),
        ]
    out += [Rule(width), Text("Cash", bold=True), *_pairs(cash, width)]
    out += [
        Rule(width),
        *_pairs([("Voids", str(report.voids)), ("No-sale opens", str(report.no_sales))], width),
        Cut(),
    ]
    return tuple(out)


# --------------------------------------------------------------------------- others
def diagnostic_page_layout(
    printed_at: datetime, description: Iterable[str] = (), options: LayoutOptions | None = None
) -> tuple[Op, ...]:
    """Lay out the test page: width ruler, styles, the rupee sign, a QR code and a cut.

    Args:
        printed_at: when the test was run.
        description: lines naming the printer and its settings.
        options: the printer's layout options.
    """
    options = options or LayoutOptions()
    width = options.columns
    ruler = ("1234567890" * 5)[:width]
    out: list[Op] = [
        _big("TEST PAGE", width, Align.CENTER),
        Text(_when(printed_at), Align.CENTER),
        Rule(width),
    ]
    for line in description:
        out += _lines(line, width)
    out += [
        Text(f"{width} columns:"),
        Text(ruler),
        Text("left"),
        Text("centre", Align.CENTER),
        Text("right", Align.RIGHT),
        Text("bold", bold=True),
        Text("double", double=True),
        Text(_pair("Rupee sign", _currency(Money(123450), options.rupee), width)),
        Rule(width, "="),
    ]
    out += _receipt_code("GALLA-TEST", options.receipt_code)
    out.append(Cut())
    return tuple(out)


def drawer_layout(options: LayoutOptions | None = None) -> tuple[Op, ...]:
    """Only a drawer kick: a supervised no-sale opens the drawer without printing."""
    options = options or LayoutOptions()
    return (KickDrawer(options.drawer_pin),)


def plain_text(ops: Iterable[Op], columns: int) -> str:
    """Render a layout as plain text, for on-screen previews and readable test assertions.

    Double-size lines are aligned in half the width, as on paper; codes, cuts and drawer kicks
    show as bracketed markers.
    """
    lines: list[str] = []
    for op in ops:
        if isinstance(op, Text):
            room = columns // 2 if op.double else columns
            if op.align is Align.CENTER:
                lines.append(op.text.center(room).rstrip())
            elif op.align is Align.RIGHT:
                lines.append(op.text.rjust(room))
            else:
                lines.append(op.text)
        elif isinstance(op, Rule):
            lines.append(op.char * op.width)
        elif isinstance(op, Feed):
            lines += [""] * op.lines
        elif isinstance(op, QrCode):
            lines.append(f"[QR {op.data}]")
        elif isinstance(op, Barcode):
            lines.append(f"[BARCODE {op.data}]")
        elif isinstance(op, Cut):
            lines.append("[CUT]")
        else:
            lines.append(f"[DRAWER pin {op.pin}]")
    return "\n".join(lines)
