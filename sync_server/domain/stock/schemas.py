"""Request and response bodies of the stock area: availability, reservations, transfers."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

__all__ = (
    "Availability",
    "ReceiptLine",
    "ReservationCreate",
    "ReservationExtend",
    "ReservationLineIn",
    "ReservationLineView",
    "ReservationView",
    "TransferCreate",
    "TransferLineView",
    "TransferReceive",
    "TransferView",
)

Quantity = Decimal
"""A quantity (the services check it is positive, with at most 3 decimals)."""
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]


class Availability(msgspec.Struct, kw_only=True):
    """Stock of one product in one store as tills and admins see it.

    ``reserved`` counts only reservations that have not expired; ``available`` is on hand
    minus that, never below zero; ``incoming`` is what transfers have in transit to here.
    """

    store_id: uuid.UUID
    product_id: uuid.UUID
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    incoming: Decimal


class ReservationLineIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One product to hold."""

    product_id: uuid.UUID
    quantity: Quantity


class ReservationCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Hold stock at a store. ``id`` is the client's: sending it again finds the same hold.

    ``store_id`` may be left out by a terminal (its own store). ``ttl_seconds`` defaults to
    the server's ``reservation_default_seconds`` and is capped by ``reservation_max_seconds``.
    """

    id: uuid.UUID
    reference: Reference
    lines: Annotated[list[ReservationLineIn], msgspec.Meta(min_length=1, max_length=200)]
    store_id: uuid.UUID | None = None
    kind: Literal["hold", "order"] = "hold"
    ttl_seconds: Annotated[int, msgspec.Meta(ge=1)] | None = None


class ReservationExtend(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Keep a hold for ``ttl_seconds`` from now."""

    ttl_seconds: Annotated[int, msgspec.Meta(ge=1)]


class ReservationLineView(msgspec.Struct, kw_only=True):
    """One held product."""

    product_id: uuid.UUID
    quantity: Decimal


class ReservationView(msgspec.Struct, kw_only=True):
    """A reservation; ``status`` reads ``expired`` the moment its time is up."""

    id: uuid.UUID
    store_id: uuid.UUID
    kind: str
    reference: str
    status: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    lines: list[ReservationLineView]


class TransferCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Send stock to another store of the company (``id`` is the client's, for retries)."""

    id: uuid.UUID
    from_store_id: uuid.UUID
    to_store_id: uuid.UUID
    lines: Annotated[list[ReservationLineIn], msgspec.Meta(min_length=1, max_length=500)]
    reference: Annotated[str, msgspec.Meta(max_length=120)] = ""
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ReceiptLine(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How much of one product arrived."""

    product_id: uuid.UUID
    quantity: Decimal


class TransferReceive(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What arrived. Left out: everything arrived as sent. Given: every line, once each."""

    lines: list[ReceiptLine] | None = None
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class TransferLineView(msgspec.Struct, kw_only=True):
    """One product of a transfer; ``discrepancy`` is received minus sent once received."""

    product_id: uuid.UUID
    quantity_sent: Decimal
    quantity_received: Decimal | None
    discrepancy: Decimal | None


class TransferView(msgspec.Struct, kw_only=True):
    """A transfer between two stores."""

    id: uuid.UUID
    from_store_id: uuid.UUID
    to_store_id: uuid.UUID
    reference: str
    status: str
    sent_at: datetime
    received_at: datetime | None
    note: str
    lines: list[TransferLineView]
