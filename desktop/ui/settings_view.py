"""The till's settings screen (Shift+F1, supervisor): store, receipt, hardware, security.

Store and terminal particulars are the sync server's and are shown read-only, as are the
discount limits. The receipt section edits the paper width, the rupee sign, the receipt code,
the footer and the store phone; the hardware section is the
:class:`~desktop.ui.hardware_settings.HardwareSettingsWidget` (pick and test each device,
print a test page); the security section edits the idle lock time.

Ctrl+S (or Save) emits :attr:`SettingsDialog.save_requested` with the changed settings by
name; the window saves and applies them and calls :meth:`SettingsDialog.saved` or
:meth:`SettingsDialog.fail`, which shows what is wrong and keeps the dialog open. Esc
closes without saving. Ctrl+Tab moves between the sections.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from desktop.devices.errors import DeviceConfigError
from desktop.devices.settings import HardwareSettings
from desktop.settings import Settings, hardware_values
from desktop.ui.hardware_settings import HardwareSettingsWidget
from desktop.ui.qt import (
    QDialog,
    QEvent,
    QFormLayout,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QObject,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)

__all__ = ("SettingsDialog",)

_STORE_FIELDS = (
    ("Store name", "store_name"),
    ("Address", "store_address"),
    ("GSTIN", "store_gstin"),
    ("State code", "state_code"),
    ("Store code", "store_code"),
    ("Terminal code", "terminal_code"),
    ("Store id", "store_id"),
    ("Terminal id", "terminal_id"),
)


def _read_only(text: str) -> QLineEdit:
    edit = QLineEdit(text)
    edit.setReadOnly(True)
    edit.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return edit


class SettingsDialog(QDialog):
    """Shows the settings in force and collects changes to the editable ones."""

    save_requested = Signal(object)
    """Emitted with ``{setting name: new value}`` of every changed setting."""

    def __init__(
        self,
        parent: QWidget | None,
        settings: Settings,
        hardware: HardwareSettings,
        *,
        now: Callable[[], datetime],
        **checks: Any,
    ) -> None:
        """Show ``settings`` (and the devices in force, ``hardware``) for editing.

        ``checks`` go to the hardware widget (``printer_check``, ``drawer_check``,
        ``display_check``): tests replace the real device checks there.
        """
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setModal(True)
        self.settings = settings
        self.hardware_shown = hardware
        self.tabs = QTabWidget()
        self.hardware = HardwareSettingsWidget(hardware, now=now, embedded=True, **checks)
        self.tabs.addTab(self._store_tab(settings), "Store")
        self.tabs.addTab(self._receipt_tab(settings), "Receipt")
        scroll = QScrollArea()
        scroll.setWidget(self.hardware)
        scroll.setWidgetResizable(True)
        self.tabs.addTab(scroll, "Hardware")
        self.tabs.addTab(self._security_tab(settings), "Security")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.save_button = QPushButton("Save (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        layout.addWidget(self.save_button)
        layout.addWidget(QLabel("Ctrl+Tab: next section · Ctrl+S: save · Esc: close"))
        self.resize(720, 640)
        # combo boxes and text boxes would swallow Ctrl+S: see it first wherever focus is
        for child in self.findChildren(QWidget):
            child.installEventFilter(self)
        # Enter in a text box must not press Save or "Print test page" behind the cashier
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)

    # ------------------------------------------------------------------ sections
    def _store_tab(self, settings: Settings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(QLabel("Set on the sync server for this terminal; shown read-only."))
        self.store_fields = {}
        for label, name in _STORE_FIELDS:
            edit = _read_only(str(getattr(settings, name)))
            self.store_fields[name] = edit
            form.addRow(label, edit)
        return page

    def _receipt_tab(self, settings: Settings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        for label, widget in self.hardware.receipt_rows:
            form.addRow(label, widget)
        self.phone = QLineEdit(settings.receipt_phone)
        self.footer = QPlainTextEdit(settings.receipt_footer)
        self.footer.setTabChangesFocus(True)
        self.footer.setMaximumHeight(90)
        form.addRow("Store phone", self.phone)
        form.addRow("Footer lines", self.footer)
        test = QPushButton("Print test page")
        test.clicked.connect(self.hardware.test_printer)
        form.addRow("", test)
        return page

    def _security_tab(self, settings: Settings) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.idle_lock = QSpinBox()
        self.idle_lock.setRange(10, 24 * 3600)
        self.idle_lock.setSuffix(" s")
        self.idle_lock.setValue(settings.idle_lock_seconds)
        form.addRow("Lock after idle", self.idle_lock)
        form.addRow(
            "Discount limits",
            QLabel(
                f"cashier up to {settings.cashier_discount_percent}% · supervisor up to "
                f"{settings.supervisor_discount_percent}% (set by the company)"
            ),
        )
        form.addRow(
            "PIN lockout",
            QLabel(
                f"{settings.max_pin_attempts} wrong PINs lock a user for "
                f"{settings.lockout_seconds} s"
            ),
        )
        return page

    # ------------------------------------------------------------------ values
    def changes(self) -> dict[str, object]:
        """The settings whose value on screen differs from the one in force, by name.

        Raises:
            DeviceConfigError: a hardware value on screen is missing or malformed.
        """
        wanted: dict[str, object] = {
            **hardware_values(self.hardware.current_settings()),
            "receipt_phone": self.phone.text().strip(),
            "receipt_footer": self.footer.toPlainText().strip(),
            "idle_lock_seconds": self.idle_lock.value(),
        }
        shown = {
            **hardware_values(self.hardware_shown),
            "receipt_phone": self.settings.receipt_phone,
            "receipt_footer": self.settings.receipt_footer,
            "idle_lock_seconds": self.settings.idle_lock_seconds,
        }
        return {name: value for name, value in wanted.items() if shown[name] != value}

    def save(self) -> None:
        """Ask the till to save what changed, or say what is wrong."""
        try:
            changes = self.changes()
        except DeviceConfigError as error:
            self.fail(f"Not saved: {error}")
            return
        if not changes:
            self.note("Nothing changed.")
            return
        self.save_requested.emit(changes)

    def saved(self, settings: Settings, hardware: HardwareSettings, text: str) -> None:
        """The till saved and applied ``settings``: later changes compare with them."""
        self.settings = settings
        self.hardware_shown = hardware
        self.note(text)

    def fail(self, text: str) -> None:
        """Show what went wrong; the dialog stays open with the values typed."""
        self.message.setStyleSheet("color: #b00020; font-weight: bold;")
        self.message.setText(text)

    def note(self, text: str) -> None:
        """Show that something worked."""
        self.message.setStyleSheet("color: #1b5e20; font-weight: bold;")
        self.message.setText(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Ctrl+S saves from any field of the screen."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_S
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.save()
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Ctrl+S saves (Ctrl+Tab / Ctrl+Shift+Tab, Qt's own, move between the sections)."""
        mods = event.modifiers()
        if event.key() == Qt.Key.Key_S and mods & Qt.KeyboardModifier.ControlModifier:
            self.save()
            return
        super().keyPressEvent(event)

    def show_scan(self, code: str) -> None:
        """A scan arrived while this screen is open: show it on the scanner test line."""
        self.hardware.show_scan(code)
