"""Printer settings and the python-escpos transport they select.

:class:`PrinterSettings` is plain data (the till stores it with its other settings);
:func:`make_printer` turns it into a :class:`~.device.Printer`. Nothing is opened here: the
device is opened on the first job, on the print queue's worker thread.

Which backend for which shop (see the hardware notes):

- ``usb``: pyusb/libusb, Linux with a udev rule; needs the ``usb`` extra (pyusb).
- ``file``: a device node such as ``/dev/usb/lp0`` (the kernel's usblp driver), no libusb.
- ``serial``: RS-232 or a USB-serial adapter, e.g. ``/dev/ttyUSB0`` or ``COM3``.
- ``network``: raw TCP port 9100 on an Ethernet/Wi-Fi printer.
- ``cups``: a CUPS queue (needs pycups; Linux and macOS).
- ``fake``: keeps jobs in memory (demo mode, tests).
"""

from __future__ import annotations

import enum
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from escpos.escpos import Escpos

from desktop.devices.errors import DeviceConfigError
from desktop.devices.printer.device import EscposPrinter, FakePrinter, Printer
from desktop.devices.printer.layout import (
    COLUMN_CHOICES,
    LayoutOptions,
    ReceiptCode,
    RupeeMode,
)

__all__ = ("Backend", "PrinterSettings", "make_escpos", "make_printer")


class Backend(enum.Enum):
    """How the till reaches the receipt printer."""

    USB = "usb"
    SERIAL = "serial"
    NETWORK = "network"
    FILE = "file"
    CUPS = "cups"
    FAKE = "fake"


_READS_STATUS = frozenset({Backend.USB, Backend.SERIAL, Backend.NETWORK})


@dataclass(frozen=True, slots=True)
class PrinterSettings:
    """Everything needed to reach and lay out for one receipt printer.

    Attributes:
        backend: the transport.
        columns: characters per line: 32 (58 mm), 42 (80 mm at 180 dpi, or 58 mm in font B)
            or 48 (80 mm).
        font: ``"a"`` (12x24) or ``"b"`` (9x17, more columns on the same paper).
        profile: a python-escpos capabilities profile name (``""`` = the library default);
            pick the closest by paper width for printers not in its database.
        rupee: print the rupee sign as a downloaded glyph or as ``Rs.``.
        receipt_code: QR code (default), Code 128 barcode or nothing for the receipt number.
        kick_drawer: open the drawer on receipts with a cash tender.
        drawer_pin: the drawer connector pin, 2 or 5.
        usb_vendor_id: USB vendor id (``usb``), e.g. ``0x0416``.
        usb_product_id: USB product id (``usb``).
        usb_in_ep: USB IN endpoint (status reads), usually ``0x82`` or ``0x81``.
        usb_out_ep: USB OUT endpoint, usually ``0x01`` or ``0x02``.
        serial_port: the serial device (``serial``), e.g. ``/dev/ttyUSB0`` or ``COM3``.
        baudrate: the serial speed; receipt printers default to 9600 or 19200.
        host: the printer's address (``network``).
        port: its raw TCP port, 9100 by default.
        device_path: the device node or file to write to (``file``).
        cups_printer: the CUPS queue name (``cups``).
        timeout_s: how long to wait for a network or serial printer, in seconds.
    """

    backend: Backend = Backend.FAKE
    columns: int = 48
    font: str = "a"
    profile: str = ""
    rupee: RupeeMode = RupeeMode.TEXT
    receipt_code: ReceiptCode = ReceiptCode.QR
    kick_drawer: bool = True
    drawer_pin: int = 2
    usb_vendor_id: int = 0
    usb_product_id: int = 0
    usb_in_ep: int = 0x82
    usb_out_ep: int = 0x01
    serial_port: str = ""
    baudrate: int = 9600
    host: str = ""
    port: int = 9100
    device_path: str = ""
    cups_printer: str = ""
    timeout_s: float = 5.0

    def __post_init__(self) -> None:
        if self.columns not in COLUMN_CHOICES:
            raise DeviceConfigError(
                f"receipt width must be one of {COLUMN_CHOICES} characters, not {self.columns}"
            )
        if self.font not in ("a", "b"):
            raise DeviceConfigError(f"printer font must be 'a' or 'b', not {self.font!r}")
        if self.timeout_s <= 0:
            raise DeviceConfigError(f"printer timeout must be positive, not {self.timeout_s}")
        required = {
            Backend.USB: ("usb_vendor_id", "usb_product_id"),
            Backend.SERIAL: ("serial_port",),
            Backend.NETWORK: ("host",),
            Backend.FILE: ("device_path",),
            Backend.CUPS: ("cups_printer",),
        }.get(self.backend, ())
        missing = [name for name in required if not getattr(self, name)]
        if missing:
            raise DeviceConfigError(
                f"a {self.backend.value} printer needs {' and '.join(missing)} to be set"
            )
        if not 0 < self.port < 65536:
            raise DeviceConfigError(f"printer port must be 1-65535, not {self.port}")

    @property
    def layout_options(self) -> LayoutOptions:
        """The layout choices these settings imply."""
        return LayoutOptions(
            columns=self.columns,
            rupee=self.rupee,
            receipt_code=self.receipt_code,
            kick_drawer=self.kick_drawer,
            drawer_pin=self.drawer_pin,
        )

    def describe(self) -> str:
        """One line naming the printer, for the test page and the settings screen."""
        where = {
            Backend.USB: f"USB {self.usb_vendor_id:04x}:{self.usb_product_id:04x}",
            Backend.SERIAL: f"serial {self.serial_port} @ {self.baudrate}",
            Backend.NETWORK: f"network {self.host}:{self.port}",
            Backend.FILE: f"file {self.device_path}",
            Backend.CUPS: f"CUPS queue {self.cups_printer}",
            Backend.FAKE: "in-memory printer",
        }[self.backend]
        return f"{where}, {self.columns} columns, font {self.font.upper()}"


