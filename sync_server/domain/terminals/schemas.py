"""Request and response bodies of the terminals area."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

__all__ = ("EnrolRequest", "Enrolled", "EnrolmentCodeView", "TerminalSelf", "TerminalView")


class EnrolRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A till presenting its one-time code (``XXXX-XXXX``; case, spaces and dashes ignored)."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""


class Enrolled(msgspec.Struct, kw_only=True):
    """What an enrolled till keeps: its identity and its credential (shown once)."""

    terminal_id: uuid.UUID
    company_id: uuid.UUID
    store_id: uuid.UUID
    terminal_code: str
    credential: str


class EnrolmentCodeView(msgspec.Struct, kw_only=True):
    """A freshly made enrolment code (shown once; only its digest is stored)."""

    code: str
    store_id: uuid.UUID
    expires_at: datetime


class TerminalView(msgspec.Struct, kw_only=True):
    """A terminal as admins see it, with what it reported on its last push.

    ``acked_seq`` is the contiguous high-water mark of its events on the server;
    ``queue_depth`` and ``oldest_pending_at`` are what the till said was still waiting.
    """

    id: uuid.UUID
    store_id: uuid.UUID
    code: str
    name: str
    status: str
    enrolled_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    last_push_at: datetime | None = None
    acked_seq: int = 0
    queue_depth: int | None = None
    oldest_pending_at: datetime | None = None
    app_version: str | None = None
    printer_state: str | None = None


class TerminalSelf(msgspec.Struct, kw_only=True):
    """What a terminal learns about itself."""

    terminal_id: uuid.UUID
    company_id: uuid.UUID
    store_id: uuid.UUID
    terminal_code: str
