"""Starting the Qt application around a built till."""

from __future__ import annotations

import sys

from desktop.bootstrap import Till
from desktop.ui.main_window import MainWindow
from desktop.ui.qt import QApplication

__all__ = ("run",)


def run(till: Till, argv: list[str] | None = None) -> int:
    """Show the till window and run the event loop until it closes; returns the exit code."""
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    window = MainWindow(till)
    window.resize(1280, 800)
    window.show()
    try:
        return int(app.exec())
    finally:
        till.close()
