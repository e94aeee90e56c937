"""The Qt side of the keyboard-wedge scanner: an application-wide key event filter.

Installed on the ``QApplication``, :class:`WedgeFilter` sees every key press before the
widget with focus does and feeds it to the pure
:class:`~desktop.devices.scanner.wedge.WedgeDecoder`. It swallows the keys the decoder holds,
hands complete scans to ``on_scan`` (the cart), and replays held keys that turned out to be
typing to the widget that had focus, in order. So a scan lands in the cart even while a
search box has focus, and that box never sees the scanned digits.

Timing uses the key events' own timestamps (the input system's clock), so a burst of typing
that queued up while the GUI thread was busy is still seen at its real pace; events without a
timestamp (synthesised ones) fall back to the monotonic clock.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from desktop.devices.scanner.wedge import (
    Action,
    Hold,
    KeyInput,
    KeyKind,
    Release,
    Scanned,
    WedgeDecoder,
    WedgeSettings,
)
from desktop.ui.qt import QApplication, QEvent, QKeyEvent, QObject, Qt, QTimer, QWidget

__all__ = ("WedgeFilter", "key_input")

_MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
    }
)
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


def _monotonic_ms() -> int:
    return int(time.monotonic() * 1000)


def key_input(event: QKeyEvent, timestamp_ms: int, framing: str = "") -> KeyInput:
    """Describe a Qt key press for the decoder.

    Args:
        event: the key press.
        timestamp_ms: when it happened.
        framing: the scanner's prefix and suffix characters, which count as text even when
            they are control characters (STX arrives as Ctrl+B).
    """
    key = event.key()
    text = event.text()
    modifiers = event.modifiers()
    if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        kind = KeyKind.ENTER
    elif key == Qt.Key.Key_Tab:
        kind = KeyKind.TAB
    elif key in _MODIFIER_KEYS:
        kind = KeyKind.MODIFIER
    elif text and (text in framing or (text.isprintable() and not modifiers & _COMMAND_MODIFIERS)):
        kind = KeyKind.CHAR
    else:
        kind = KeyKind.OTHER
    return KeyInput(kind, text, timestamp_ms, int(key), int(modifiers.value))


class WedgeFilter(QObject):
    """Routes wedge-scanner bursts to ``on_scan`` whichever widget has focus."""

    def __init__(
        self,
        on_scan: Callable[[str], None],
        settings: WedgeSettings | None = None,
        *,
        clock: Callable[[], int] = _monotonic_ms,
        parent: QObject | None = None,
    ) -> None:
        """Make a filter; :meth:`install` puts it on the application.

        Args:
            on_scan: called on the GUI thread with each scanned code.
            settings: the decoder's timing and framing.
            clock: milliseconds, used for events that carry no timestamp.
            parent: the Qt parent.
        """
        super().__init__(parent)
        self.decoder = WedgeDecoder(settings)
        self._on_scan = on_scan
        self._clock = clock
        self._held: deque[QWidget | None] = deque()
        self._replaying = False
        self._last_ms = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.resolve_pause)
        settings = self.decoder.settings
        self._framing = settings.prefix + settings.suffix

    def install(self, app: QApplication) -> None:
        """Start filtering every key press of ``app``."""
        app.installEventFilter(self)

    def uninstall(self, app: QApplication) -> None:
        """Stop filtering, delivering any held keys first."""
        app.removeEventFilter(self)
        self._apply(self.decoder.tick(self._last_ms + self.decoder.settings.max_gap_ms + 1))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802  (Qt's name)
        """Qt's hook: return ``True`` to swallow the event."""
        if self._replaying or event.type() != QEvent.Type.KeyPress:
            return False
        if not isinstance(watched, QWidget) or watched is not self._target(watched):
            return False  # the same press also passes the window and parents; count it once
        assert isinstance(event, QKeyEvent)
        stamp = event.timestamp() or self._clock()
        self._last_ms = stamp
        actions = self.decoder.feed(key_input(event, stamp, self._framing))
        self._apply(actions, watched)
        if self.decoder.holding:
            self._timer.start(self.decoder.settings.max_gap_ms + 1)
        return isinstance(actions[-1], Hold | Scanned)

    @staticmethod
    def _target(watched: QWidget) -> QWidget:
        focus = QApplication.focusWidget()
        return focus if focus is not None else watched

    def resolve_pause(self) -> None:
        """The gap timer fired: settle held keys as a scan or as typing."""
        self._apply(self.decoder.tick(self._last_ms + self.decoder.settings.max_gap_ms + 1))

    def _apply(self, actions: list[Action], receiver: QWidget | None = None) -> None:
        for action in actions:
            if isinstance(action, Release):
                for key in action.keys:
                    self._replay(key, self._held.popleft() if self._held else None)
            elif isinstance(action, Scanned):
                self._held.clear()
                self._on_scan(action.code)
            elif isinstance(action, Hold) and self.decoder.holding:
                self._held.append(receiver)

    def _replay(self, key: KeyInput, receiver: QWidget | None) -> None:
        target = receiver if receiver is not None else QApplication.focusWidget()
        if target is None:
            return
        event = QKeyEvent(
            QEvent.Type.KeyPress,
            key.key_code,
            Qt.KeyboardModifier(key.modifiers),
            key.text,
        )
        event.setTimestamp(key.timestamp_ms)
        self._replaying = True
        try:
            QApplication.sendEvent(target, event)
        finally:
            self._replaying = False
