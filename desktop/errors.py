"""The one exception tree of the till (``desktop``).

Every error the till raises on purpose derives from :class:`TillError`, itself a
:class:`shared.errors.GallaError`, so the UI catches the whole family at its edge and shows
``str(error)``: a sentence a cashier understands. Domain errors (a bad scan, a short tender)
are kept apart from transport errors (printer, storage), as STYLE.md asks.

::

    TillError
    ├── SaleError                  the sale in progress cannot do what was asked
    │   ├── UnknownBarcode         no item has the scanned / typed code
    │   ├── EmptyCart              tendering or holding a sale with no lines
    │   ├── NoSuchLine             a cart line number that does not exist
    │   ├── InvalidQuantity        zero, negative or fractional count of a non-weighed item
    │   ├── DiscountAboveLimit     a discount beyond what the user's role may give
    │   ├── ApprovalRequired       the action needs a supervisor PIN
    │   ├── NoHeldSale             recalling a held sale that is not there
    │   └── VoidRefused            a completed sale that may not be voided (say why)
    ├── TenderError                payment
    │   ├── InsufficientTender     the payments do not cover the total
    │   └── InvalidTender          a bad amount, a missing reference, change from a card
    ├── ReturnError                returns and credit notes
    │   ├── SaleNotFound           no sale has that receipt number
    │   └── ReturnExceedsSale      returning more than was sold (less what came back)
    ├── ShiftError                 shifts and cash
    │   ├── NoOpenShift            selling or moving cash with no shift open
    │   ├── ShiftAlreadyOpen       opening a second shift
    │   └── InvalidCashCount       a negative count or an unknown denomination
    ├── AuthError                  login and approvals
    │   ├── InvalidPin             the PIN does not match
    │   ├── UserLockedOut          too many wrong PINs; wait until ``until``
    │   ├── NotPermitted           the user's role may not approve this
    │   └── SessionExpired         the till locked itself after idle time
    ├── StoreError                 the local database
    │   ├── SchemaTooNew           the database was written by a newer till
    │   └── MigrationFailed        a schema migration could not be applied
    ├── SettingsError              the settings file or environment has a bad value
    └── DeviceError                a device failed (raised by device adapters)
        └── PrinterOffline         the receipt printer did not print
"""

# The names follow the domain (UnknownBarcode, InsufficientTender), as STYLE.md asks.
from __future__ import annotations

from shared.errors import GallaError

__all__ = (
    "ApprovalRequired",
    "AuthError",
    "DeviceError",
    "DiscountAboveLimit",
    "EmptyCart",
    "InsufficientTender",
    "InvalidCashCount",
    "InvalidPin",
    "InvalidQuantity",
    "InvalidTender",
    "MigrationFailed",
    "NoHeldSale",
    "NoOpenShift",
    "NoSuchLine",
    "NotPermitted",
    "PrinterOffline",
    "ReturnError",
    "ReturnExceedsSale",
    "SaleError",
    "SaleNotFound",
    "SchemaTooNew",
    "SessionExpired",
    "SettingsError",
    "ShiftAlreadyOpen",
    "ShiftError",
    "StoreError",
    "TenderError",
    "TillError",
    "UnknownBarcode",
    "UserLockedOut",
    "VoidRefused",
)


class TillError(GallaError):
    """Base of every error the till raises on purpose; ``str()`` is for the cashier."""


class SaleError(TillError):
    """The sale in progress cannot do what was asked."""


class UnknownBarcode(SaleError, LookupError):
    """No item in the catalog has this barcode or code.

    Attributes:
        code: the code as scanned or typed.
    """

    def __init__(self, code: str) -> None:
        super().__init__(f"No item has the code {code!r}. Check the code or search by name.")
        self.code = code


class EmptyCart(SaleError):
    """The action needs at least one line in the cart."""


class NoSuchLine(SaleError, LookupError):
    """A cart line that does not exist (or was voided) was named."""


class InvalidQuantity(SaleError, ValueError):
    """A quantity that is zero, negative, or fractional for an item sold by count."""


class DiscountAboveLimit(SaleError):
    """The discount exceeds the most any role may give.

    Attributes:
        percent: the discount asked for, as a percent of the amount it applies to.
        limit: the limit of the most senior role that could approve it.
    """

    def __init__(self, percent: object, limit: object) -> None:
        super().__init__(f"A {percent}% discount is more than the {limit}% limit.")
        self.percent = percent
        self.limit = limit


class ApprovalRequired(SaleError):
    """The action needs a supervisor to enter their PIN.

    Attributes:
        action: a short name of the action (``"void_line"``, ``"discount"`` ...).
    """

    def __init__(self, action: str, message: str) -> None:
        super().__init__(message)
        self.action = action


class NoHeldSale(SaleError, LookupError):
    """The held sale asked for does not exist (maybe another recall took it)."""


class VoidRefused(SaleError):
    """A completed sale cannot be voided: already voided, returned against, or shift closed."""


class TenderError(TillError):
    """A payment cannot be accepted."""


class InsufficientTender(TenderError):
    """The payments are less than the amount due.

    Attributes:
        due_paise: how much is still owed, in paise.
    """

    def __init__(self, due_paise: int, message: str) -> None:
        super().__init__(message)
        self.due_paise = due_paise


class InvalidTender(TenderError, ValueError):
    """A payment with a bad amount, a missing reference, or change asked from card/UPI."""


class ReturnError(TillError):
    """A return or credit note cannot be made."""


class SaleNotFound(ReturnError, LookupError):
    """No completed sale has the given receipt number."""


class ReturnExceedsSale(ReturnError, ValueError):
    """The return asks for more of a line than was sold, less what was already returned."""


class ShiftError(TillError):
    """A shift or cash action cannot be done."""


class NoOpenShift(ShiftError):
    """Selling or moving cash needs an open shift."""


class ShiftAlreadyOpen(ShiftError):
    """A shift is already open on this till."""


class InvalidCashCount(ShiftError, ValueError):
    """A cash count with a negative number or an unknown denomination."""


class AuthError(TillError):
    """Login or approval failed."""


class InvalidPin(AuthError):
    """The PIN does not match any active user (or the named approver).

    Attributes:
        attempts_left: wrong PINs left before lockout, when a user was identified.
    """

    def __init__(self, message: str, attempts_left: int | None = None) -> None:
        super().__init__(message)
        self.attempts_left = attempts_left


class UserLockedOut(AuthError):
    """Too many wrong PINs: the user is locked out until ``until`` (ISO time)."""

    def __init__(self, name: str, until: str) -> None:
        super().__init__(f"{name} is locked out after too many wrong PINs. Ask a supervisor.")
        self.until = until


class NotPermitted(AuthError):
    """The user's role may not do or approve this action."""


class SessionExpired(AuthError):
    """The till locked itself after being idle; log in again."""


class StoreError(TillError):
    """The local database cannot do what was asked."""


class SchemaTooNew(StoreError):
    """The database was written by a newer version of the till; refuse to touch it."""


class MigrationFailed(StoreError):
    """A schema migration failed; the database was left at its previous version."""


class SettingsError(TillError, ValueError):
    """A setting in the TOML file or the environment is invalid.

    Attributes:
        name: the setting's name.
    """

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"setting {name!r}: {message}")
        self.name = name


class DeviceError(TillError):
    """A device (printer, drawer, scanner) failed."""


class PrinterOffline(DeviceError):
    """The receipt printer did not print; the sale is safe and can be reprinted."""
