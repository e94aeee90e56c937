"""The stock area's errors, as branches of the server's one exception tree.

::

    InvalidInput
    ├── InvalidMovement           400  a movement or count breaks a rule (reason, quantity)
    ├── UnknownProduct            400  a product id that is not in the company's catalog
    └── UnknownStore              400  a store id that is not the company's
    Conflict
    └── InsufficientStock         409  not enough available; ``available`` says how much is
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sync_server.lib.errors import Conflict, InvalidInput

__all__ = ("InsufficientStock", "InvalidMovement", "UnknownProduct", "UnknownStore")


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
            f"{requested} requested, {available} available",
            store_id=str(store_id),
            product_id=str(product_id),
            requested=str(requested),
            available=str(available),
        )
        self.store_id = store_id
        self.product_id = product_id
        self.requested = requested
        self.available = available
