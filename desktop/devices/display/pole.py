"""The customer display: the current line and the total, on a pole display or a fake.

:func:`pole_lines` is the pure part: it fits "what was just scanned" and "the total so far"
into two lines of a fixed width. :class:`PoleDisplay` sends them to a serial VFD pole display
using the CD5220 command set that most pole displays sold in India accept (``ESC Q A`` upper
line, ``ESC Q B`` lower line, ``FF`` clear). Pole displays have no rupee sign: amounts use
``Rs.``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from serial import SerialBase

from desktop.devices.errors import DeviceConfigError, DeviceError
from shared.money import Money, format_inr

__all__ = (
    "CustomerDisplay",
    "DisplayLines",
    "FakeCustomerDisplay",
    "PoleDisplay",
    "PoleSettings",
    "pole_lines",
)


@dataclass(frozen=True, slots=True)
class DisplayLines:
    """Two lines for the customer, each exactly the display's width."""

    upper: str
    lower: str


def _amount(money: Money) -> str:
    return format_inr(money, ascii=True).replace("Rs. ", "", 1)


def _fit(left: str, right: str, width: int) -> str:
    """``left`` cut short and ``right`` in full, filling exactly ``width`` characters."""
    if len(right) > width:
        return "#" * width  # never show a cut-off amount
    if not right:
        return left[:width].ljust(width)
    room = width - len(right) - 1
    if room <= 0:
        return right.rjust(width)
    return f"{left[:room]:<{room}} {right}"


def pole_lines(
    total: Money, item: str = "", amount: Money | None = None, width: int = 20
) -> DisplayLines:
    """The two lines to show: the last item with its amount, and the total.

    Args:
        total: the sale's total so far.
        item: the name of the item just added (``""`` between sales: shows a welcome).
        amount: that line's amount.
        width: characters per line (20 on most pole displays).
    """
    if not item:
        upper = "Welcome".center(width)
    else:
        upper = _fit(item, _amount(amount) if amount is not None else "", width)
    labelled = f"TOTAL Rs.{_amount(total)}"
    if len(labelled) <= width:
        return DisplayLines(upper, _fit("TOTAL", f"Rs.{_amount(total)}", width))
    return DisplayLines(upper, _fit("", _amount(total), width))


class CustomerDisplay(Protocol):
    """Anything that shows the customer two lines."""

    def show(self, lines: DisplayLines) -> None:
        """Show ``lines``."""

    def clear(self) -> None:
        """Blank the display."""

    def close(self) -> object:
        """Release the device (a Qt window's ``close`` answers whether it closed)."""


class FakeCustomerDisplay:
    """Keeps what it was asked to show (tests, demo mode)."""

    def __init__(self) -> None:
        self.shown: list[DisplayLines] = []
        self.cleared = 0

    def show(self, lines: DisplayLines) -> None:
        """Remember ``lines``."""
        self.shown.append(lines)

    def clear(self) -> None:
        """Count a clear."""
        self.cleared += 1

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True, slots=True)
class PoleSettings:
    """Where the pole display is.

    Attributes:
        port: the serial port or pyserial URL (``/dev/ttyUSB1``, ``COM5``).
        baudrate: the line speed (9600 on most displays).
        width: characters per line.
    """

    port: str
    baudrate: int = 9600
    width: int = 20

    def __post_init__(self) -> None:
        if not self.port:
            raise DeviceConfigError("a pole display needs a port such as /dev/ttyUSB1 or COM5")
        if not 8 <= self.width <= 40:
            raise DeviceConfigError(f"a pole display line is 8-40 characters, not {self.width}")


_CLEAR = b"\x0c"
_UPPER = b"\x1bQA"
_LOWER = b"\x1bQB"
_END = b"\r"


class PoleDisplay:
    """A serial VFD pole display speaking the CD5220 command set."""

    def __init__(self, settings: PoleSettings) -> None:
        """Prepare to write to the port in ``settings``; it opens on first use."""
        self.settings = settings
        self._port: SerialBase | None = None

    def _write(self, data: bytes) -> None:
        import serial  # only a till with a pole display pays for pyserial

        try:
            if self._port is None:
                self._port = serial.serial_for_url(
                    self.settings.port, baudrate=self.settings.baudrate, timeout=1
                )
            self._port.write(data)
        except (serial.SerialException, OSError, ValueError) as error:
            self.close()
            raise DeviceError(
                f"the customer display on {self.settings.port} did not answer: {error}"
            ) from error

    def show(self, lines: DisplayLines) -> None:
        """Write both lines (characters the display lacks become ``?``)."""
        width = self.settings.width
        upper = lines.upper[:width].ljust(width).encode("ascii", "replace")
        lower = lines.lower[:width].ljust(width).encode("ascii", "replace")
        self._write(_UPPER + upper + _END + _LOWER + lower + _END)

    def clear(self) -> None:
        """Blank the display."""
        self._write(_CLEAR)

    def close(self) -> None:
        """Close the port; the next write opens it again."""
        port, self._port = self._port, None
        if port is not None:
            port.close()
