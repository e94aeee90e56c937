"""Request and response bodies of the catalog area: products, barcodes, prices, GST rates.

Request bodies are decoded strictly (see ``controllers``): money is integer paise, so
``"1250"`` or ``12.0`` for a ``*_paise`` field is an error naming the field, not a guess.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from shared.protocol import MAX_PAISE

__all__ = (
    "BarcodeCreate",
    "BarcodeView",
    "GstRateCreate",
    "GstRateView",
    "ImportResult",
    "PriceCreate",
    "PriceView",
    "ProductCreate",
    "ProductPage",
    "ProductUpdate",
    "ProductView",
    "Unit",
)

Unit = Literal["pcs", "kg", "g", "l", "ml", "m"]
Sku = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$",
        description="item code: up to 40 of A-Z a-z 0-9 . _ / -, starting with a letter or digit",
    ),
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Hsn = Annotated[
    str,
    msgspec.Meta(pattern=r"^[0-9]{4}(?:[0-9]{2}){0,2}$", description="HSN code: 4, 6 or 8 digits"),
]
Paise = Annotated[int, msgspec.Meta(ge=0, le=MAX_PAISE, description="integer paise, >= 0")]
BarcodeText = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
Quantity = Annotated[Decimal, msgspec.Meta(description="units one scan sells, > 0, 3 places")]


class _Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields are an error."""


class BarcodeCreate(_Body, kw_only=True):
    """A barcode for a product; GTINs (8, 12, 13, 14 digits) must have a valid check digit."""

    code: BarcodeText
    quantity: Quantity = Decimal(1)


class PriceCreate(_Body, kw_only=True):
    """A new selling price from ``effective_from`` (default: now), superseding the last one.

    ``store_id`` omitted: the company-wide price, used by stores without their own.
    """

    price_paise: Paise
    mrp_paise: Paise | None = None
    store_id: uuid.UUID | None = None
    effective_from: datetime | None = None


class ProductCreate(_Body, kw_only=True):
    """A new product, optionally with its barcodes and its first company-wide price."""

    sku: Sku
    name: Name
    hsn: Hsn
    unit: Unit = "pcs"
    price_includes_tax: bool = True
    mrp_paise: Paise | None = None
    barcodes: Annotated[list[BarcodeCreate], msgspec.Meta(max_length=50)] = []
    price_paise: Paise | None = None


class ProductUpdate(_Body, kw_only=True):
    """Changes to a product; omitted fields stay as they are (``active: false`` deactivates)."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    hsn: Hsn | msgspec.UnsetType = msgspec.UNSET
    unit: Unit | msgspec.UnsetType = msgspec.UNSET
    price_includes_tax: bool | msgspec.UnsetType = msgspec.UNSET
    mrp_paise: Paise | msgspec.UnsetType | None = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class BarcodeView(msgspec.Struct, kw_only=True):
    """A barcode as admins see it."""

    id: uuid.UUID
    code: str
    quantity: Decimal
    version: int


class PriceView(msgspec.Struct, kw_only=True):
    """A price as admins see it; ``version`` is what sale lines cite."""

    id: uuid.UUID
    store_id: uuid.UUID | None
    price_paise: int
    mrp_paise: int
    effective_from: datetime
    effective_to: datetime | None
    version: int


class ProductView(msgspec.Struct, kw_only=True):
    """A product with its barcodes and prices (every price, newest first)."""

    id: uuid.UUID
    sku: str
    name: str
    hsn: str
    unit: str
    price_includes_tax: bool
    mrp_paise: int | None
    active: bool
    version: int
    updated_at: datetime
    barcodes: list[BarcodeView]
    prices: list[PriceView]


class ProductPage(msgspec.Struct, kw_only=True):
    """One page of products in SKU order; pass ``next`` as ``after`` for the next page."""

    items: list[ProductView]
    next: str | None


class GstRateCreate(_Body, kw_only=True):
    """A GST rate for an HSN code (or a 2- to 8-digit prefix) from a day on."""

    hsn: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2,8}$")]
    rate: Decimal
    cess: Decimal = Decimal(0)
    effective_from: date
    effective_to: date | None = None
    description: Annotated[str, msgspec.Meta(max_length=200)] = ""


class GstRateView(msgspec.Struct, kw_only=True):
    """A GST rate."""

    id: uuid.UUID
    hsn: str
    rate: Decimal
    cess: Decimal
    effective_from: date
    effective_to: date | None
    description: str


class ImportResult(msgspec.Struct, kw_only=True):
    """What a CSV import did (all of it, or nothing)."""

    products_created: int
    products_updated: int
    barcodes_added: int
    prices_set: int
