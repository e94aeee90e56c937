"""The exception tree of the till's device adapters (scanners, printers, displays).

This is a branch of the till's one tree (:mod:`desktop.errors`): everything derives from its
:class:`~desktop.errors.DeviceError`, and :class:`~desktop.errors.PrinterOffline` is the till's
own class re-exported, so the till's edge catches a device failure with the rest of the family.
These are *transport* errors: they never mean a sale is wrong, only that a device did not answer.

::

    TillError
    └── DeviceError                 (desktop.errors) a device could not be used
        ├── DeviceConfigError       settings name a backend that is missing or malformed
        ├── PrinterError            the receipt printer failed a job
        │   └── PaperOut            the printer reports its paper roll is empty
        ├── PrinterOffline          (desktop.errors) no answer: unplugged, off, wrong port/host
        ├── ScannerError            a scanner could not be opened or read
        └── DecoderUnavailable      an image-decoding library (or its system library) is missing
"""

from __future__ import annotations

from desktop.errors import DeviceError, PrinterOffline

__all__ = (
    "DecoderUnavailable",
    "DeviceConfigError",
    "DeviceError",
    "PaperOut",
    "PrinterError",
    "PrinterOffline",
    "ScannerError",
)


class DeviceConfigError(DeviceError, ValueError):
    """Device settings are malformed or name a backend this machine cannot use."""


class PrinterError(DeviceError):
    """The receipt printer failed to take a job."""


class PaperOut(PrinterError):
    """The printer reports that its paper roll is empty."""


class ScannerError(DeviceError):
    """A scanner could not be opened or read."""


class DecoderUnavailable(DeviceError):
    """An image-decoding library, or the system library it wraps, is not installed."""
