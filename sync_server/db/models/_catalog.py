"""Products, barcodes, prices and GST rates."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.db.models._base import Base, Money, company_key, row_id


class Product(Base):
    """An item a company sells."""

    __tablename__ = "products"
    __table_args__ = (
        ForeignKeyConstraint(["company_id"], ["companies.id"]),
        UniqueConstraint("company_id", "sku"),
        CheckConstraint("hsn_code ~ '^[0-9]{4,8}$'", name="hsn_code"),
        CheckConstraint("mrp_paise >= 0", name="mrp_non_negative"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    sku: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    hsn_code: Mapped[str] = mapped_column(String(8))
    unit: Mapped[str] = mapped_column(String(8))
    price_includes_tax: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime]
    mrp_paise: Mapped[int | None] = mapped_column(Money)


class Barcode(Base):
    """A barcode that rings up a product; a code belongs to one product of the company.

    ``id`` names the barcode in the change feed (the protocol names entities by UUID);
    ``quantity`` is how many units one scan sells (12 for a carton code).
    """

    __tablename__ = "barcodes"
    __table_args__ = (
        ForeignKeyConstraint(["company_id", "product_id"], ["products.company_id", "products.id"]),
        Index(None, "company_id", "product_id"),
        UniqueConstraint("company_id", "id"),
        CheckConstraint("quantity > 0", name="quantity"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    product_id: Mapped[uuid.UUID]
    id: Mapped[uuid.UUID]
    quantity: Mapped[Decimal] = mapped_column(server_default="1")
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class Price(Base):
    """A selling price from a time on, company-wide (``store_id`` null) or for one store.

    A price's amount never changes: setting a new price inserts a row and closes the open
    row of the same product and scope by setting its ``effective_to``. ``version`` (which a
    sale line cites as ``price_version``) grows with every change to the row, closing
    included; so a sale is at a superseded price when its price row is gone or the sale's
    time is outside ``[effective_from, effective_to)``.
    """

    __tablename__ = "prices"
    __table_args__ = (
        ForeignKeyConstraint(["company_id", "product_id"], ["products.company_id", "products.id"]),
        ForeignKeyConstraint(["company_id", "store_id"], ["stores.company_id", "stores.id"]),
        Index(None, "company_id", "product_id", "effective_from"),
        CheckConstraint("price_paise >= 0 AND mrp_paise >= 0", name="non_negative"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    product_id: Mapped[uuid.UUID]
    store_id: Mapped[uuid.UUID | None]
    mrp_paise: Mapped[int] = mapped_column(Money)
    price_paise: Mapped[int] = mapped_column(Money)
    effective_from: Mapped[datetime]
    effective_to: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class GstRate(Base):
    """The GST rate for an HSN code (or prefix) over a period: global law, not tenant data."""

    __tablename__ = "gst_rates"
    __table_args__ = (
        UniqueConstraint("hsn_prefix", "effective_from"),
        CheckConstraint("rate >= 0 AND rate <= 100 AND cess >= 0", name="range"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    hsn_prefix: Mapped[str] = mapped_column(String(8))
    rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    cess: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(200))
