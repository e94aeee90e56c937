"""What the till sells and who sells it: catalog items, users and roles."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.money import Money

__all__ = ("Item", "Role", "User")


class Role(StrEnum):
    """What a user may do at the till; a supervisor may do everything a cashier may."""

    CASHIER = "cashier"
    SUPERVISOR = "supervisor"

    @property
    def rank(self) -> int:
        """A number that grows with authority, for "at least a supervisor" checks."""
        return _RANKS[self]


_RANKS = {Role.CASHIER: 1, Role.SUPERVISOR: 2}


@dataclass(frozen=True, slots=True)
class Item:
    """A catalog item as the till sells it (a read-only copy of the server's catalog).

    Attributes:
        item_id: the server's id of the item.
        code: the shop's own short code (PLU), also searchable.
        name: what the receipt says.
        hsn: the HSN code its GST rate is looked up by.
        unit_price: the price of one unit (one kilogram for a weighed item).
        tax_inclusive: ``True`` for MRP-style prices that include GST.
        unit: ``"pcs"``, ``"kg"``, ``"l"`` …, printed after the quantity.
        weighed: sold by weight: quantities may have up to three decimals.
    """

    item_id: str
    code: str
    name: str
    hsn: str
    unit_price: Money
    tax_inclusive: bool = True
    unit: str = "pcs"
    weighed: bool = False


@dataclass(frozen=True, slots=True)
class User:
    """A person who may log in at the till.

    Attributes:
        user_id: the server's id of the user.
        name: shown on screen and printed on receipts.
        role: what the user may do.
    """

    user_id: str
    name: str
    role: Role
