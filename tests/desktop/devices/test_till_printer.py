"""The till's printer and drawer ports, served by the device layer's print queue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from desktop.devices.printer.device import FakePrinter
from desktop.devices.printer.layout import plain_text, receipt_layout, report_layout
from desktop.devices.printer.print_queue import PrintQueue
from desktop.devices.printer.receipt import ReceiptKind, ReportKind
from desktop.devices.printer.receipt_printer import ReceiptPrinter
from desktop.devices.printer.transports import PrinterSettings
from desktop.devices.till_printer import ReceiptExtras, TillPrinter
from desktop.domain import document as doc
from desktop.domain import shift
from desktop.domain.tender import Method, Payment
from desktop.services import ports
from shared.money import Money

STORE = doc.StoreInfo(
    name="Galla Kirana Stores",
    address="12, 4th Cross, Jayanagar, Bengaluru",
    gstin="29AAACH7409R1ZX",
    state_code="29",
    store_code="S1",
    terminal_code="T01",
)
SOLD_AT = datetime(2026, 11, 23, 9, 39, tzinfo=UTC)  # 15:09 in Bengaluru


def line(**overrides: object) -> doc.DocumentLine:
    values: dict[str, object] = {
        "line_no": 1,
        "item_id": "i1",
        "code": "8901234567890",
        "name": "Parle-G Gold Biscuits 1kg",
        "hsn": "1905",
        "rate": Decimal(5),
        "cess_rate": Decimal(0),
        "quantity": Decimal(2),
        "unit": "pcs",
        "unit_price": Money(15000),
        "tax_inclusive": True,
        "price_overridden_by": None,
        "discount": Money(0),
        "taxable": Money(28572),
        "cgst": Money(714),
        "sgst": Money(714),
        "igst": Money(0),
        "cess": Money(0),
        "total": Money(30000),
    }
    values.update(overrides)
    return doc.DocumentLine(**values)  # type: ignore[arg-type]


def document(**overrides: object) -> doc.SaleDocument:
    values: dict[str, object] = {
        "sale_id": "0193-sale",
        "number": "S1T01/2627/0001",
        "kind": doc.DocumentKind.SALE,
        "gst_kind": "tax_invoice",
        "created_at": SOLD_AT,
        "store": STORE,
        "shift_id": "sh1",
        "cashier_id": "u1",
        "cashier_name": "Asha",
        "lines": (line(),),
        "rate_summary": (
            doc.RateRow(Decimal(5), Money(28572), Money(714), Money(714), Money(0), Money(0)),
        ),
        "hsn_summary": (),
        "discount": Money(0),
        "subtotal": Money(30000),
        "round_off": Money(0),
        "grand_total": Money(30000),
        "payments": (Payment(Method.CASH, Money(30000)),),
        "tendered": (Payment(Method.CASH, Money(50000)),),
        "change": Money(20000),
    }
    values.update(overrides)
    return doc.SaleDocument(**values)  # type: ignore[arg-type]


@pytest.fixture
def printer() -> FakePrinter:
    return FakePrinter()


@pytest.fixture
def till_printer(printer: FakePrinter) -> Iterator[TillPrinter]:
    queue = PrintQueue(printer)
    queue.start()
    yield TillPrinter(
        ReceiptPrinter(queue, PrinterSettings()),
        ReceiptExtras(footer_lines=("Thank you!",)),
        now=lambda: datetime(2026, 11, 23, 15, 35, tzinfo=UTC),
    )
    queue.stop()


def test_it_serves_the_tills_printer_and_drawer_ports(till_printer: TillPrinter) -> None:
    printer_port: ports.ReceiptPrinter = till_printer
    drawer_port: ports.CashDrawer = till_printer
    assert printer_port is drawer_port


def test_a_sale_document_prints_as_a_tax_invoice_in_store_local_time(
    till_printer: TillPrinter, printer: FakePrinter
) -> None:
    data = till_printer.receipt_data(document())
    assert data.kind is ReceiptKind.TAX_INVOICE
    assert data.issued_at.strftime("%d-%m-%Y %H:%M") == "23-11-2026 15:09"
    assert data.store.state_name == "Karnataka"
    assert data.lines[0].unit == "PCS"
    assert data.tenders[0].amount == Money(50000)
    assert data.opens_drawer
    text = plain_text(receipt_layout(data), 48)
    assert "12, 4th Cross, Jayanagar, Bengaluru" in text
    assert "Change                                    200.00" in text
    assert "Thank you!" in text

    till_printer.print_receipt(document())
    assert till_printer.printer.queue.wait_idle(5)
    assert b"\x1bp\x00" in printer.jobs[0], "the cash sale opened the drawer"


def test_a_return_prints_as_a_credit_note_naming_the_original_invoice(
    till_printer: TillPrinter,
) -> None:
    credit = document(
        kind=doc.DocumentKind.RETURN,
        gst_kind="credit_note",
        number="CS1T01/2627/001",
        payments=(Payment(Method.UPI, Money(-30000), "R1"),),
        tendered=(Payment(Method.UPI, Money(-30000), "R1"),),
        change=Money(0),
        original_number="S1T01/2627/0001",
        original_date=SOLD_AT,
    )
    data = till_printer.receipt_data(credit)
    assert data.kind is ReceiptKind.CREDIT_NOTE
    assert data.tenders[0].amount == Money(30000)
    assert not data.opens_drawer
    text = plain_text(receipt_layout(data), 48)
    assert "Against Invoice                  S1T01/2627/0001" in text
    assert "Refund UPI (R1)                           300.00" in text


def test_a_reprint_is_a_duplicate(till_printer: TillPrinter, printer: FakePrinter) -> None:
    till_printer.print_receipt(document(), duplicate=True)
    assert till_printer.printer.queue.wait_idle(5)
    assert b"DUPLICATE" in printer.jobs[0]
    assert b"\x1bp\x00" not in printer.jobs[0]


def test_a_composition_store_prints_bills_of_supply(printer: FakePrinter) -> None:
    till = TillPrinter(
        ReceiptPrinter(PrintQueue(printer), PrinterSettings()),
        ReceiptExtras(composition=True, address_lines=("Stall 7",)),
        now=lambda: SOLD_AT,
    )
    data = till.receipt_data(document(gst_kind="bill_of_supply"))
    assert data.kind is ReceiptKind.BILL_OF_SUPPLY
    assert data.store.address_lines == ("Stall 7",)


def test_an_unknown_state_code_prints_no_state_name(till_printer: TillPrinter) -> None:
    odd = doc.StoreInfo("Demo", "", "", "00", "S1", "T01")
    data = till_printer.receipt_data(document(store=odd))
    assert data.store.state_name == ""
    assert data.store.address_lines == ()


def shift_report() -> shift.ShiftReport:
    return shift.shift_report(
        Money(200000),
        [document()],
        [shift.CashMovement(shift.MovementKind.NO_SALE, Money(0), "change", SOLD_AT)],
        [shift.VoidRecord("line", Money(1000))],
    )


def test_a_z_report_with_its_blind_count_shows_the_over_short(
    till_printer: TillPrinter, printer: FakePrinter
) -> None:
    till_printer.receipt_data(document())  # the till has printed a sale: the store is known
    count = shift.CashCount(((500, 4), (10, 9)), Money(209000), Money(230000), Money(-21000))
    data = till_printer.report_data(shift_report(), z_number=7, count=count)
    assert data.kind is ReportKind.Z
    assert data.terminal == "T01"
    assert data.cash_sales == Money(30000)
    text = plain_text(report_layout(data), 48)
    assert "Z REPORT #7" in text
    assert "Opened                                         -" in text
    assert "Over / short                             -210.00" in text
    assert "No-sale opens                                  1" in text
    till_printer.print_shift_report(shift_report(), z_number=7, count=count)
    assert till_printer.printer.queue.wait_idle(5)
    assert b"Z REPORT #7" in printer.jobs[0]


def test_an_x_report_before_any_sale_still_prints(till_printer: TillPrinter) -> None:
    data = till_printer.report_data(shift_report(), z_number=None, count=None)
    assert data.kind is ReportKind.X
    assert data.store.name == ""
    assert data.counted_cash is None
    assert data.printed_at.strftime("%H:%M") == "21:05"


def test_the_no_sale_kick_goes_through_the_printer(
    till_printer: TillPrinter, printer: FakePrinter
) -> None:
    till_printer.kick()
    assert till_printer.printer.queue.wait_idle(5)
    assert printer.jobs == [b"\x1b@\x1bp\x0022"]
