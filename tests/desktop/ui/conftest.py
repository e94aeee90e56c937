"""Helpers for driving the till window with the keyboard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop.bootstrap import Till
from desktop.demo import DEMO_USERS
from desktop.ui.main_window import MainWindow
from desktop.ui.qt import Qt, QWidget

CASHIER, SUPERVISOR = DEMO_USERS[0][0], DEMO_USERS[1][0]


def type_into(qtbot: QtBot, widget: QWidget, text: str, enter: bool = True) -> None:
    qtbot.keyClicks(widget, text)
    if enter:
        qtbot.keyClick(widget, Qt.Key.Key_Return)


def press(
    qtbot: QtBot, window: MainWindow, key: Qt.Key, mods=Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(window.sale.search, key, mods)


@pytest.fixture
def window(qtbot: QtBot, till: Till) -> Iterator[MainWindow]:
    win = MainWindow(till, idle_check_ms=60_000)
    qtbot.addWidget(win)
    win.show()
    yield win
    if win.dialog is not None:
        win.dialog.reject()


def log_in(
    qtbot: QtBot, window: MainWindow, user_id: str = CASHIER.user_id, pin: str = "1234"
) -> None:
    window.login.choose(user_id)
    type_into(qtbot, window.login.pin, pin)


def open_shift(qtbot: QtBot, window: MainWindow, float_rupees: str = "2000") -> None:
    dialog = window.dialog
    assert dialog is not None
    type_into(qtbot, dialog.value, float_rupees)  # type: ignore[attr-defined]
