"""Full receipts rendered through python-escpos's Dummy printer match their golden bytes.

Regenerate after a deliberate layout change with ``GALLA_UPDATE_GOLDENS=1 uv run pytest
tests/desktop/devices/test_receipt_goldens.py`` and review the diff of the ``.txt`` previews
written next to the ``.bin`` files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.devices.printer.escpos_render import render_bytes
from desktop.devices.printer.layout import (
    LayoutOptions,
    Op,
    RupeeMode,
    plain_text,
    receipt_layout,
    report_layout,
)
from tests.desktop.devices import samples

GOLDENS = Path(__file__).resolve().parents[2] / "fixtures" / "receipts"
UPDATE = os.environ.get("GALLA_UPDATE_GOLDENS") == "1"

DOCUMENTS: dict[str, Callable[[LayoutOptions], tuple[Op, ...]]] = {
    "tax_invoice": lambda o: receipt_layout(samples.tax_invoice(), o),
    "bill_of_supply": lambda o: receipt_layout(samples.bill_of_supply(), o),
    "mixed_basket": lambda o: receipt_layout(samples.mixed_basket(), o),
    "credit_note": lambda o: receipt_layout(samples.credit_note(), o),
    "b2b_igst": lambda o: receipt_layout(samples.b2b_inter_state_invoice(), o),
    "z_report": lambda o: report_layout(samples.z_report(), o),
}

_ESCAPES = re.compile(
    rb"\x1b[@]|\x1b[!EMat-]\S|\x1bd.|\x1bp\x00..|\x1dV.|\x1d\(k..[\s\S]*?(?=\x1d\(k|\n|$)"
)


def printed_text(data: bytes) -> str:
    """The visible text of a job: ESC/POS commands stripped, QR payload dropped."""
    return _ESCAPES.sub(b"", data).decode("cp437")


@pytest.mark.parametrize("columns", [32, 48])
@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_a_full_document_matches_its_golden_bytes(name: str, columns: int) -> None:
    options = LayoutOptions(columns=columns)
    ops = DOCUMENTS[name](options)
    data = render_bytes(ops)
    golden = GOLDENS / f"{name}_{columns}.bin"
    if UPDATE:
        GOLDENS.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(data)
        golden.with_suffix(".txt").write_text(plain_text(ops, columns) + "\n")
    assert golden.exists(), f"no golden for {name} at {columns} columns; run with UPDATE"
    assert data == golden.read_bytes()


@pytest.mark.parametrize("columns", [32, 48])
@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_no_printed_line_is_wider_than_the_paper(name: str, columns: int) -> None:
    options = LayoutOptions(columns=columns)
    for line in plain_text(DOCUMENTS[name](options), columns).splitlines():
        assert len(line) <= columns, line


def test_the_tax_invoice_bytes_carry_every_rule_46_particular() -> None:
    text = printed_text(render_bytes(receipt_layout(samples.tax_invoice())))
    for expected in [
        "Galla Kirana Stores",
        "GSTIN: 29AAACH7409R1ZX",
        "State: Karnataka (29)",
        "TAX INVOICE",
        "Invoice No                       T01/2526/000123",
        "Date                            23-11-2026 15:09",
        "1905  2 x 150.00  5%                      300.00",
        "3402  1 x 99.00  18%                       99.00",
        "Taxable value                             445.82",
        "CGST                                       16.59",
        "Round off                                   0.00",
        "5%            361.92          9.04          9.04",
        "18%            83.90          7.55          7.55",
        "Cash                                      500.00",
        "Change                                     21.00",
    ]:
        assert expected in text, expected


def test_the_total_is_printed_double_size_and_the_drawer_kicks_first() -> None:
    data = render_bytes(receipt_layout(samples.tax_invoice(), LayoutOptions(columns=32)))
    assert data.startswith(b"\x1b@\x1bp\x0022"), "reset, then kick drawer pin 2"
    assert b"\x1b!0\x1bE\x01TOTAL Rs. 479.00\n" in data
    assert data.endswith(b"\x1bd\x06\x1dV\x00"), "feed and cut"


def test_the_receipt_number_is_a_native_qr_code_for_returns() -> None:
    data = render_bytes(receipt_layout(samples.credit_note()))
    assert b"\x1d(k\x13\x001P0CN/T01/2526/0007" in data


def test_the_credit_note_names_the_invoice_it_reverses() -> None:
    text = printed_text(render_bytes(receipt_layout(samples.credit_note())))
    assert "CREDIT NOTE" in text
    assert "Against Invoice                  T01/2526/000123" in text
    assert "Refund Cash                                99.00" in text


def test_the_bill_of_supply_has_no_tax_and_the_composition_declaration() -> None:
    text = printed_text(render_bytes(receipt_layout(samples.bill_of_supply())))
    assert "BILL OF SUPPLY" in text
    assert "Composition taxable person, not eligible to" in text
    assert "CGST" not in text
    assert "GST summary" not in text


def test_the_z_report_shows_the_over_short_of_the_blind_count() -> None:
    text = printed_text(render_bytes(report_layout(samples.z_report())))
    assert "Z REPORT #41" in text
    assert "Expected cash                           5,250.00" in text
    assert "Over / short                              -20.00" in text


def test_the_rupee_glyph_is_downloaded_once_and_printed_where_the_sign_is() -> None:
    options = LayoutOptions(columns=48, rupee=RupeeMode.GLYPH)
    data = render_bytes(receipt_layout(samples.tax_invoice(), options))
    assert data.count(b"\x1b&\x03~~\x0c") == 1
    assert b"TOTAL            \x1b%\x01~\x1b%\x00479.00\n" in data
    assert b"Rs." not in data
