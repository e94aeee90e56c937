"""The second-screen customer window shows the same two lines as a pole display."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop.devices.display.pole import CustomerDisplay, pole_lines
from desktop.ui.customer_display import CustomerDisplayWindow
from shared.money import Money

pytestmark = pytest.mark.qt


def test_the_window_shows_the_last_item_and_the_total(qtbot: QtBot) -> None:
    window = CustomerDisplayWindow()
    qtbot.addWidget(window)
    display: CustomerDisplay = window
    display.show(pole_lines(Money(47900), "Parle-G Gold 1kg", Money(30000)))
    assert window.isVisible()
    assert window.upper_line.text() == "Parle-G Gold  300.00"
    assert window.lower_line.text() == "TOTAL      Rs.479.00"
    display.clear()
    assert (window.upper_line.text(), window.lower_line.text()) == ("", "")
    display.close()
    assert not window.isVisible()


def test_showing_without_lines_keeps_what_was_there(qtbot: QtBot) -> None:
    window = CustomerDisplayWindow()
    qtbot.addWidget(window)
    window.show(pole_lines(Money(100)))
    window.hide()
    window.show()
    assert window.lower_line.text() == "TOTAL        Rs.1.00"
