"""Camera and image-file scanning: decode barcodes in a picture, with zxing-cpp or pyzbar.

:func:`decode_image` is the one interface; ``engine`` picks the library. zxing-cpp is the
first choice and pyzbar the fallback (:data:`DEFAULT_ENGINE`), because on our degraded test
set (``bench/barcode_decoding.py``) each reads what the other misses. pyzbar alone stays
supported; it needs ``libzbar0`` (Linux) or the VC++ 2013 runtime (Windows), while zxing-cpp
is self-contained.

Both libraries report a UPC-A as a 13-digit EAN with a leading ``0``; results are normalised
so a UPC-A is always :attr:`Symbology.UPCA` with its 12 digits, whichever engine read it.

:class:`FrameScanner` turns a stream of camera frames into scans: a code is reported once it
was read in two consecutive frames (a single-frame misread never reaches the cart), and not
again until it has left the picture. Grabbing frames (``QVideoSink``) is the UI's job.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from desktop.devices.errors import DecoderUnavailable, DeviceConfigError
from desktop.devices.scanner.base import ScanListener, ScannedCode, ScanSource
from desktop.devices.scanner.engine import DEFAULT_ENGINE, Engine

__all__ = (
    "DEFAULT_ENGINE",
    "Decoded",
    "Engine",
    "FrameScanner",
    "Symbology",
    "available_engines",
    "decode_image",
)


class Symbology(enum.StrEnum):
    """The retail symbologies the till accepts from a camera."""

    EAN13 = "EAN13"
    EAN8 = "EAN8"
    UPCA = "UPCA"
    UPCE = "UPCE"
    CODE128 = "CODE128"
    QR = "QR"
    DATAMATRIX = "DATAMATRIX"


@dataclass(frozen=True, slots=True)
class Decoded:
    """One code found in a picture.

    Attributes:
        text: the content (a UPC-A as its 12 digits).
        symbology: the symbology.
    """

    text: str
    symbology: Symbology


ImageInput = Image.Image | str | Path

_ZXING_NAMES = {
    "EAN13": Symbology.EAN13,
    "EAN8": Symbology.EAN8,
    "UPCA": Symbology.UPCA,
    "UPCE": Symbology.UPCE,
    "Code128": Symbology.CODE128,
    "QRCode": Symbology.QR,
    "DataMatrix": Symbology.DATAMATRIX,
}
_ZBAR_NAMES = {
    "EAN13": Symbology.EAN13,
    "EAN8": Symbology.EAN8,
    "UPCA": Symbology.UPCA,
    "UPCE": Symbology.UPCE,
    "CODE128": Symbology.CODE128,
    "QRCODE": Symbology.QR,
}


def _normalise(text: str, symbology: Symbology) -> Decoded:
    if symbology is Symbology.EAN13 and len(text) == 13 and text.startswith("0"):
        return Decoded(text[1:], Symbology.UPCA)
    return Decoded(text, symbology)


def _load(image: ImageInput) -> Image.Image:
    if isinstance(image, Image.Image):
        picture = image
    else:
        try:
            picture = Image.open(image)
            picture.load()
        except (OSError, ValueError) as error:
            raise DeviceConfigError(f"cannot read the image {image}: {error}") from error
    return picture if picture.mode == "L" else picture.convert("L")


def _zxing(picture: Image.Image) -> list[Decoded]:
    import zxingcpp

    formats = zxingcpp.BarcodeFormats([getattr(zxingcpp.BarcodeFormat, n) for n in _ZXING_NAMES])
    found = []
    for result in zxingcpp.read_barcodes(picture, formats=formats):
        symbology = _ZXING_NAMES.get(result.format.name)
        if symbology is not None and result.valid:
            found.append(_normalise(result.text, symbology))
    return found


def _zbar_module() -> Any:
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as error:  # the wrapper is there but libzbar is not
        raise DecoderUnavailable(
            "pyzbar cannot find the zbar library: install libzbar0 (Linux), zbar (macOS) or "
            "the VC++ 2013 runtime (Windows), or choose the zxing engine"
        ) from error
    return pyzbar


def _pyzbar(picture: Image.Image) -> list[Decoded]:
    pyzbar = _zbar_module()
    symbols = [getattr(pyzbar.ZBarSymbol, name) for name in _ZBAR_NAMES]
    found = []
    for result in pyzbar.decode(picture, symbols=symbols):
        text = result.data.decode("utf-8", errors="replace")
        found.append(_normalise(text, _ZBAR_NAMES[result.type]))
    return found


def available_engines() -> tuple[Engine, ...]:
    """The engines that work fully on this machine (pyzbar needs its system library)."""
    try:
        _zbar_module()
    except DecoderUnavailable:
        return (Engine.ZXING,)
    return (Engine.ZXING, Engine.PYZBAR, Engine.BOTH)


def decode_image(image: ImageInput, engine: Engine = DEFAULT_ENGINE) -> list[Decoded]:
    """Find every retail barcode in a picture.

    Args:
        image: a Pillow image, or the path of an image file.
        engine: the decoding library.

    Returns:
        The codes found, in the library's order; empty when there are none.

    Raises:
        DeviceConfigError: the file cannot be read as an image.
        DecoderUnavailable: the engine's library is not installed.
    """
    picture = _load(image)
    if engine is Engine.PYZBAR:
        return _pyzbar(picture)
    found = _zxing(picture)
    if found or engine is Engine.ZXING:
        return found
    try:
        return _pyzbar(picture)
    except DecoderUnavailable:
        return found


class FrameScanner:
    """A :class:`~.base.Scanner` fed camera frames by the UI; reports steady reads only."""

    def __init__(self, engine: Engine = DEFAULT_ENGINE, confirmations: int = 2) -> None:
        """Decode frames with ``engine``; report a code after ``confirmations`` frames agree."""
        if confirmations < 1:
            raise DeviceConfigError(f"confirmations must be at least 1, not {confirmations}")
        self.engine = engine
        self.confirmations = confirmations
        self._listener: ScanListener | None = None
        self._streak: tuple[Decoded | None, int] = (None, 0)
        self._reported: Decoded | None = None

    def start(self, listener: ScanListener) -> None:
        """Report scans to ``listener``."""
        self._listener = listener

    def stop(self) -> None:
        """Stop reporting and forget the current streak."""
        self._listener = None
        self._streak = (None, 0)
        self._reported = None

    def feed(self, frame: ImageInput) -> ScannedCode | None:
        """Decode one frame; return (and report) a scan when a code has become steady."""
        if self._listener is None:
            return None
        found = decode_image(frame, self.engine)
        current = found[0] if len(found) == 1 else None  # two codes in view: wait for one
        seen, count = self._streak
        count = count + 1 if current is not None and current == seen else 1
        self._streak = (current, count)
        if current is None:
            self._reported = None
            return None
        if count < self.confirmations or current == self._reported:
            return None
        self._reported = current
        scan = ScannedCode(current.text, ScanSource.CAMERA, current.symbology.value)
        self._listener(scan)
        return scan
