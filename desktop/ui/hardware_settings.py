r"""The hardware settings panel: pick and test the printer, drawer, scanner and display.

:class:`HardwareSettingsWidget` edits a :class:`~desktop.devices.settings.HardwareSettings`.
"Save" emits :attr:`HardwareSettingsWidget.settings_saved` with the new value (the till
stores it and rebuilds its devices); the test buttons run the device checks of
:mod:`desktop.devices.settings` with the values on screen, before saving. Checks run on the
GUI thread and are bounded by the printer timeout. A bad value (no host for a network
printer, say) is shown in the status line and nothing is saved.

Prefix and suffix fields accept escapes such as ``\x02`` for the control characters
scanners are programmed with.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from desktop.devices.errors import DeviceConfigError
from desktop.devices.printer.layout import ReceiptCode, RupeeMode
from desktop.devices.printer.transports import Backend, PrinterSettings
from desktop.devices.scanner.engine import Engine
from desktop.devices.scanner.wedge import WedgeSettings
from desktop.devices.settings import (
    DisplayKind,
    DisplaySettings,
    HardwareSettings,
    ScannerKind,
    ScannerSettings,
    check_display,
    check_drawer,
    check_printer,
)
from desktop.ui.qt import (
    QCheckBox,
    QComboBox,
    QFont,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    Signal,
)

__all__ = ("HardwareSettingsWidget",)

_BACKEND_NAMES = {
    Backend.USB: "USB (libusb)",
    Backend.FILE: "Device file (/dev/usb/lp0)",
    Backend.SERIAL: "Serial / USB-serial",
    Backend.NETWORK: "Network (port 9100)",
    Backend.CUPS: "CUPS queue",
    Backend.FAKE: "None (demo)",
}


def _combo(items: Mapping[Any, str], current: object) -> QComboBox:
    combo = QComboBox()
    for value, label in items.items():
        combo.addItem(label, value)
    combo.setCurrentIndex(list(items).index(current))
    return combo


def _spin(low: int, high: int, value: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


def _escape(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii")


def _unescape(text: str) -> str:
    try:
        return codecs.decode(text, "unicode_escape")
    except UnicodeDecodeError as error:
        raise DeviceConfigError(f"cannot read the escape in {text!r}: {error.reason}") from error


def _hex(text: str, what: str) -> int:
    try:
        return int(text.strip() or "0", 16)
    except ValueError:
        raise DeviceConfigError(f"{what} must be hexadecimal like 0416, not {text!r}") from None


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


class HardwareSettingsWidget(QWidget):
    """Edits and tests the till's hardware settings."""

    settings_saved = Signal(object)
    """Emitted with the new :class:`HardwareSettings` when the user saves valid values."""

    def __init__(
        self,
        settings: HardwareSettings,
        *,
        now: Callable[[], datetime],
        printer_check: Callable[[PrinterSettings, datetime], str] = check_printer,
        drawer_check: Callable[[PrinterSettings], str] = check_drawer,
        display_check: Callable[[DisplaySettings], str] = check_display,
        embedded: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """Show ``settings`` for editing.

        Args:
            settings: the values to start from.
            now: the till's clock, for the test page.
            printer_check: prints a test page and describes the outcome.
            drawer_check: kicks the drawer and describes the outcome.
            display_check: shows a test line and describes the outcome.
            embedded: part of the till's settings screen: the receipt layout choices
                (:attr:`receipt_rows`) are left for that screen's receipt section to place,
                and the screen's own Save replaces this widget's.
            parent: the Qt parent.
        """
        super().__init__(parent)
        self._embedded = embedded
        self.receipt_rows: list[tuple[str, QWidget]] = []
        self._now = now
        self._printer_check = printer_check
        self._drawer_check = drawer_check
        self._display_check = display_check
        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Receipt printer and cash drawer"))
        layout.addLayout(self._printer_form(settings.printer))
        layout.addWidget(_heading("Barcode scanner"))
        layout.addLayout(self._scanner_form(settings.scanner))
        layout.addWidget(_heading("Customer display"))
        layout.addLayout(self._display_form(settings.display))
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        self.save_button.setVisible(not embedded)
        layout.addLayout(buttons)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self._update_enabled()

    # ------------------------------------------------------------------ forms
    def _printer_form(self, printer: PrinterSettings) -> QFormLayout:
        form = QFormLayout()
        self.backend = _combo(_BACKEND_NAMES, printer.backend)
        self.backend.currentIndexChanged.connect(self._update_enabled)
        self.usb_vendor = QLineEdit(f"{printer.usb_vendor_id:04x}")
        self.usb_product = QLineEdit(f"{printer.usb_product_id:04x}")
        self.printer_serial = QLineEdit(printer.serial_port)
        self.printer_baud = _spin(1200, 115200, printer.baudrate)
        self.host = QLineEdit(printer.host)
        self.port = _spin(1, 65535, printer.port)
        self.device_path = QLineEdit(printer.device_path)
        self.cups_name = QLineEdit(printer.cups_printer)
        self.profile = QLineEdit(printer.profile)
        self.columns = _combo(
            {32: "58 mm (32)", 42: "80 mm narrow (42)", 48: "80 mm (48)"}, printer.columns
        )
        self.font_choice = _combo({"a": "A (12x24)", "b": "B (9x17)"}, printer.font)
        self.rupee = _combo(
            {RupeeMode.TEXT: "Rs.", RupeeMode.GLYPH: "₹ (downloaded glyph)"}, printer.rupee
        )
        self.receipt_code = _combo(
            {ReceiptCode.QR: "QR code", ReceiptCode.BARCODE: "Barcode", ReceiptCode.NONE: "None"},
            printer.receipt_code,
        )
        self.kick = QCheckBox("Open the drawer on cash sales")
        self.kick.setChecked(printer.kick_drawer)
        self.drawer_pin = _combo({2: "Pin 2 (drawer 1)", 5: "Pin 5 (drawer 2)"}, printer.drawer_pin)
        receipt = [
            ("Paper width", self.columns),
            ("Rupee sign", self.rupee),
            ("Receipt number as", self.receipt_code),
        ]
        if self._embedded:
            self.receipt_rows = list(receipt)
        for label, widget in [
            ("Connection", self.backend),
            ("USB vendor id", self.usb_vendor),
            ("USB product id", self.usb_product),
            ("Serial port", self.printer_serial),
            ("Baud rate", self.printer_baud),
            ("Host", self.host),
            ("TCP port", self.port),
            ("Device file", self.device_path),
            ("CUPS queue", self.cups_name),
            ("Profile", self.profile),
            ("Font", self.font_choice),
            *([] if self._embedded else receipt),
            ("Drawer", self.drawer_pin),
        ]:
            form.addRow(label, widget)
        form.addRow("", self.kick)
        row = QHBoxLayout()
        self.test_page_button = QPushButton("Print test page")
        self.test_page_button.clicked.connect(self.test_printer)
        self.drawer_button = QPushButton("Open drawer")
        self.drawer_button.clicked.connect(self.test_drawer)
        row.addWidget(self.test_page_button)
        row.addWidget(self.drawer_button)
        form.addRow("", row)
        return form

    def _scanner_form(self, scanner: ScannerSettings) -> QFormLayout:
        form = QFormLayout()
        self.scanner_kind = _combo(
            {
                ScannerKind.WEDGE: "USB keyboard (wedge)",
                ScannerKind.SERIAL: "USB-COM / serial",
                ScannerKind.CAMERA: "Camera",
            },
            scanner.kind,
        )
        self.scanner_kind.currentIndexChanged.connect(self._update_enabled)
        self.max_gap = _spin(5, 500, scanner.wedge.max_gap_ms)
        self.min_length = _spin(1, 64, scanner.wedge.min_length)
        self.prefix = QLineEdit(_escape(scanner.wedge.prefix))
        self.suffix = QLineEdit(_escape(scanner.wedge.suffix))
        self.scanner_port = QLineEdit(scanner.serial_port)
        self.scanner_baud = _spin(1200, 115200, scanner.serial_baudrate)
        self.engine = _combo(
            {
                Engine.BOTH: "zxing-cpp, then pyzbar",
                Engine.ZXING: "zxing-cpp",
                Engine.PYZBAR: "pyzbar",
            },
            scanner.camera_engine,
        )
        self.last_scan = QLabel("Scan a barcode to test the scanner.")
        for label, widget in [
            ("Scanner", self.scanner_kind),
            ("Max gap between keys (ms)", self.max_gap),
            ("Shortest code", self.min_length),
            ("Prefix", self.prefix),
            ("Suffix", self.suffix),
            ("Serial port", self.scanner_port),
            ("Baud rate", self.scanner_baud),
            ("Camera decoder", self.engine),
        ]:
            form.addRow(label, widget)
        form.addRow("Test", self.last_scan)
        return form

    def _display_form(self, display: DisplaySettings) -> QFormLayout:
        form = QFormLayout()
        self.display_kind = _combo(
            {
                DisplayKind.NONE: "None",
                DisplayKind.POLE: "Pole display (serial)",
                DisplayKind.WINDOW: "Second screen",
            },
            display.kind,
        )
        self.display_kind.currentIndexChanged.connect(self._update_enabled)
        self.pole_port = QLineEdit(display.pole_port)
        self.pole_width = _spin(8, 40, display.pole_width)
        self.display_button = QPushButton("Test display")
        self.display_button.clicked.connect(self.test_display)
        form.addRow("Display", self.display_kind)
        form.addRow("Pole port", self.pole_port)
        form.addRow("Characters per line", self.pole_width)
        form.addRow("", self.display_button)
        return form

    def _update_enabled(self) -> None:
        backend = self.backend.currentData()
        for widgets, wanted in [
            ((self.usb_vendor, self.usb_product), Backend.USB),
            ((self.printer_serial, self.printer_baud), Backend.SERIAL),
            ((self.host, self.port), Backend.NETWORK),
            ((self.device_path,), Backend.FILE),
            ((self.cups_name,), Backend.CUPS),
        ]:
            for widget in widgets:
                widget.setEnabled(backend is wanted)
        kind = self.scanner_kind.currentData()
        for widget in (self.max_gap, self.min_length, self.prefix, self.suffix):
            widget.setEnabled(kind is ScannerKind.WEDGE)
        for widget in (self.scanner_port, self.scanner_baud):
            widget.setEnabled(kind is ScannerKind.SERIAL)
        self.engine.setEnabled(kind is ScannerKind.CAMERA)
        pole = self.display_kind.currentData() is DisplayKind.POLE
        self.pole_port.setEnabled(pole)
        self.pole_width.setEnabled(pole)

    # ------------------------------------------------------------------ values
    def printer_settings(self) -> PrinterSettings:
        """The printer settings on screen.

        Raises:
            DeviceConfigError: a value is missing or malformed.
        """
        return PrinterSettings(
            backend=self.backend.currentData(),
            columns=self.columns.currentData(),
            font=self.font_choice.currentData(),
            profile=self.profile.text().strip(),
            rupee=self.rupee.currentData(),
            receipt_code=self.receipt_code.currentData(),
            kick_drawer=self.kick.isChecked(),
            drawer_pin=self.drawer_pin.currentData(),
            usb_vendor_id=_hex(self.usb_vendor.text(), "USB vendor id"),
            usb_product_id=_hex(self.usb_product.text(), "USB product id"),
            serial_port=self.printer_serial.text().strip(),
            baudrate=self.printer_baud.value(),
            host=self.host.text().strip(),
            port=self.port.value(),
            device_path=self.device_path.text().strip(),
            cups_printer=self.cups_name.text().strip(),
        )

    def current_settings(self) -> HardwareSettings:
        """Everything on screen as one value.

        Raises:
            DeviceConfigError: a value is missing or malformed.
        """
        wedge = WedgeSettings(
            max_gap_ms=self.max_gap.value(),
            min_length=self.min_length.value(),
            prefix=_unescape(self.prefix.text()),
            suffix=_unescape(self.suffix.text()),
        )
        scanner = ScannerSettings(
            kind=self.scanner_kind.currentData(),
            wedge=wedge,
            serial_port=self.scanner_port.text().strip(),
            serial_baudrate=self.scanner_baud.value(),
            camera_engine=self.engine.currentData(),
        )
        display = DisplaySettings(
            kind=self.display_kind.currentData(),
            pole_port=self.pole_port.text().strip(),
            pole_width=self.pole_width.value(),
        )
        return HardwareSettings(self.printer_settings(), scanner, display)

    # ------------------------------------------------------------------ actions
    def _report(self, text: str) -> None:
        self.status.setText(text)

    def save(self) -> None:
        """Emit :attr:`settings_saved` with the values on screen, or show what is wrong."""
        try:
            settings = self.current_settings()
        except DeviceConfigError as error:
            self._report(f"Not saved: {error}")
            return
        self._report("Hardware settings saved.")
        self.settings_saved.emit(settings)

    def test_printer(self) -> None:
        """Print a test page with the printer settings on screen."""
        try:
            settings = self.printer_settings()
        except DeviceConfigError as error:
            self._report(f"Cannot test: {error}")
            return
        self._report(self._printer_check(settings, self._now()))

    def test_drawer(self) -> None:
        """Kick the drawer with the printer settings on screen."""
        try:
            settings = self.printer_settings()
        except DeviceConfigError as error:
            self._report(f"Cannot test: {error}")
            return
        self._report(self._drawer_check(settings))

    def test_display(self) -> None:
        """Show a test line on the customer display on screen."""
        try:
            settings = self.current_settings().display
        except DeviceConfigError as error:
            self._report(f"Cannot test: {error}")
            return
        self._report(self._display_check(settings))

    def show_scan(self, code: str) -> None:
        """Show a code the scanner just read (the till forwards scans here on this screen)."""
        self.last_scan.setText(f"Read: {code}")
