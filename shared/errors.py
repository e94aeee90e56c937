"""The one exception tree of the pure ``shared`` package.

Every error raised by ``shared`` derives from :class:`GallaError`, so an app can catch the
whole family at its edge and map it to an HTTP problem-details answer or a till dialog.
Messages name the thing that is wrong in words a cashier or an admin understands; the
attributes carry the machine-readable detail.

::

    GallaError
    ├── MoneyError                  amounts: float given, not whole paise, bad allocation
    │   └── FloatMoneyError         a float where money (paise / Decimal) belongs
    ├── TaxError                    GST computation
    │   ├── NoRateInEffect          no GST rate for an HSN code on a date
    │   ├── InvalidTaxRate          a rate outside 0..100 or overlapping effective dates
    │   └── InvalidLine             a sale line or discount that cannot be taxed
    ├── GstinError                  GSTIN validation (``reason`` says which rule failed)
    │   ├── GstinFormatError        length / character pattern
    │   ├── GstinStateCodeError     the first two digits are not a state or UT code
    │   └── GstinChecksumError      the 15th (mod-36) check character is wrong
    ├── BarcodeError                barcode parsing
    │   ├── BarcodeFormatError      wrong length or characters for the symbology
    │   ├── BarcodeCheckDigitError  the GS1 check digit does not match
    │   └── VariableMeasureError    a price/weight-embedded code that the nomenclature rejects
    ├── InvoiceNumberError          invoice / credit-note numbering (length, characters, series)
    ├── IdError                     a UUIDv7 timestamp or entropy out of range, or not a v7 id
    └── ProtocolError               sync protocol messages
        ├── MessageDecodeError      malformed JSON, unknown field, wrong type, float money
        └── UnsupportedProtocolVersion  a peer speaks a protocol version we do not
"""

from __future__ import annotations

__all__ = (
    "BarcodeCheckDigitError",
    "BarcodeError",
    "BarcodeFormatError",
    "FloatMoneyError",
    "GallaError",
    "GstinChecksumError",
    "GstinError",
    "GstinFormatError",
    "GstinStateCodeError",
    "IdError",
    "InvalidLine",
    "InvalidTaxRate",
    "InvoiceNumberError",
    "MessageDecodeError",
    "MoneyError",
    "NoRateInEffect",
    "ProtocolError",
    "TaxError",
    "UnsupportedProtocolVersion",
    "VariableMeasureError",
)


class GallaError(Exception):
    """Base of every error raised by ``shared``."""


# --------------------------------------------------------------------------- money
class MoneyError(GallaError, ValueError):
    """An amount of money is invalid or an operation on it is impossible."""


class FloatMoneyError(MoneyError, TypeError):
    """A float was given where money belongs; money is integer paise or ``Decimal``."""


# --------------------------------------------------------------------------- tax
class TaxError(GallaError):
    """A GST computation cannot be done."""


class NoRateInEffect(TaxError, LookupError):
    """No GST rate is in effect for an HSN code on the given date."""


class InvalidTaxRate(TaxError, ValueError):
    """A GST rate is out of range, or rate periods for one HSN overlap."""


class InvalidLine(TaxError, ValueError):
    """A sale line cannot be taxed: bad quantity, price, HSN or rate, or a discount too large."""


# --------------------------------------------------------------------------- GSTIN
class GstinError(GallaError, ValueError):
    """A GSTIN is invalid; ``reason`` names the rule that failed.

    Attributes:
        gstin: the text that was checked.
        reason: one of ``"format"``, ``"state_code"``, ``"checksum"``.
    """

    reason = "invalid"

    def __init__(self, gstin: str, message: str) -> None:
        super().__init__(message)
        self.gstin = gstin


class GstinFormatError(GstinError):
    """The GSTIN is not 15 characters of the pattern ``99AAAAA9999A9Z9``."""

    reason = "format"


class GstinStateCodeError(GstinError):
    """The GSTIN's first two digits are not a known state or union-territory code."""

    reason = "state_code"


class GstinChecksumError(GstinError):
    """The GSTIN's 15th character does not match the mod-36 check character."""

    reason = "checksum"


# --------------------------------------------------------------------------- barcodes
class BarcodeError(GallaError, ValueError):
    """A barcode cannot be understood."""


class BarcodeFormatError(BarcodeError):
    """The code has the wrong length or characters for its symbology."""


class BarcodeCheckDigitError(BarcodeError):
    """The code's GS1 check digit is wrong (a misread or a mistyped code)."""


class VariableMeasureError(BarcodeError):
    """A weight/price-embedded code does not fit the configured nomenclature."""


# --------------------------------------------------------------------------- invoices
class InvoiceNumberError(GallaError, ValueError):
    """An invoice or credit-note number or series breaks the GST numbering rules."""


# --------------------------------------------------------------------------- ids
class IdError(GallaError, ValueError):
    """A UUIDv7 cannot be made or read: timestamp or entropy out of range, or not version 7."""


# --------------------------------------------------------------------------- protocol
class ProtocolError(GallaError):
    """A sync protocol message cannot be accepted."""


class MessageDecodeError(ProtocolError, ValueError):
    """A message is malformed: bad JSON, an unknown field, a wrong type or float money.

    Attributes:
        path: where in the message the problem is (for example ``$.events[3].lines[0]``),
            or ``""`` when the whole message is unreadable.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class UnsupportedProtocolVersion(ProtocolError):
    """The peer speaks a protocol version this build does not.

    Attributes:
        version: the version the peer announced.
        supported: the versions this build accepts.
    """

    def __init__(self, version: int, supported: tuple[int, ...]) -> None:
        super().__init__(
            f"protocol version {version} is not supported; this build speaks "
            f"{', '.join(str(v) for v in supported)}"
        )
        self.version = version
        self.supported = supported
