"""Stock: levels per store and product, the ledger of movements, reservations and transfers.

``stock_levels.reserved`` is a maintained counter: the sum of the quantities of every
reservation line still ``held`` (counted), expired or not. Availability reads subtract only
lines that have not expired yet (see ``sync_server/domain/stock/services.py``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKeyConstraint, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from sync_server.db.models._base import Base, company_key, row_id


class StockLevel(Base):
    """On-hand and reserved quantity of a product in a store (``on_hand`` may go negative)."""

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
    """One signed change to on-hand stock, with why it happened (append-only).

    No foreign keys: the ledger's one writer (``apply_movements``) books a movement only for
    a level row it has just made or locked, and that row carries the store and product keys.
    Two foreign-key checks per row would cost about a third of the push path's insert time.
    """

    __tablename__ = "stock_movements"
    __table_args__ = (Index(None, "company_id", "store_id", "product_id", "occurred_at"),)

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
    """Stock held at a store for a reference (a customer hold, a transfer, another channel).

    ``id`` is chosen by the client, so a retried request finds the same reservation;
    ``fingerprint`` is a digest of what was asked, so the same id asking for something else
    is refused. ``status`` is ``held`` until committed, released or expired; a held
    reservation past ``expires_at`` no longer counts, whether or not the cleanup ran yet.
    """

    __tablename__ = "reservations"
    __table_args__ = (
        Index(
            "ix_reservations_company_id_expires_at_held",
            "company_id",
            "expires_at",
            postgresql_where=text("status = 'held'"),
        ),
        Index(None, "company_id", "store_id", "created_at"),
        CheckConstraint("status IN ('held', 'committed', 'released', 'expired')", name="status"),
        CheckConstraint("kind IN ('hold', 'transfer', 'order')", name="kind"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    store_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    terminal_id: Mapped[uuid.UUID | None]
    user_id: Mapped[uuid.UUID | None]


class ReservationLine(Base):
    """One product of a reservation; ``held`` while its quantity is in ``reserved``.

    ``expires_at`` repeats the reservation's, so availability can find expired-but-counted
    quantity per (store, product) through one partial index. No foreign key to
    ``stock_levels``: the line is only written after its conditional update of that level
    row succeeded, and a key-share lock per line on a hot level row would cost a multixact
    per reservation.
    """

    __tablename__ = "reservation_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "reservation_id"], ["reservations.company_id", "reservations.id"]
        ),
        Index(
            "ix_reservation_lines_held_by_level_expires_at",
            "company_id",
            "store_id",
            "product_id",
            "expires_at",
            postgresql_where=text("held"),
            postgresql_include=["quantity"],
        ),
        CheckConstraint("quantity > 0", name="quantity"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    reservation_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    store_id: Mapped[uuid.UUID]
    quantity: Mapped[Decimal]
    held: Mapped[bool] = mapped_column(Boolean)
    expires_at: Mapped[datetime]


class Transfer(Base):
    """Stock sent from one store to another: in transit until received."""

    __tablename__ = "transfers"
    __table_args__ = (
        ForeignKeyConstraint(["company_id", "from_store_id"], ["stores.company_id", "stores.id"]),
        ForeignKeyConstraint(["company_id", "to_store_id"], ["stores.company_id", "stores.id"]),
        Index(None, "company_id", "to_store_id", "status"),
        Index(None, "company_id", "from_store_id", "status"),
        CheckConstraint("status IN ('in_transit', 'received')", name="status"),
        CheckConstraint("from_store_id <> to_store_id", name="two_stores"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    id: Mapped[uuid.UUID] = row_id()
    from_store_id: Mapped[uuid.UUID]
    to_store_id: Mapped[uuid.UUID]
    reference: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime]
    sent_by: Mapped[uuid.UUID | None]
    received_at: Mapped[datetime | None]
    received_by: Mapped[uuid.UUID | None]
    note: Mapped[str] = mapped_column(String(500), default="")


class TransferLine(Base):
    """One product of a transfer; ``quantity_received`` is null until the receipt."""

    __tablename__ = "transfer_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["company_id", "transfer_id"], ["transfers.company_id", "transfers.id"]
        ),
        ForeignKeyConstraint(["company_id", "product_id"], ["products.company_id", "products.id"]),
        CheckConstraint("quantity_sent > 0", name="quantity_sent"),
        CheckConstraint("quantity_received >= 0", name="quantity_received"),
    )

    company_id: Mapped[uuid.UUID] = company_key()
    transfer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    quantity_sent: Mapped[Decimal]
    quantity_received: Mapped[Decimal | None]
