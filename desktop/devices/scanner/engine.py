"""The camera decoder choice, apart from the decoders, so settings need not load PIL."""

from __future__ import annotations

import enum

__all__ = ("DEFAULT_ENGINE", "Engine")


class Engine(enum.Enum):
    """Which decoding library reads the picture."""

    ZXING = "zxing"
    PYZBAR = "pyzbar"
    BOTH = "both"
    """zxing-cpp first; pyzbar only on frames where zxing-cpp found nothing."""


DEFAULT_ENGINE = Engine.BOTH
"""Measured best in ``bench/barcode_decoding.py``: zxing-cpp reads 2D codes (DataMatrix, noisy
QR) that ZBar cannot, ZBar reads blurred, noisy and steeply rotated 1D codes that zxing-cpp
misses; the fallback costs a second decode only on frames where the first found nothing.
Where libzbar is missing this behaves as :attr:`Engine.ZXING`."""
