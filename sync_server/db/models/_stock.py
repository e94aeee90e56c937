"""Stock: levels per store and product, the ledger of movements, and reservations."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.db.models._base import Base, company_key, row_id


class StockLevel(Base):
    """On-hand and reserved quantity of a product in a store."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        ForeignKeyConstraint(["company_id", "store_id"], ["stores.company_id", "stores.id"]),
        ForeignKeyConstraint(["company_id", "product_id"], ["products.company_id", "products.id"]),
        CheckConstraint("reserved >= 0", name="reserved"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    store_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    on_hand: Mapped[Decimal]
    reserved: Mapped[Decimal]
    updated_at: Mapped[datetime]


class StockMovement(Base):
    """One signed change to on-hand stock, with why it happened."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        ForeignKeyConstraint(["company_id", "store_id"], ["stores.company_id", "stores.id"]),
        ForeignKeyConstraint(["company_id", "product_id"], ["products.company_id", "products.id"]),
        Index(None, "company_id", "store_id", "product_id", "occurred_at"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    store_id: Mapped[uuid.UUID]
    product_id: Mapped[uuid.UUID]
    quantity: Mapped[Decimal]
    reason: Mapped[str] = mapped_column(String(20))
    reference_id: Mapped[uuid.UUID | None]
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]


class Reservation(Base):
    """Quantity held for a customer, transfer or other channel until it expires."""

    __tablename__ = "reservations"
    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "store_id", "product_id"],
            ["stock_levels.company_id", "stock_levels.store_id", "stock_levels.product_id"],
        ),
        Index(None, "company_id", "expires_at"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("status IN ('held', 'committed', 'released', 'expired')", name="status"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    store_id: Mapped[uuid.UUID]
    product_id: Mapped[uuid.UUID]
    quantity: Mapped[Decimal]
    reason: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
