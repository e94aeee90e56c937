"""Helpers for driving the till window with the keyboard."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.bootstrap import Till, build
from desktop.demo import DEMO_USERS, seed_demo
from desktop.services.fakes import FakeClock
from desktop.settings import load_settings
from desktop.ui.app import TillApp
from desktop.ui.main_window import MainWindow
from desktop.ui.qt import QApplication, Qt, QWidget

from ..conftest import CHEAP_HASHER

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


MakeApp = Callable[..., TillApp]


@pytest.fixture
def make_app(qtbot: QtBot, tmp_path: Path, clock: FakeClock) -> Iterator[MakeApp]:
    """Build a till from a settings file, as ``galla-till`` does, and start the Qt app."""
    made: list[tuple[Till, TillApp]] = []

    def make(toml: str, **build_args: object) -> TillApp:
        (tmp_path / "settings.toml").write_text(toml, encoding="utf-8")
        settings = load_settings(data_dir=tmp_path, env={})
        till = build(settings, clock=clock, hasher=CHEAP_HASHER, **build_args)  # type: ignore[arg-type]
        seed_demo(till.store, till.hasher)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        till_app = TillApp(till, app, idle_check_ms=60_000)
        qtbot.addWidget(till_app.window)
        till_app.window.show()
        made.append((till, till_app))
        return till_app

    yield make
    for till, till_app in made:
        if till_app.window.dialog is not None:
            till_app.window.dialog.reject()
        till_app._stop()
        till.close()
