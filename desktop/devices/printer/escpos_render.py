"""Render a layout (:mod:`.layout`) into ESC/POS through python-escpos.

:func:`render` drives any python-escpos printer object; :func:`render_bytes` renders into the
library's in-memory ``Dummy`` printer and returns the bytes, which is how jobs are built: the
whole job is made up front, so the print queue can send (and re-send) it in one write.

Styles are sent only when they change, and every job starts with ``ESC @`` (reset), so a job
never inherits bold or double size from a half-printed one before it.

The rupee sign: in :attr:`~.layout.RupeeMode.GLYPH` mode the job first downloads a 12x24
user-defined character (``ESC &``) at code ``0x7E``, and each ``₹`` is printed as that code
between ``ESC % 1`` and ``ESC % 0`` (select and cancel the user-defined set), so no other
character is affected. Text characters outside the printer's code pages print as ``?``.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from escpos.escpos import Escpos

from desktop.devices.printer.layout import (
    Align,
    Barcode,
    Cut,
    Feed,
    KickDrawer,
    Op,
    QrCode,
    Rule,
    Text,
)

__all__ = ("RUPEE_CODE", "render", "render_bytes", "rupee_glyph_command")

RUPEE = "₹"
RUPEE_CODE = 0x7E
"""The code point that carries the downloaded rupee glyph (``~``, never printed otherwise)."""

# 12 dots wide, 24 high: font A's cell. '#' is a printed dot.
_RUPEE_BITMAP = (
    "............",
    "............",
    "............",
    ".#########..",
    ".#########..",
    "......##....",
    ".......##...",
    "........##..",
    ".#########..",
    ".#########..",
    "........##..",
    ".......##...",
    ".....###....",
    ".######.....",
    ".#####......",
    "...###......",
    "....###.....",
    ".....###....",
    "......###...",
    ".......###..",
    "........###.",
    ".........###",
    "............",
    "............",
)


def rupee_glyph_command() -> bytes:
    """``ESC & 3 c c 12 <36 bytes>``: define the rupee glyph at :data:`RUPEE_CODE`.

    Each column is three bytes, top to bottom, most significant bit at the top.
    """
    data = bytearray()
    for column in range(12):
        for band in range(3):
            byte = 0
            for bit in range(8):
                if _RUPEE_BITMAP[band * 8 + bit][column] == "#":
                    byte |= 0x80 >> bit
            data.append(byte)
    return bytes([0x1B, 0x26, 3, RUPEE_CODE, RUPEE_CODE, 12]) + bytes(data)


_SELECT_USER_CHARS = b"\x1b%\x01"
_CANCEL_USER_CHARS = b"\x1b%\x00"


class _Style:
    """The text style last sent, so unchanged styles are not sent again."""

    def __init__(self) -> None:
        self.align: Align | None = None
        self.bold: bool | None = None
        self.double: bool | None = None

    def apply(self, printer: Escpos, op: Text) -> None:
        if op.double != self.double:
            if op.double:
                printer.set(double_width=True, double_height=True)
            else:
                printer.set(normal_textsize=True)
            self.double = op.double
        if op.bold != self.bold:
            printer.set(bold=op.bold)
            self.bold = op.bold
        self.set_align(printer, op.align)

    def set_align(self, printer: Escpos, align: Align) -> None:
        if align is not self.align:
            printer.set(align=align.value)
            self.align = align


def _text(printer: Escpos, text: str) -> None:
    parts = text.split(RUPEE)
    for index, part in enumerate(parts):
        if index:
            printer._raw(_SELECT_USER_CHARS + bytes([RUPEE_CODE]) + _CANCEL_USER_CHARS)
        if part:
            printer.text(part)
    printer.text("\n")


def render(ops: Iterable[Op], printer: Escpos, *, font: str = "a") -> None:
    """Send a layout to a python-escpos printer object.

    Args:
        ops: the layout.
        printer: any python-escpos printer (``Dummy`` in tests, a real transport otherwise).
        font: ``"a"`` (12x24, 32/48 columns) or ``"b"`` (9x17, 42/64 columns).
    """
    ops = tuple(ops)
    printer.hw("INIT")
    if font != "a":
        printer.set(font=font)
    if any(isinstance(op, Text) and RUPEE in op.text for op in ops):
        printer._raw(rupee_glyph_command())
    style = _Style()
    for op in ops:
        if isinstance(op, Text):
            style.apply(printer, op)
            _text(printer, op.text)
        elif isinstance(op, Rule):
            style.apply(printer, Text("", Align.LEFT))
            printer.text(op.char * op.width + "\n")
        elif isinstance(op, Feed):
            printer.ln(op.lines)
        elif isinstance(op, QrCode):
            # native QR (GS ( k) cannot centre itself; alignment is set first instead
            style.set_align(printer, Align.CENTER)
            printer.qr(op.data, size=op.size, native=True)
        elif isinstance(op, Barcode):
            # python-escpos announces its renderer on stdout; keep that out of the till's logs
            with contextlib.redirect_stdout(io.StringIO()):
                printer.barcode("{B" + op.data, "CODE128", function_type="B")
            style.align = Align.CENTER  # barcode() centres and leaves it so
        elif isinstance(op, Cut):
            printer.cut()
        elif isinstance(op, KickDrawer):
            printer.cashdraw(op.pin)


def render_bytes(ops: Iterable[Op], *, profile: str | None = None, font: str = "a") -> bytes:
    """Render a layout into python-escpos's ``Dummy`` printer and return the job's bytes.

    Args:
        ops: the layout.
        profile: a python-escpos capabilities profile name (``None`` = the library default).
        font: ``"a"`` or ``"b"``.
    """
    from escpos.printer import Dummy  # python-escpos takes ~0.5 s to import: not at start-up

    dummy = Dummy(profile=profile) if profile else Dummy()
    render(ops, dummy, font=font)
    output: bytes = dummy.output
    return output
