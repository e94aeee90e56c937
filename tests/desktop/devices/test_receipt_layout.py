"""The pure receipt layout: what goes on paper, in which order, within the paper's width."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

import pytest

from desktop.devices.errors import DeviceConfigError
from desktop.devices.printer.layout import (
    Align,
    Barcode,
    Cut,
    Feed,
    KickDrawer,
    LayoutOptions,
    QrCode,
    ReceiptCode,
    Rule,
    RupeeMode,
    Text,
    diagnostic_page_layout,
    drawer_layout,
    plain_text,
    receipt_layout,
    report_layout,
)
from desktop.devices.printer.receipt import ReceiptKind, ReportKind, TaxRateRow, Tender
from shared.money import Money
from tests.desktop.devices import samples


def text_of(data: object, columns: int = 48, **options: object) -> str:
    layout = receipt_layout(data, LayoutOptions(columns=columns, **options))  # type: ignore[arg-type]
    return plain_text(layout, columns)


def test_a_receipt_is_built_from_the_invoice_the_till_computed() -> None:
    data = samples.tax_invoice()
    assert data.kind is ReceiptKind.TAX_INVOICE
    assert data.total == Money(47900)
    assert data.round_off == Money(0)
    assert [row.rate for row in data.tax_rows] == [Decimal(5), Decimal(18)]
    assert data.tax_rows[0].cgst == data.tax_rows[0].sgst == Money(904)
    assert data.total_discount == Money(400)
    assert data.lines[2].discount == Money(400)


def test_a_mixed_basket_becomes_an_invoice_cum_bill_of_supply() -> None:
    assert samples.mixed_basket().kind is ReceiptKind.INVOICE_CUM_BILL_OF_SUPPLY
    assert "INVOICE-CUM-BILL OF SUPPLY" in text_of(samples.mixed_basket())


def test_a_composition_dealer_always_issues_a_bill_of_supply() -> None:
    data = samples.bill_of_supply()
    assert data.kind is ReceiptKind.BILL_OF_SUPPLY
    assert data.lines[0].unit == "KG"


def test_a_mixed_basket_lists_every_rate_including_exempt_in_the_gst_summary() -> None:
    text = text_of(samples.mixed_basket(), 32)
    for row in ["0%         75.69    0.00    0.00", "40%        62.38   12.48   12.48"]:
        assert row in text


def test_an_inter_state_sale_shows_igst_and_the_buyer_particulars() -> None:
    text = text_of(samples.b2b_inter_state_invoice())
    assert "IGST" in text
    assert "CGST" not in text
    assert "GSTIN: 32AADCK5978M1Z0" in text
    assert "Place of supply: Kerala (32)" in text
    assert "Reverse charge: No" in text


def test_long_item_names_wrap_within_58mm_paper() -> None:
    text = text_of(samples.tax_invoice(), 32)
    assert "Surf Excel Easy Wash Detergent\nPowder 1kg\n" in text


def test_a_cash_sale_kicks_the_drawer_before_printing() -> None:
    layout = receipt_layout(samples.tax_invoice())
    assert layout[0] == KickDrawer(2)
    assert layout[-1] == Cut()


def test_a_card_only_sale_does_not_open_the_drawer() -> None:
    layout = receipt_layout(samples.b2b_inter_state_invoice())
    assert not any(isinstance(op, KickDrawer) for op in layout)


def test_a_reprint_is_marked_duplicate_and_never_opens_the_drawer() -> None:
    duplicate = dataclasses.replace(samples.tax_invoice(), duplicate=True)
    layout = receipt_layout(duplicate)
    assert not any(isinstance(op, KickDrawer) for op in layout)
    banners = [op for op in layout if isinstance(op, Text) and "DUPLICATE" in op.text]
    assert len(banners) == 2, "at the top and at the bottom"


def test_the_drawer_kick_can_be_turned_off_or_moved_to_pin_5() -> None:
    assert not any(
        isinstance(op, KickDrawer)
        for op in receipt_layout(samples.tax_invoice(), LayoutOptions(kick_drawer=False))
    )
    assert receipt_layout(samples.tax_invoice(), LayoutOptions(drawer_pin=5))[0] == KickDrawer(5)
    assert drawer_layout(LayoutOptions(drawer_pin=5)) == (KickDrawer(5),)
    assert drawer_layout() == (KickDrawer(2),)


def test_the_receipt_number_can_be_a_barcode_or_left_out() -> None:
    barcode = receipt_layout(samples.tax_invoice(), LayoutOptions(receipt_code=ReceiptCode.BARCODE))
    assert Barcode("T01/2526/000123") in barcode
    assert not any(isinstance(op, QrCode) for op in barcode)
    bare = receipt_layout(samples.tax_invoice(), LayoutOptions(receipt_code=ReceiptCode.NONE))
    assert not any(isinstance(op, QrCode | Barcode) for op in bare)


def test_with_the_rupee_glyph_the_total_carries_the_rupee_sign() -> None:
    assert "TOTAL            ₹479.00" in text_of(samples.tax_invoice(), rupee=RupeeMode.GLYPH)
    assert "TOTAL         Rs. 479.00" in text_of(samples.tax_invoice())


def test_a_total_too_long_for_double_size_prints_bold_at_normal_size() -> None:
    big = dataclasses.replace(samples.tax_invoice(), total=Money(123456789))
    ops = receipt_layout(big, LayoutOptions(columns=32))
    total = next(op for op in ops if isinstance(op, Text) and op.text.startswith("TOTAL"))
    assert total == Text("TOTAL           Rs. 12,34,567.89", bold=True)


def test_a_gst_table_too_wide_for_the_paper_prints_one_block_per_rate() -> None:
    huge = TaxRateRow(Decimal(18), Money(1234567800), Money(111111100), Money(111111100))
    data = dataclasses.replace(samples.tax_invoice(), tax_rows=(huge,))
    text = text_of(data, 32)
    assert "GST 18%\n  Taxable         1,23,45,678.00\n  CGST              11,11,111.00\n" in text


def test_cess_gets_its_own_total_and_column() -> None:
    row = TaxRateRow(Decimal(28), Money(10000), Money(1400), Money(1400), cess=Money(1200))
    data = dataclasses.replace(samples.tax_invoice(), tax_rows=(row,))
    text = text_of(data)
    assert "Cess                                       12.00" in text
    assert "Rate       Taxable      CGST      SGST      Cess" in text


def test_a_walk_in_customer_asking_for_a_named_bill_gets_the_name_only() -> None:
    data = dataclasses.replace(samples.tax_invoice(), customer_name="Meena Rao")
    text = text_of(data)
    assert "Bill to: Meena Rao" in text
    assert "Reverse charge: No" in text


def test_tender_references_are_printed_beside_the_method() -> None:
    assert "Card (XXXX1234)" in text_of(samples.mixed_basket())


def test_a_receipt_without_tenders_prints_no_tender_block() -> None:
    data = dataclasses.replace(samples.tax_invoice(), tenders=(), change=Money(0))
    assert "Change" not in text_of(data)


def test_a_credit_note_lists_refunds() -> None:
    data = dataclasses.replace(
        samples.credit_note(), tenders=(Tender("UPI", Money(9900), reference="R77"),)
    )
    assert "Refund UPI (R77)" in text_of(data)


def test_the_x_report_says_it_does_not_reset_and_hides_the_count_when_not_given() -> None:
    report = dataclasses.replace(samples.z_report(counted=None), kind=ReportKind.X, z_number=0)
    text = plain_text(report_layout(report), 48)
    assert "X REPORT" in text
    assert "(no reset)" in text
    assert "Printed" in text
    assert "Over / short" not in text
    assert "Expected cash" not in text


def test_a_report_without_sales_has_no_gst_table() -> None:
    report = dataclasses.replace(samples.z_report(), tax_rows=(), first_invoice="")
    text = plain_text(report_layout(report, LayoutOptions(columns=32)), 32)
    assert "GST by rate" not in text
    assert "First                          -" in text


def test_the_test_page_shows_a_ruler_as_wide_as_the_paper_and_the_rupee_sign() -> None:
    ops = diagnostic_page_layout(
        datetime(2026, 11, 23, 15, 0), ["network 10.0.0.5:9100"], LayoutOptions(columns=42)
    )
    text = plain_text(ops, 42)
    assert "123456789012345678901234567890123456789012\n" in text
    assert "network 10.0.0.5:9100" in text
    assert "Rupee sign                    Rs. 1,234.50" in text
    assert QrCode("GALLA-TEST") in ops
    assert ops[-1] == Cut()


def test_plain_text_renders_every_operation() -> None:
    ops = [
        Text("left"),
        Text("mid", Align.CENTER),
        Text("right", Align.RIGHT),
        Text("big", Align.RIGHT, double=True),
        Rule(10, "="),
        Feed(2),
        QrCode("q"),
        Barcode("b"),
        Cut(),
        KickDrawer(5),
    ]
    assert plain_text(ops, 10).split("\n") == [
        "left",
        "   mid",
        "     right",
        "  big",
        "==========",
        "",
        "",
        "[QR q]",
        "[BARCODE b]",
        "[CUT]",
        "[DRAWER pin 5]",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"columns": 40}, "receipt width"), ({"drawer_pin": 3}, "drawer pin")],
)
def test_bad_layout_options_are_rejected(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(DeviceConfigError, match=message):
        LayoutOptions(**kwargs)  # type: ignore[arg-type]
