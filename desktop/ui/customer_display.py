"""The customer-facing window: the current line and the total, large, on a second screen.

:class:`CustomerDisplayWindow` takes the same :class:`~desktop.devices.display.pole.DisplayLines`
as the pole display (and so serves the same ``CustomerDisplay`` interface); the till moves it
to the second screen and shows it full screen. The UPI QR code is not shown yet.
"""

from __future__ import annotations

from desktop.devices.display.pole import DisplayLines
from desktop.ui.qt import QFont, QLabel, Qt, QVBoxLayout, QWidget

__all__ = ("CustomerDisplayWindow",)


class CustomerDisplayWindow(QWidget):
    """Two large lines for the customer: what was just added, and the total."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Make the window (hidden; the till shows it on the customer's screen)."""
        super().__init__(parent)
        self.setWindowTitle("Galla")
        layout = QVBoxLayout(self)
        self.upper_line = QLabel("")
        self.lower_line = QLabel("")
        for label, size in ((self.upper_line, 28), (self.lower_line, 40)):
            font = QFont(label.font())
            font.setPointSize(size)
            font.setBold(label is self.lower_line)
            label.setFont(font)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)

    def show(self, lines: DisplayLines | None = None) -> None:
        """Show ``lines`` (without an argument: just show the window, as ``QWidget.show``)."""
        if lines is not None:
            self.upper_line.setText(lines.upper.strip())
            self.lower_line.setText(lines.lower.strip())
        super().show()

    def clear(self) -> None:
        """Blank both lines."""
        self.upper_line.setText("")
        self.lower_line.setText("")

    def close(self) -> bool:
        """Close the window."""
        return super().close()
