"""Keyboard-wedge decoding: tell a scanner's key burst from a person typing.

A wedge scanner "types" its code as keystrokes, typically 5-15 ms apart, then presses Enter.
A person types 60-200 ms apart. :class:`WedgeDecoder` is a pure state machine fed one
:class:`KeyInput` at a time (plus :meth:`WedgeDecoder.tick` from a timer). It answers with
what the caller must do with the keys:

- :class:`Hold`: swallow this key for now; it may be part of a scan.
- :class:`Release`: these held keys were typing after all; deliver them, in order, to the
  widget that has focus, before any key passed in the same answer.
- :class:`Scanned`: a complete scan; hand it to the cart. Its keys (and terminator) are
  swallowed, so a focused text field never sees them.
- :class:`Pass`: deliver this key normally.

Holding every printable key for at most ``max_gap_ms`` is what lets a scan land in the cart
whichever widget has focus; the price is that typed characters appear up to ``max_gap_ms``
late, which nobody notices at 40 ms. The Qt event filter lives in ``desktop.ui.wedge_filter``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from desktop.devices.errors import DeviceConfigError

__all__ = (
    "Action",
    "Hold",
    "KeyInput",
    "KeyKind",
    "Pass",
    "Release",
    "Scanned",
    "WedgeDecoder",
    "WedgeSettings",
)


class KeyKind(enum.Enum):
    """What a key press means to the decoder."""

    CHAR = "char"
    """It produces printable text."""
    ENTER = "enter"
    """Return or keypad Enter."""
    TAB = "tab"
    """Tab."""
    MODIFIER = "modifier"
    """Shift, Ctrl, Alt, Meta: ignored, because some scanners press Shift for letters."""
    OTHER = "other"
    """Any other non-text key (F-keys, arrows, Escape): never part of a scan."""


@dataclass(frozen=True, slots=True)
class KeyInput:
    """One key press as the decoder sees it.

    Attributes:
        kind: what the key means.
        text: the text it produces (one character for ``CHAR``, else usually ``""``).
        timestamp_ms: when it was pressed, on any clock that only grows.
        key_code: the toolkit's key code, carried so released keys can be replayed.
        modifiers: the toolkit's modifier flags, carried for the same reason.
    """

    kind: KeyKind
    text: str
    timestamp_ms: int
    key_code: int = 0
    modifiers: int = 0


@dataclass(frozen=True, slots=True)
class Hold:
    """Swallow the key just fed; the decoder keeps it (or it ended a scan already reported)."""


@dataclass(frozen=True, slots=True)
class Pass:
    """Deliver the key just fed normally (after any :class:`Release` in the same answer)."""


@dataclass(frozen=True, slots=True)
class Release:
    """Deliver these previously held keys, in order; they were typing, not a scan."""

    keys: tuple[KeyInput, ...]


@dataclass(frozen=True, slots=True)
class Scanned:
    """A complete scan; the key just fed (if any) is swallowed."""

    code: str


Action = Hold | Pass | Release | Scanned


@dataclass(frozen=True, slots=True)
class WedgeSettings:
    """How a wedge scanner is told apart from a person.

    Attributes:
        max_gap_ms: the longest pause between two keys of one scan. USB scanners send keys
            5-15 ms apart; 40 ms leaves room for a busy machine and stays under the fastest
            human typing. Raise it to 100-150 ms for Bluetooth scanners.
        min_length: the shortest code (without prefix/suffix) accepted as a scan; a shorter
            burst is treated as typing.
        prefix: characters the scanner is programmed to send first (``""`` = none). When set,
            a burst that does not start with it is typing.
        suffix: characters the scanner sends last. When set, a burst ending with it is a
            complete scan without waiting for a terminator.
        terminators: the keys that end a scan (Enter and Tab by default); a terminator that
            ends a scan is swallowed.
        require_terminator: when ``False`` a burst that stops for ``max_gap_ms`` with at
            least ``min_length`` characters is a scan too (for scanners set to send nothing).
    """

    max_gap_ms: int = 40
    min_length: int = 4
    prefix: str = ""
    suffix: str = ""
    terminators: frozenset[KeyKind] = field(
        default_factory=lambda: frozenset({KeyKind.ENTER, KeyKind.TAB})
    )
    require_terminator: bool = True

    def __post_init__(self) -> None:
        if self.max_gap_ms <= 0:
            raise DeviceConfigError(f"wedge max_gap_ms must be positive, got {self.max_gap_ms}")
        if self.min_length < 1:
            raise DeviceConfigError(f"wedge min_length must be at least 1, got {self.min_length}")
        if not self.terminators <= {KeyKind.ENTER, KeyKind.TAB}:
            raise DeviceConfigError("wedge terminators may only be Enter and Tab")
        if not self.terminators and not self.suffix and self.require_terminator:
            raise DeviceConfigError(
                "a wedge scanner needs a terminator key, a suffix, or require_terminator=False"
            )


class WedgeDecoder:
    """The pure state machine; see the module docstring for the protocol."""

    def __init__(self, settings: WedgeSettings | None = None) -> None:
        self.settings = settings or WedgeSettings()
        self._held: list[KeyInput] = []
        self._scan_ended_ms: int | None = None

    @property
    def holding(self) -> bool:
        """Whether keys are held, i.e. the caller should call :meth:`tick` after the gap."""
        return bool(self._held)

    def feed(self, key: KeyInput) -> list[Action]:
        """Take one key press and say what to do with it and with any held keys."""
        if key.kind is KeyKind.MODIFIER:
            return [Pass()]
        actions: list[Action] = []
        if self._held and key.timestamp_ms - self._held[-1].timestamp_ms > self.settings.max_gap_ms:
            actions += self._give_up()
        if key.kind is KeyKind.CHAR and key.text:
            prefix = self.settings.prefix
            if prefix and not self._held and not key.text.startswith(prefix[0]):
                # with a prefix programmed, typing is recognised at its first key: no delay
                return [*actions, Pass()]
            self._held.append(key)
            code = self._complete_by_suffix()
            if code is not None:
                self._held.clear()
                self._scan_ended_ms = key.timestamp_ms
                return [*actions, Scanned(code)]
            return [*actions, Hold()]
        if key.kind in self.settings.terminators and not self._held and self._ends_a_scan(key):
            # the scanner sent suffix + Enter: the Enter belongs to the scan already reported
            self._scan_ended_ms = None
            return [*actions, Hold()]
        if key.kind in self.settings.terminators and self._held:
            code = self._code_if_valid(self._text())
            if code is not None:
                self._held.clear()
                return [*actions, Scanned(code)]
        actions += self._release_all()
        return [*actions, Pass()]

    def tick(self, now_ms: int) -> list[Action]:
        """Resolve held keys once ``max_gap_ms`` has passed with no new key."""
        if not self._held or now_ms - self._held[-1].timestamp_ms <= self.settings.max_gap_ms:
            return []
        return self._give_up()

    def _ends_a_scan(self, key: KeyInput) -> bool:
        ended = self._scan_ended_ms
        return ended is not None and key.timestamp_ms - ended <= self.settings.max_gap_ms

    def _give_up(self) -> list[Action]:
        """The burst stopped without a terminator: a scan if allowed, else typing."""
        if not self.settings.require_terminator:
            code = self._code_if_valid(self._text())
            if code is not None:
                self._held.clear()
                return [Scanned(code)]
        return self._release_all()

    def _release_all(self) -> list[Action]:
        if not self._held:
            return []
        keys = tuple(self._held)
        self._held.clear()
        return [Release(keys)]

    def _text(self) -> str:
        return "".join(k.text for k in self._held)

    def _complete_by_suffix(self) -> str | None:
        suffix = self.settings.suffix
        text = self._text()
        if suffix and text.endswith(suffix):
            return self._code_if_valid(text)
        return None

    def _code_if_valid(self, text: str) -> str | None:
        """Strip prefix and suffix; ``None`` when the text is not a plausible scan."""
        prefix, suffix = self.settings.prefix, self.settings.suffix
        if not text.startswith(prefix):
            return None
        text = text[len(prefix) :]
        if suffix:
            if not text.endswith(suffix):
                return None
            text = text[: -len(suffix)]
        if len(text) < self.settings.min_length:
            return None
        return text
