"""The scanner port: what every barcode source hands the till, and a fake to drive it."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = (
    "FakeScanner",
    "ScanListener",
    "ScanSource",
    "ScannedCode",
    "Scanner",
)


class ScanSource(enum.Enum):
    """Which kind of device produced a scan."""

    WEDGE = "wedge"
    SERIAL = "serial"
    CAMERA = "camera"
    FAKE = "fake"


@dataclass(frozen=True, slots=True)
class ScannedCode:
    """One decoded barcode as the till receives it.

    Attributes:
        text: the code's content with prefix, suffix and terminator removed.
        source: the kind of device that read it.
        symbology: the symbology when the device knows it (cameras do, wedges do not),
            else ``""``.
    """

    text: str
    source: ScanSource
    symbology: str = ""


ScanListener = Callable[[ScannedCode], None]
"""Called once per scan. Serial and camera scanners call it on their own thread."""


class Scanner(Protocol):
    """A barcode source that reports each scan to one listener until stopped."""

    def start(self, listener: ScanListener) -> None:
        """Begin reporting scans to ``listener``."""

    def stop(self) -> None:
        """Stop reporting scans and release the device; safe to call twice."""


class FakeScanner:
    """A scanner driven by the test: :meth:`scan` delivers a code to the listener."""

    def __init__(self) -> None:
        self._listener: ScanListener | None = None

    @property
    def running(self) -> bool:
        """Whether a listener is attached."""
        return self._listener is not None

    def start(self, listener: ScanListener) -> None:
        """Attach ``listener``."""
        self._listener = listener

    def stop(self) -> None:
        """Detach the listener; later scans are dropped, as a stopped device's would be."""
        self._listener = None

    def scan(self, text: str, symbology: str = "") -> None:
        """Deliver ``text`` as if a device had read it."""
        if self._listener is not None:
            self._listener(ScannedCode(text, ScanSource.FAKE, symbology))
