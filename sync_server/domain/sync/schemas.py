"""Request and response bodies of the sync area's admin routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec

__all__ = (
    "ExceptionResolve",
    "ExceptionView",
    "InvolvedEvent",
    "QuarantineResolve",
    "QuarantineView",
)


class InvolvedEvent(msgspec.Struct, kw_only=True):
    """A pushed event an exception is about, as the server booked it."""

    event_id: uuid.UUID
    terminal_id: uuid.UUID | None
    seq: int | None
    kind: str | None
    applied_at: datetime | None


class ExceptionView(msgspec.Struct, kw_only=True):
    """A sync exception with the events that caused it."""

    id: uuid.UUID
    kind: str
    status: str
    entity: str
    entity_id: uuid.UUID | None
    terminal_id: uuid.UUID | None
    store_id: uuid.UUID | None
    detail: dict[str, Any]
    events: list[InvolvedEvent]
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: uuid.UUID | None
    resolution: str | None
    note: str | None


class ExceptionResolve(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How an admin deals with an exception.

    ``acknowledge`` closes it; ``note`` adds a note and leaves it open; ``adjust_stock``
    (oversell only) books ``adjust_quantity`` (signed, for example the units found on a
    recount) as an ``adjustment`` movement and closes it.
    """

    action: Literal["acknowledge", "note", "adjust_stock"]
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    adjust_quantity: Decimal | None = None


class QuarantineView(msgspec.Struct, kw_only=True):
    """An event the server could not book, with its payload as received."""

    id: uuid.UUID
    terminal_id: uuid.UUID
    event_id: uuid.UUID | None
    seq: int | None
    kind: str | None
    reason: str
    raw: str
    status: str
    received_at: datetime
    resolved_at: datetime | None
    resolved_by: uuid.UUID | None
    note: str | None


class QuarantineResolve(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Dismiss a quarantined event with a note, or retry booking it (after fixing the cause)."""

    action: Literal["dismiss", "retry"]
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""
