"""The stock area's errors, as branches of the server's one exception tree.

::

    InvalidInput
    ├── InvalidMovement           400  a movement or count breaks a rule (reason, quantity)
    ├── UnknownProduct            400  a product id that is not in the company's catalog
    └── UnknownStore              400  a store id that is not the company's
    Conflict
    ├── InsufficientStock         409  not enough available; ``available`` says how much is
    ├── ReservationExpired        409  the reservation's time is up; it can only be released
    └── ReservationClosed         409  the reservation was committed or released already
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sync_server.lib.errors import Conflict, InvalidInput

__all__ = (
    "InsufficientStock",
    "InvalidMovement",
    "ReservationClosed",
    "ReservationExpired",
    "UnknownProduct",
    "UnknownStore",
    "tidy",
)


def tidy(quantity: Decimal) -> Decimal:
    """``quantity`` without trailing zeros (``3.000`` -> ``3``, ``1.500`` -> ``1.5``)."""
    if quantity == quantity.to_integral_value():
        return quantity.quantize(Decimal(1))
    return quantity.normalize()


class InvalidMovement(InvalidInput):
    """A stock movement or count breaks a rule; the message says which."""

    slug = "invalid-stock-movement"
    title = "Invalid stock movement"


class UnknownProduct(InvalidInput):
    """A product id is not in the company's catalog (``product_id`` names it)."""

    slug = "unknown-product"
    title = "Unknown product"

    def __init__(self, product_id: uuid.UUID | str, *, field: str | None = None) -> None:
        super().__init__(
            f"product {product_id} is not in this company's catalog",
            field=field,
            product_id=str(product_id),
        )
        self.product_id = str(product_id)


class UnknownStore(InvalidInput):
    """A store id is not one of the company's stores (``store_id`` names it)."""

    slug = "unknown-store"
    title = "Unknown store"

    def __init__(self, store_id: uuid.UUID | str, *, field: str | None = None) -> None:
        super().__init__(
            f"store {store_id} is not one of this company's stores",
            field=field,
            store_id=str(store_id),
        )
        self.store_id = str(store_id)


class InsufficientStock(Conflict):
    """Not enough stock is available for a reservation; ``available`` is what there is."""

    slug = "insufficient-stock"
    title = "Insufficient stock"

    def __init__(
        self,
        store_id: uuid.UUID,
        product_id: uuid.UUID,
        requested: Decimal,
        available: Decimal,
    ) -> None:
        super().__init__(
            f"insufficient stock of product {product_id} at store {store_id}: "
            f"{tidy(requested)} requested, {tidy(available)} available",
            store_id=str(store_id),
            product_id=str(product_id),
            requested=str(tidy(requested)),
            available=str(tidy(available)),
        )
        self.store_id = store_id
        self.product_id = product_id
        self.requested = requested
        self.available = available


class ReservationExpired(Conflict):
    """The reservation's time is up: its stock may be promised elsewhere; reserve again."""

    slug = "reservation-expired"
    title = "Reservation expired"

    def __init__(self, reservation_id: uuid.UUID, expires_at: datetime) -> None:
        super().__init__(
            f"reservation {reservation_id} expired at {expires_at.isoformat()}; "
            "make a new reservation",
            reservation_id=str(reservation_id),
            expires_at=expires_at.isoformat(),
        )


class ReservationClosed(Conflict):
    """The reservation was already committed or released (``status`` says which)."""

    slug = "reservation-closed"
    title = "Reservation closed"

    def __init__(self, reservation_id: uuid.UUID, status: str) -> None:
        super().__init__(
            f"reservation {reservation_id} is already {status}",
            reservation_id=str(reservation_id),
            status=status,
        )
