"""Starting the Qt application around a built till, with its scanner and customer display.

:class:`TillApp` is the UI half of the composition root: it makes the main window and
the Qt-side devices the settings name — the keyboard-wedge :class:`WedgeFilter` installed on
the ``QApplication`` (so a scan reaches the cart whichever widget has focus), the serial or
camera scanner's listener (its thread's scans hop to the GUI thread through a signal), and
the customer window on a second screen. When the settings screen saves, it stops them and
starts the new ones, without a restart.
"""

from __future__ import annotations

import sys

from desktop.bootstrap import Till, make_scanner
from desktop.devices.errors import DeviceError
from desktop.devices.scanner.base import ScannedCode
from desktop.devices.settings import DisplayKind, HardwareSettings, ScannerKind
from desktop.settings import Settings
from desktop.ui.customer_display import CustomerDisplayWindow
from desktop.ui.main_window import MainWindow
from desktop.ui.qt import QApplication, QEvent, QObject, Signal
from desktop.ui.wedge_filter import WedgeFilter

__all__ = ("TillApp", "run")


class TillApp(QObject):
    """The till's window and the Qt-side devices, on one ``QApplication``.

    Args:
        till: the built till.
        app: the running ``QApplication``.
        idle_check_ms: how often the window checks the idle lock.
    """

    scanned = Signal(str)
    """A code from a serial or camera scanner, carried to the GUI thread."""

    def __init__(self, till: Till, app: QApplication, *, idle_check_ms: int = 1000) -> None:
        super().__init__()
        self.till = till
        self.app = app
        self.window = MainWindow(till, idle_check_ms=idle_check_ms)
        self.wedge: WedgeFilter | None = None
        self.customer_window: CustomerDisplayWindow | None = None
        self.scanned.connect(self.window.scan)
        self.window.settings_applied.connect(self.reconfigure)
        self._start(till.hardware)

    # ------------------------------------------------------------------ devices
    def _on_scan(self, scan: ScannedCode) -> None:
        # the scanner's own thread: only a signal may cross to the widgets
        self.scanned.emit(scan.text)

    def _start(self, hardware: HardwareSettings) -> None:
        scanner = hardware.scanner
        if scanner.kind is ScannerKind.WEDGE:
            self.wedge = WedgeFilter(self.window.scan, scanner.wedge, parent=self)
            self.wedge.install(self.app)
        elif self.till.scanner is not None:
            try:
                self.till.scanner.start(self._on_scan)
            except DeviceError as exc:  # the till still sells: codes can be typed
                self.window.sale.show_error(f"Scanner: {exc}. Type codes until it is fixed.")
        displays = [self.till.display] if self.till.display is not None else []
        if hardware.display.kind is DisplayKind.WINDOW:
            self.customer_window = CustomerDisplayWindow()
            screens = self.app.screens()
            if len(screens) > 1:  # the customer's monitor; full screen there
                self.customer_window.setGeometry(screens[1].geometry())
                self.customer_window.showFullScreen()
            self.customer_window.show(None)
            displays.append(self.customer_window)
        self.window.displays = displays
        self.window.show_customer(self.window.sale_total())

    def _stop(self) -> None:
        if self.wedge is not None:
            self.wedge.uninstall(self.app)
            self.wedge.deleteLater()
            self.wedge = None
        if self.till.scanner is not None:
            self.till.scanner.stop()
        if self.customer_window is not None:
            self.customer_window.close()
            self.customer_window.deleteLater()
            self.customer_window = None
        self.window.displays = []

    def reconfigure(self, settings: Settings) -> None:
        """The settings screen saved ``settings``: restart the scanner and customer window."""
        self._stop()
        self.till.scanner = make_scanner(settings.hardware())
        self._start(self.till.hardware)

    def close(self) -> None:
        """Stop the Qt-side devices and delete the window (the till's close does the rest)."""
        self._stop()
        self.window.deleteLater()
        # delete it now, not at a next event-loop turn that may never come after exec()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def run(till: Till, argv: list[str] | None = None) -> int:
    """Show the till window and run the event loop until it closes; returns the exit code."""
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    till_app = TillApp(till, app)
    till_app.window.resize(1280, 800)
    till_app.window.show()
    try:
        return int(app.exec())
    finally:
        till_app.close()
        till.close()
