"""When a completed sale may be voided (pure).

A void cancels an invoice outright: the customer gets every rupee back and the invoice
counts as a void in the X/Z reports, keeping its number (the GST series has no gaps). Real
tills allow it only while the shift that made the sale is still open, and only for a sale
nothing has been returned against; later, or after a partial return, the way back is a
return with a credit note, which GST reporting can follow. A voided sale takes no returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.domain.document import DocumentKind, SaleDocument
from desktop.errors import VoidRefused

__all__ = ("VoidFacts", "check_voidable")


@dataclass(frozen=True, slots=True)
class VoidFacts:
    """What the store knows about a sale when a void is asked for.

    Attributes:
        already_voided: the sale was voided before.
        has_returns: a credit note was issued against it.
        shift_closed: its shift was closed with a Z report.
    """

    already_voided: bool
    has_returns: bool
    shift_closed: bool


def check_voidable(document: SaleDocument, facts: VoidFacts) -> None:
    """Refuse, with a sentence for the cashier, a void that the rules above do not allow.

    Raises:
        VoidRefused: a credit note, an invoice already voided, one with returns against it,
            or one from a closed shift.
    """
    number = document.number
    if document.kind is not DocumentKind.SALE:
        raise VoidRefused(f"{number} is a credit note; only invoices can be voided.")
    if facts.already_voided:
        raise VoidRefused(f"Invoice {number} was already voided.")
    if facts.has_returns:
        raise VoidRefused(
            f"Invoice {number} has returns against it, so it cannot be voided. "
            "Return the remaining items instead."
        )
    if facts.shift_closed:
        raise VoidRefused(
            f"Invoice {number} belongs to a shift that was closed (Z report done). "
            "Do a return with a credit note instead."
        )
