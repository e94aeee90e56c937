"""The wedge filter on a real QApplication: scans reach the cart, typing reaches the field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop.devices.scanner.wedge import KeyKind, WedgeSettings
from desktop.ui.qt import QApplication, QEvent, QKeyEvent, QLineEdit, Qt, QVBoxLayout, QWidget
from desktop.ui.wedge_filter import WedgeFilter, key_input

pytestmark = pytest.mark.qt

SCANNER_GAPS_MS = [8, 7, 9, 6, 12, 8, 7, 15, 9, 8, 5, 11, 9]
TYPIST_GAPS_MS = [95, 62, 118, 71, 84, 103]


class Till:
    """A sale screen stand-in: a search field with focus and a cart fed by scans."""

    def __init__(self, qtbot: QtBot, settings: WedgeSettings | None = None) -> None:
        self.window = QWidget()
        layout = QVBoxLayout(self.window)
        self.search = QLineEdit()
        self.other = QLineEdit()
        layout.addWidget(self.search)
        layout.addWidget(self.other)
        qtbot.addWidget(self.window)
        self.window.show()
        qtbot.waitExposed(self.window)
        self.window.activateWindow()
        self.search.setFocus()
        qtbot.waitUntil(self.search.hasFocus)
        self.cart: list[str] = []
        self.now = 10_000
        self.filter = WedgeFilter(self.cart.append, settings)
        self.returned: list[bool] = []
        self.app = QApplication.instance()
        assert isinstance(self.app, QApplication)
        self.filter.install(self.app)
        self.entered = 0
        self.search.returnPressed.connect(self.enter)

    def enter(self) -> None:
        self.entered += 1

    def press(self, key: Qt.Key, text: str, after_ms: int, modifiers: object = None) -> None:
        """Deliver one key press to the focused widget, ``after_ms`` after the previous."""
        self.now += after_ms
        mods = modifiers if modifiers is not None else Qt.KeyboardModifier.NoModifier
        event = QKeyEvent(QEvent.Type.KeyPress, key, mods, text)  # type: ignore[arg-type]
        event.setTimestamp(self.now)
        target = QApplication.focusWidget() or self.search
        QApplication.sendEvent(target, event)

    def type_text(self, text: str, gaps: list[int], enter: bool = True) -> None:
        for char, gap in zip(text, gaps, strict=False):
            key = Qt.Key(ord(char.upper())) if char.isalnum() else Qt.Key.Key_unknown
            self.press(key, char, gap)
        if enter:
            self.press(Qt.Key.Key_Return, "\r", gaps[len(text)] if len(gaps) > len(text) else 9)

    def settle(self) -> None:
        """Let the gap timer's time pass (the filter resolves held keys as typing or scan)."""
        self.filter.resolve_pause()

    def close(self) -> None:
        self.filter.uninstall(self.app)


@pytest.fixture
def till(qtbot: QtBot) -> Iterator[Till]:
    screen = Till(qtbot)
    yield screen
    screen.close()


def test_a_scan_while_the_search_field_has_focus_goes_to_the_cart_only(till: Till) -> None:
    till.type_text("8901234567890", [0, *SCANNER_GAPS_MS])
    till.settle()
    assert till.cart == ["8901234567890"]
    assert till.search.text() == "", "the field never saw the scanned digits"
    assert till.entered == 0, "nor the scanner's Enter"


def test_fast_typing_in_the_search_field_is_left_to_the_field(till: Till) -> None:
    till.type_text("maggi", [0, *TYPIST_GAPS_MS[:4]], enter=False)
    till.settle()
    till.press(Qt.Key.Key_Return, "\r", 120)
    assert till.search.text() == "maggi"
    assert till.cart == []
    assert till.entered == 1


def test_typing_then_a_scan_then_typing_each_go_where_they_belong(till: Till) -> None:
    till.type_text("ab", [0, 110], enter=False)
    till.type_text("12345670", [300, *SCANNER_GAPS_MS])
    till.type_text("c", [400], enter=False)
    till.settle()
    assert till.cart == ["12345670"]
    assert till.search.text() == "abc"


def test_a_scan_lands_in_the_cart_whichever_field_has_focus(till: Till, qtbot: QtBot) -> None:
    till.other.setFocus()
    qtbot.waitUntil(till.other.hasFocus)
    till.type_text("036000291452", [0, *SCANNER_GAPS_MS])
    assert till.cart == ["036000291452"]
    assert till.other.text() == ""


def test_keys_held_when_the_filter_is_removed_are_delivered(qtbot: QtBot) -> None:
    screen = Till(qtbot)
    screen.type_text("x", [0], enter=False)
    assert screen.search.text() == ""
    screen.close()
    assert screen.search.text() == "x"


def test_a_prefixed_scanner_sending_stx_as_ctrl_b_is_recognised(qtbot: QtBot) -> None:
    screen = Till(qtbot, WedgeSettings(prefix="\x02"))
    try:
        screen.press(Qt.Key.Key_B, "\x02", 0, Qt.KeyboardModifier.ControlModifier)
        screen.type_text("8901234567890", [*SCANNER_GAPS_MS, 9])
        screen.type_text("hello", [200, 100, 100, 100, 100], enter=False)
        assert screen.cart == ["8901234567890"]
        assert screen.search.text() == "hello", "typing passes at once with a prefix set"
    finally:
        screen.close()


def test_the_gap_timer_releases_typed_keys_by_itself(till: Till, qtbot: QtBot) -> None:
    till.type_text("q", [0], enter=False)
    qtbot.waitUntil(lambda: till.search.text() == "q", timeout=2000)


def test_qt_keys_are_described_for_the_decoder(qtbot: QtBot) -> None:
    def kind(key: Qt.Key, text: str, mods: object = Qt.KeyboardModifier.NoModifier) -> KeyKind:
        event = QKeyEvent(QEvent.Type.KeyPress, key, mods, text)  # type: ignore[arg-type]
        return key_input(event, 5, "\x03").kind

    assert kind(Qt.Key.Key_5, "5") is KeyKind.CHAR
    assert kind(Qt.Key.Key_Enter, "\r") is KeyKind.ENTER
    assert kind(Qt.Key.Key_Tab, "\t") is KeyKind.TAB
    assert kind(Qt.Key.Key_Shift, "") is KeyKind.MODIFIER
    assert kind(Qt.Key.Key_F2, "") is KeyKind.OTHER
    assert kind(Qt.Key.Key_C, "c", Qt.KeyboardModifier.ControlModifier) is KeyKind.OTHER
    assert kind(Qt.Key.Key_C, "\x03", Qt.KeyboardModifier.ControlModifier) is KeyKind.CHAR
    event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier, "A")
    described = key_input(event, 42)
    assert (described.text, described.timestamp_ms, described.key_code) == ("A", 42, 0x41)
    assert described.modifiers == Qt.KeyboardModifier.ShiftModifier.value