def _network_class() -> type[Escpos]:
    from escpos.exceptions import DeviceNotFoundError
    from escpos.printer import Network

    class ClosingNetwork(Network):  # type: ignore[misc]
        """python-escpos 3.1's Network leaks its socket when the connect fails; this does not."""

        def open(self, raise_not_found: bool = True) -> None:
            if self._device:
                self.close()
            try:
                self.device = socket.create_connection((self.host, self.port), self.timeout)
            except OSError as error:
                self.device = None  # type: ignore[assignment]  # the library's own idiom
                raise DeviceNotFoundError(
                    f"Could not open socket for {self.host}: {error}"
                ) from error

    return ClosingNetwork


def _profile(settings: PrinterSettings) -> dict[str, str]:
    return {"profile": settings.profile} if settings.profile else {}


def make_escpos(settings: PrinterSettings) -> Escpos:
    """Make the (unopened) python-escpos printer object the settings describe.

    Raises:
        DeviceConfigError: the backend is ``fake``, or its optional library (pyusb, pycups)
            is not installed on this machine.
    """
    from escpos import printer as escpos_printer

    kwargs = _profile(settings)
    backend = settings.backend
    if backend is Backend.USB:
        _require(escpos_printer.Usb.is_usable(), "USB printing needs pyusb (python-escpos[usb])")
        return escpos_printer.Usb(
            settings.usb_vendor_id,
            settings.usb_product_id,
            timeout=int(settings.timeout_s * 1000),
            in_ep=settings.usb_in_ep,
            out_ep=settings.usb_out_ep,
            **kwargs,
        )
    if backend is Backend.SERIAL:
        return escpos_printer.Serial(
            devfile=settings.serial_port,
            baudrate=settings.baudrate,
            timeout=settings.timeout_s,
            **kwargs,
        )
    if backend is Backend.NETWORK:
        return _network_class()(
            settings.host, port=settings.port, timeout=settings.timeout_s, **kwargs
        )
    if backend is Backend.FILE:
        return escpos_printer.File(devfile=settings.device_path, **kwargs)
    if backend is Backend.CUPS:
        _require(escpos_printer.CupsPrinter.is_usable(), "CUPS printing needs pycups")
        return escpos_printer.CupsPrinter(printer_name=settings.cups_printer, **kwargs)
    raise DeviceConfigError("the fake printer has no python-escpos transport")


def _require(usable: bool, message: str) -> None:
    if not usable:
        raise DeviceConfigError(message)


def make_printer(settings: PrinterSettings) -> Printer:
    """The :class:`~.device.Printer` the settings select (a :class:`FakePrinter` for ``fake``).

    Raises:
        DeviceConfigError: the backend's library is missing (checked now, not at first job,
            so the settings screen can say so at once).
    """
    if settings.backend is Backend.FAKE:
        return FakePrinter()
    make_escpos(settings)  # fail now on a missing library rather than on the first receipt
    return EscposPrinter(
        lambda: make_escpos(settings), reads_status=settings.backend in _READS_STATUS
    )
