"""Changes the server sends a till: the server-owned data the till keeps a read-only copy of.

A :class:`Change` says that one entity (a product, barcode, price, GST rate, user or store's
settings) was upserted or deleted. Its ``entity`` field picks the concrete class, and each
class's ``data`` is typed for its entity::

    {"entity": "product", "op": "upsert", "entity_id": "...", "version": 7,
     "data": {"code": "SKU-1", "name": "Tata Salt 1kg", ...}}
    {"entity": "barcode", "op": "delete", "entity_id": "...", "version": 3, "data": null}

A delete is a tombstone: it carries no data, and the till removes its copy. ``version`` grows
with every change to one entity, so applying an older change over a newer one is detectable,
and a sale line can cite the price version it was charged at.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from msgspec import Meta

from shared.protocol._base import (
    AwareDatetime,
    Barcode,
    Gstin,
    Hsn,
    NonNegativePaise,
    Phone,
    PositiveInt,
    ProtocolStruct,
    Role,
    ShortText,
    StateCode,
    Text,
    check_decimal,
    fail,
)

__all__ = (
    "BarcodeChange",
    "BarcodeData",
    "Change",
    "GstRateChange",
    "GstRateData",
    "PriceChange",
    "PriceData",
    "ProductChange",
    "ProductData",
    "StoreSettingsChange",
    "StoreSettingsData",
    "UserChange",
    "UserData",
)

Unit = Literal["pcs", "kg", "g", "l", "ml", "m"]
StoreCode = Annotated[str, Meta(pattern=r"^[A-Za-z0-9]{1,6}$")]
UserCode = Annotated[str, Meta(pattern=r"^[A-Za-z0-9]{1,16}$")]
_ONE = Decimal(1)
PinHash = Annotated[
    str, Meta(pattern=r"^\$argon2id\$[\x21-\x7e]{1,250}$", description="argon2id PHC string")
]


# ------------------------------------------------------------------ entity data
class ProductData(ProtocolStruct, frozen=True, kw_only=True):
    """A product in the catalog.

    Attributes:
        code: the company's item code (SKU).
        name: the name shown and printed.
        hsn: HSN/SAC code; the GST rate comes from :class:`GstRateData` for this code.
        unit: the unit quantities are counted in.
        price_includes_tax: whether its prices are tax-inclusive (MRP).
        mrp_paise: the printed maximum retail price, if any.
        active: whether it may be sold.
    """

    code: ShortText
    name: Text
    hsn: Hsn
    unit: Unit
    price_includes_tax: bool
    mrp_paise: NonNegativePaise | None = None
    active: bool = True


class BarcodeData(ProtocolStruct, frozen=True, kw_only=True):
    """A barcode that sells a product.

    Attributes:
        product_id: the product.
        code: the barcode as scanned.
        quantity: how many units one scan sells (12 for a carton code).
    """

    product_id: UUID
    code: Barcode
    quantity: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        """Check the quantity."""
        quantity = self.quantity
        if quantity.is_finite() and quantity == _ONE:
            return  # nearly every barcode sells one unit: valid, without the general checks
        check_decimal(
            self.quantity,
            "$.quantity",
            places=3,
            minimum=Decimal(0),
            maximum=Decimal(10_000),
            minimum_inclusive=False,
        )


class PriceData(ProtocolStruct, frozen=True, kw_only=True):
    """A product's selling price, for one store or company-wide, over a span of time.

    Attributes:
        product_id: the product.
        store_id: the store, or ``None`` for every store without its own price.
        unit_price_paise: the price per unit.
        effective_from: when it starts.
        effective_until: when it stops (exclusive), or ``None`` if open-ended.
    """

    product_id: UUID
    store_id: UUID | None = None
    unit_price_paise: NonNegativePaise
    effective_from: AwareDatetime
    effective_until: AwareDatetime | None = None

    def __post_init__(self) -> None:
        """Check the span is not empty."""
        if self.effective_until is not None and self.effective_until <= self.effective_from:
            raise fail("$.effective_until", "effective_until must be after effective_from")


class GstRateData(ProtocolStruct, frozen=True, kw_only=True):
    """The GST and cess rate of an HSN code over a span of days.

    Rates are effective-dated so that a change (such as the one of 22 September 2025) is a
    new record and old invoices keep the rate they were issued at.

    Attributes:
        hsn: the HSN/SAC code.
        rate: GST rate in percent (``"18"``).
        cess_rate: cess rate in percent.
        effective_from: the first day it applies.
        effective_to: the last day it applies (inclusive), or ``None`` if open-ended.
    """

    hsn: Hsn
    rate: Decimal
    cess_rate: Decimal = Decimal(0)
    effective_from: date
    effective_to: date | None = None

    def __post_init__(self) -> None:
        """Check the rates and that the span is not empty."""
        check_decimal(self.rate, "$.rate", places=3, minimum=Decimal(0), maximum=Decimal(100))
        check_decimal(
            self.cess_rate, "$.cess_rate", places=3, minimum=Decimal(0), maximum=Decimal(1000)
        )
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise fail("$.effective_to", "effective_to must not be before effective_from")


class UserData(ProtocolStruct, frozen=True, kw_only=True):
    """A person who may log in at a till, with the PIN hash for offline login.

    Attributes:
        code: the short code typed or picked at the login screen.
        name: the name shown.
        role: ``cashier``, ``supervisor`` or ``manager``.
        pin_hash: the argon2id hash of the PIN (never the PIN itself).
        store_ids: the stores where the user may log in.
        active: whether the user may log in at all.
    """

    code: UserCode
    name: Text
    role: Role
    pin_hash: PinHash
    store_ids: Annotated[tuple[UUID, ...], Meta(max_length=1000)]
    active: bool = True


class StoreSettingsData(ProtocolStruct, frozen=True, kw_only=True):
    """A store's settings that its tills need; the change's ``entity_id`` is the store's id.

    Attributes:
        code: the store code that starts its terminals' invoice numbers.
        name: the store's name.
        legal_name: the registered business name printed on invoices.
        gstin: the store's GSTIN.
        state_code: its GST state code (decides CGST+SGST or IGST).
        address: the address lines printed on receipts.
        phone: the phone printed on receipts.
        receipt_footer: a closing line for receipts.
        idle_lock_seconds: how long a till may sit idle before it locks.
        max_pin_attempts: failed PINs before a user is locked out.
        discount_limit_percent: the largest discount each role may give without approval.
    """

    code: StoreCode
    name: Text
    legal_name: Text
    gstin: Gstin
    state_code: StateCode
    address: Annotated[tuple[Text, ...], Meta(min_length=1, max_length=6)]
    phone: Phone | None = None
    receipt_footer: Text | None = None
    idle_lock_seconds: Annotated[int, Meta(ge=10, le=86_400)] = 300
    max_pin_attempts: Annotated[int, Meta(ge=1, le=100)] = 5
    discount_limit_percent: dict[Role, Decimal]

    def __post_init__(self) -> None:
        """Check the discount limits are percentages."""
        for role, limit in self.discount_limit_percent.items():
            check_decimal(
                limit,
                f"$.discount_limit_percent.{role}",
                places=2,
                minimum=Decimal(0),
                maximum=Decimal(100),
            )


# ------------------------------------------------------------------ changes
class _Change(ProtocolStruct, tag_field="entity", frozen=True, kw_only=True):
    """Base of changes; ``entity`` on the wire names the concrete class.

    Attributes:
        op: ``upsert`` (``data`` holds the whole entity) or ``delete`` (a tombstone).
        entity_id: the entity's id.
        version: the entity's version after this change.
    """

    op: Literal["upsert", "delete"]
    entity_id: UUID
    version: PositiveInt

    def __post_init__(self) -> None:
        """Check an upsert carries data and a delete does not."""
        data = getattr(self, "data", None)
        if self.op == "upsert" and data is None:
            raise fail("$.data", "an upsert carries the entity's data")
        if self.op == "delete" and data is not None:
            raise fail("$.data", "a delete is a tombstone and carries no data")


class ProductChange(_Change, tag="product", frozen=True, kw_only=True):
    """A product was upserted or deleted."""

    data: ProductData | None = None


class BarcodeChange(_Change, tag="barcode", frozen=True, kw_only=True):
    """A barcode was upserted or deleted."""

    data: BarcodeData | None = None


class PriceChange(_Change, tag="price", frozen=True, kw_only=True):
    """A price was upserted or deleted."""

    data: PriceData | None = None


class GstRateChange(_Change, tag="gst_rate", frozen=True, kw_only=True):
    """A GST rate was upserted or deleted."""

    data: GstRateData | None = None


class UserChange(_Change, tag="user", frozen=True, kw_only=True):
    """A user was upserted or deleted (deleting takes their till login away)."""

    data: UserData | None = None


class StoreSettingsChange(_Change, tag="store_settings", frozen=True, kw_only=True):
    """A store's settings were upserted or deleted."""

    data: StoreSettingsData | None = None


Change = (
    ProductChange | BarcodeChange | PriceChange | GstRateChange | UserChange | StoreSettingsChange
)
