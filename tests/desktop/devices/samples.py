"""Sample receipts built the way the till builds them: through shared.gst.compute_invoice."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from desktop.devices.printer.receipt import (
    ReceiptData,
    ReportKind,
    ShiftReport,
    StoreInfo,
    TaxRateRow,
    Tender,
)
from shared.gst import LineInput, compute_invoice
from shared.money import Money

STORE = StoreInfo(
    name="Galla Kirana Stores",
    address_lines=("12, 4th Cross, Jayanagar", "Bengaluru 560011"),
    gstin="29AAACH7409R1ZX",
    state_name="Karnataka",
    state_code="29",
    phone="080-2663 1234",
)
COMPOSITION_STORE = StoreInfo(
    name="Ravi Fruits & Veg",
    address_lines=("Stall 7, KR Market", "Bengaluru 560002"),
    gstin="29AAACH7409R1ZX",
    state_name="Karnataka",
    state_code="29",
    composition=True,
)
WHEN = datetime(2026, 11, 23, 15, 9)


def rs(text: str) -> Money:
    return Money.of_rupees(text)


def line(name: str, hsn: str, qty: str, price: str, rate: int, **kw: object) -> LineInput:
    return LineInput(
        description=name,
        hsn=hsn,
        quantity=Decimal(qty),
        unit_price=rs(price),
        rate=Decimal(rate),
        **kw,  # type: ignore[arg-type]
    )


def tax_invoice() -> ReceiptData:
    """A walk-in sale of packaged goods at 5 % and 18 %, paid in cash with change."""
    invoice = compute_invoice(
        [
            line("Parle-G Gold Biscuits 1kg", "1905", "2", "150.00", 5),
            line("Surf Excel Easy Wash Detergent Powder 1kg", "3402", "1", "99.00", 18),
            line("Tata Salt 1kg", "2501", "3", "28.00", 5, discount=rs("4.00")),
        ],
        inter_state=False,
    )
    return ReceiptData.from_invoice(
        invoice,
        store=STORE,
        number="T01/2526/000123",
        issued_at=WHEN,
        cashier="Asha",
        terminal="T01",
        tenders=(Tender("Cash", rs("500.00"), is_cash=True),),
        change=rs("500.00") - invoice.grand_total,
        footer_lines=("Thank you! Returns within 7 days with this receipt.",),
    )


def b2b_inter_state_invoice() -> ReceiptData:
    """A delivery to a registered buyer in Kerala: IGST, paid by UPI."""
    invoice = compute_invoice(
        [line("Basmati Rice 25kg", "1006", "4", "1890.00", 5, tax_inclusive=False)],
        inter_state=True,
    )
    return ReceiptData.from_invoice(
        invoice,
        store=STORE,
        number="T01/2526/000124",
        issued_at=WHEN,
        cashier="Asha",
        terminal="T01",
        tenders=(Tender("UPI", invoice.grand_total, reference="UTR 4321"),),
        customer_name="Kochi Traders",
        customer_gstin="32AADCK5978M1Z0",
        customer_state="Kerala (32)",
        place_of_supply="Kerala (32)",
    )


def bill_of_supply() -> ReceiptData:
    """A composition dealer's bill: no tax charged, the Rule 49 declaration printed."""
    invoice = compute_invoice(
        [
            line("Onion", "0703", "1.250", "40.00", 0),
            line("Banana Robusta (dozen)", "0803", "1", "60.00", 0),
        ],
        inter_state=False,
    )
    data = ReceiptData.from_invoice(
        invoice,
        store=COMPOSITION_STORE,
        number="R1/2526/000042",
        issued_at=WHEN,
        cashier="Ravi",
        terminal="R1",
        tenders=(Tender("Cash", rs("120.00"), is_cash=True),),
        change=rs("120.00") - invoice.grand_total,
        units=("KG", "PCS"),
    )
    return data


def mixed_basket() -> ReceiptData:
    """Exempt produce with taxed goods at 5, 18 and 40 %: an invoice-cum-bill of supply."""
    invoice = compute_invoice(
        [
            line("Fresh Milk 500ml", "0401", "2", "27.00", 0),
            line("Tomato", "0702", "0.750", "32.00", 0),
            line("Amul Butter 100g", "0405", "1", "58.00", 5),
            line("Colgate Toothpaste 200g", "3306", "1", "112.00", 18),
            line("Coca-Cola 750ml", "2202", "2", "45.00", 40),
        ],
        inter_state=False,
        bill_discount=rs("10.00"),
    )
    return ReceiptData.from_invoice(
        invoice,
        store=STORE,
        number="T01/2526/000125",
        issued_at=WHEN,
        cashier="Asha",
        terminal="T01",
        tenders=(
            Tender("Card", rs("200.00"), reference="XXXX1234"),
            Tender("Cash", invoice.grand_total - rs("200.00"), is_cash=True),
        ),
        units=("PCS", "KG", "PCS", "PCS", "PCS"),
    )


def credit_note() -> ReceiptData:
    """The detergent from the tax invoice comes back: refunded in cash."""
    invoice = compute_invoice(
        [line("Surf Excel Easy Wash Detergent Powder 1kg", "3402", "1", "99.00", 18)],
        inter_state=False,
    )
    return ReceiptData.from_invoice(
        invoice,
        store=STORE,
        number="CN/T01/2526/0007",
        issued_at=datetime(2026, 11, 24, 10, 30),
        cashier="Asha",
        terminal="T01",
        tenders=(Tender("Cash", invoice.grand_total, is_cash=True),),
        credit_note=True,
        original_number="T01/2526/000123",
        original_issued_at=WHEN,
    )


COUNTED = Money(523000)


def z_report(counted: Money | None = COUNTED) -> ShiftReport:
    """The close of Asha's shift, counted Rs. 20 short."""
    return ShiftReport(
        kind=ReportKind.Z,
        store=STORE,
        terminal="T01",
        cashier="Asha",
        opened_at=datetime(2026, 11, 23, 9, 0),
        printed_at=datetime(2026, 11, 23, 21, 5),
        z_number=41,
        first_invoice="T01/2526/000101",
        last_invoice="T01/2526/000188",
        invoice_count=88,
        gross_sales=rs("48210.00"),
        discounts=rs("610.00"),
        returns=rs("99.00"),
        net_sales=rs("47501.00"),
        round_off=rs("-0.37"),
        tax_rows=(
            TaxRateRow(Decimal(0), rs("6120.00")),
            TaxRateRow(Decimal(5), rs("20400.00"), rs("510.00"), rs("510.00")),
            TaxRateRow(Decimal(18), rs("15300.00"), rs("1377.00"), rs("1377.00")),
        ),
        tenders=(("Cash", rs("18250.00")), ("UPI", rs("24100.00")), ("Card", rs("5151.00"))),
        opening_float=rs("2000.00"),
        cash_sales=rs("18250.00"),
        cash_refunds=rs("99.00"),
        cash_in=rs("500.00"),
        cash_out=rs("15401.00"),
        expected_cash=rs("5250.00"),
        counted_cash=counted,
        voids=3,
        no_sales=1,
    )
