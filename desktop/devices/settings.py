"""Hardware settings as one value, and the device checks behind the settings screen.

:class:`HardwareSettings` gathers the printer, scanner and customer-display choices; the
till stores it with its other settings and builds devices from it once, in its bootstrap.
The ``check_*`` functions run one device check *now* (not through the print queue) and
return a sentence for the settings screen; they never raise for a device problem.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from desktop.devices.display.pole import (
    CustomerDisplay,
    PoleDisplay,
    PoleSettings,
    pole_lines,
)
from desktop.devices.errors import DeviceConfigError, DeviceError
from desktop.devices.printer.escpos_render import render_bytes
from desktop.devices.printer.layout import diagnostic_page_layout, drawer_layout
from desktop.devices.printer.transports import PrinterSettings, make_printer
from desktop.devices.scanner.engine import DEFAULT_ENGINE, Engine
from desktop.devices.scanner.wedge import WedgeSettings
from shared.money import Money

__all__ = (
    "DisplayKind",
    "DisplaySettings",
    "HardwareSettings",
    "ScannerKind",
    "ScannerSettings",
    "check_display",
    "check_drawer",
    "check_printer",
    "make_display",
)


class ScannerKind(enum.Enum):
    """Which barcode scanner the till listens to."""

    WEDGE = "wedge"
    """A USB keyboard-wedge scanner (the default: every scanner can do it)."""
    SERIAL = "serial"
    """A scanner in USB-COM / serial mode."""
    CAMERA = "camera"
    """A webcam or phone camera."""


@dataclass(frozen=True, slots=True)
class ScannerSettings:
    """The scanner choice and its parameters.

    Attributes:
        kind: wedge, serial or camera.
        wedge: timing and framing of a wedge scanner.
        serial_port: the port of a serial scanner.
        serial_baudrate: its speed.
        camera_engine: the image decoder for a camera.
    """

    kind: ScannerKind = ScannerKind.WEDGE
    wedge: WedgeSettings = field(default_factory=WedgeSettings)
    serial_port: str = ""
    serial_baudrate: int = 9600
    camera_engine: Engine = DEFAULT_ENGINE

    def __post_init__(self) -> None:
        if self.kind is ScannerKind.SERIAL and not self.serial_port:
            raise DeviceConfigError("a serial scanner needs a port such as /dev/ttyACM0 or COM4")


class DisplayKind(enum.Enum):
    """Which customer-facing display, if any."""

    NONE = "none"
    POLE = "pole"
    """A serial 2 x 20 pole display."""
    WINDOW = "window"
    """A second Qt window on a customer-facing monitor."""


@dataclass(frozen=True, slots=True)
class DisplaySettings:
    """The customer display choice.

    Attributes:
        kind: none, pole display or second window.
        pole_port: the pole display's serial port.
        pole_width: characters per line on the pole display.
    """

    kind: DisplayKind = DisplayKind.NONE
    pole_port: str = ""
    pole_width: int = 20

    def __post_init__(self) -> None:
        if self.kind is DisplayKind.POLE:
            PoleSettings(self.pole_port, width=self.pole_width)  # same checks, same messages


@dataclass(frozen=True, slots=True)
class HardwareSettings:
    """Every device choice of one till.

    Attributes:
        printer: the receipt printer (and drawer, which hangs off it).
        scanner: the barcode scanner.
        display: the customer display.
    """

    printer: PrinterSettings = field(default_factory=PrinterSettings)
    scanner: ScannerSettings = field(default_factory=ScannerSettings)
    display: DisplaySettings = field(default_factory=DisplaySettings)


def make_display(settings: DisplaySettings) -> CustomerDisplay | None:
    """The pole display the settings name; ``None`` for none or the Qt window (UI's job)."""
    if settings.kind is DisplayKind.POLE:
        return PoleDisplay(PoleSettings(settings.pole_port, width=settings.pole_width))
    return None


def _send_now(settings: PrinterSettings, data: bytes) -> None:
    printer = make_printer(settings)
    try:
        printer.send(data)
    finally:
        printer.close()


def check_printer(settings: PrinterSettings, printed_at: datetime) -> str:
    """Print a test page straight away; say how it went."""
    page = diagnostic_page_layout(printed_at, [settings.describe()], settings.layout_options)
    try:
        _send_now(
            settings, render_bytes(page, profile=settings.profile or None, font=settings.font)
        )
    except DeviceError as error:
        return f"Test page failed: {error}"
    return f"Test page sent to {settings.describe()}."


def check_drawer(settings: PrinterSettings) -> str:
    """Kick the drawer straight away; say how it went."""
    try:
        _send_now(settings, render_bytes(drawer_layout(settings.layout_options)))
    except DeviceError as error:
        return f"Drawer did not open: {error}"
    return f"Drawer kick sent on pin {settings.drawer_pin}."


def check_display(settings: DisplaySettings, display: CustomerDisplay | None = None) -> str:
    """Show a sample line and total on the customer display; say how it went."""
    if settings.kind is DisplayKind.NONE:
        return "No customer display is set up."
    target = display if display is not None else make_display(settings)
    if target is None:
        return "The customer window shows on the second screen when a sale starts."
    try:
        target.show(pole_lines(Money(12345), "Test item", Money(12345), settings.pole_width))
    except DeviceError as error:
        return f"Customer display failed: {error}"
    finally:
        target.close()
    return "Customer display shows a test line."
