"""Layouts become ESC/POS bytes: styles only when they change, codes, glyph, cut and kick."""

from __future__ import annotations

import pytest
from escpos.printer import Dummy

from desktop.devices.printer.escpos_render import (
    RUPEE_CODE,
    render,
    render_bytes,
    rupee_glyph_command,
)
from desktop.devices.printer.layout import Align, Barcode, Cut, Feed, KickDrawer, Rule, Text


def test_unchanged_styles_are_not_sent_again() -> None:
    data = render_bytes([Text("a"), Text("b"), Text("c", bold=True), Text("d", bold=True)])
    assert data.count(b"\x1bE\x01") == 1
    assert data.count(b"\x1bE\x00") == 1, "only the first plain line sets bold off"
    assert data.endswith(b"\x1bE\x01c\nd\n")


def test_double_size_is_switched_on_and_back_to_normal() -> None:
    data = render_bytes([Text("BIG", double=True), Text("small")])
    assert b"\x1b!0" in data
    big, small = data.index(b"BIG"), data.index(b"small")
    assert data.index(b"\x1b!\x00", big) < small


def test_a_rule_feed_cut_and_kick_become_their_commands() -> None:
    data = render_bytes([Rule(4, "="), Feed(2), Cut(), KickDrawer(5)])
    assert data.endswith(b"====\n\n\n\x1bd\x06\x1dV\x00\x1bp\x0122"), "two blank lines fed"


def test_a_barcode_is_code_128_set_b_and_prints_nothing_to_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = render_bytes([Barcode("T01/2526/000123"), Text("after", Align.LEFT)])
    assert b"\x1dkI\x11{BT01/2526/000123" in data
    assert capsys.readouterr().out == ""
    assert data.endswith(b"\x1ba\x00\x1bt\x00after\n"), "left alignment restored after it"


def test_font_b_is_selected_at_the_start_of_the_job() -> None:
    assert render_bytes([Text("x")], font="b").startswith(b"\x1b@\x1bM\x01")


def test_a_named_profile_is_used() -> None:
    assert render_bytes([Text("x")], profile="TM-T20II").startswith(b"\x1b@")


def test_render_drives_any_python_escpos_printer_object() -> None:
    printer = Dummy()
    render([Text("hello ₹5")], printer)
    assert printer.output.count(b"\x1b&") == 1
    assert printer.output.endswith(b"hello \x1b%\x01~\x1b%\x005\n")


def test_the_rupee_glyph_is_a_12_by_24_user_defined_character() -> None:
    command = rupee_glyph_command()
    assert command[:6] == bytes([0x1B, 0x26, 3, RUPEE_CODE, RUPEE_CODE, 12])
    assert len(command) == 6 + 12 * 3
    columns = [command[6 + 3 * c : 9 + 3 * c] for c in range(12)]
    assert columns[0] == b"\x00\x00\x00", "a blank column keeps glyphs apart"
    assert all(any(column) for column in columns[1:]), "every other column has ink"
