"""The sync protocol v1 messages: handshake, push with its acknowledgement, and pull.

::

    till                                   server
    Hello(protocol_versions, ...)   ──►    negotiate()
                                    ◄──    Welcome(protocol_version, server_time)
    PushBatch(events[1..500])       ──►    apply each event exactly once
                                    ◄──    PushAck(acks: applied | duplicate | rejected)
    PullRequest(cursor)             ──►    changes committed after the cursor
                                    ◄──    PullPage(changes, next_cursor, has_more)

Every message after ``Hello`` carries ``protocol_version``; building or decoding one with a
version this build does not speak raises
:class:`~shared.errors.UnsupportedProtocolVersion`.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from msgspec import Meta

from shared.protocol._base import (
    AppVersion,
    AwareDatetime,
    NonNegativeInt,
    ProtocolStruct,
    Text,
    check_increasing,
    check_unique,
    fail,
)
from shared.protocol.changes import Change
from shared.protocol.events import Event
from shared.protocol.versions import check_version

__all__ = (
    "MAX_EVENTS_PER_BATCH",
    "MAX_PULL_LIMIT",
    "AckStatus",
    "Cursor",
    "EventAck",
    "Hello",
    "PrinterState",
    "PullPage",
    "PullRequest",
    "PushAck",
    "PushBatch",
    "TerminalStatus",
    "Welcome",
)

#: The most events one push may carry.
MAX_EVENTS_PER_BATCH = 500
#: The most changes one pull page may carry.
MAX_PULL_LIMIT = 5000

AckStatus = Literal["applied", "duplicate", "rejected"]
PrinterState = Literal["ok", "offline", "paper_out", "error", "not_configured"]
Cursor = Annotated[
    str,
    Meta(
        pattern=r"^[A-Za-z0-9._~-]{1,256}$",
        description="opaque, URL-safe; only the server reads it",
    ),
]


def _check_event_count(count: int) -> None:
    """Check a push batch's size is within 1..:data:`MAX_EVENTS_PER_BATCH`.

    Args:
        count: how many events the batch carries.

    Raises:
        MessageDecodeError: the batch is empty or too large.
    """
    if not 1 <= count <= MAX_EVENTS_PER_BATCH:
        raise fail(
            "$.events",
            f"a push batch carries 1 to {MAX_EVENTS_PER_BATCH} events, this one has {count}",
        )


# ------------------------------------------------------------------ handshake
class Hello(ProtocolStruct, frozen=True, kw_only=True):
    """The till introduces itself and lists the protocol versions it speaks.

    Attributes:
        protocol_versions: every version the till speaks.
        app_version: the till app's version.
        terminal_id: the terminal.
    """

    protocol_versions: Annotated[tuple[int, ...], Meta(min_length=1, max_length=16)]
    app_version: AppVersion
    terminal_id: UUID


class Welcome(ProtocolStruct, frozen=True, kw_only=True):
    """The server's answer to :class:`Hello`: the version both sides will speak.

    Attributes:
        protocol_version: the agreed version (the highest both speak).
        server_time: the server's clock, so the till can warn about its own clock drift.
    """

    protocol_version: int
    server_time: AwareDatetime

    def __post_init__(self) -> None:
        """Refuse a version this build does not speak."""
        check_version(self.protocol_version)


# ------------------------------------------------------------------ push
class TerminalStatus(ProtocolStruct, frozen=True, kw_only=True):
    """How the terminal is doing, reported with every push for the dashboard.

    Attributes:
        app_version: the till app's version.
        queue_depth: events waiting in the outbox, this batch included.
        oldest_pending_at: when the oldest waiting event happened, if any wait.
        printer: the receipt printer's state.
    """

    app_version: AppVersion
    queue_depth: NonNegativeInt
    oldest_pending_at: AwareDatetime | None = None
    printer: PrinterState


class PushBatch(ProtocolStruct, frozen=True, kw_only=True):
    """A batch of events from one terminal's outbox, in ``seq`` order.

    Attributes:
        protocol_version: the protocol version of this message.
        terminal_id: the terminal that made the events.
        status: the terminal's state as it sends.
        events: 1 to :data:`MAX_EVENTS_PER_BATCH` events, ``seq`` strictly increasing and
            each ``event_id`` once.
    """

    protocol_version: int
    terminal_id: UUID
    status: TerminalStatus
    events: tuple[Event, ...]

    def __post_init__(self) -> None:
        """Check the version, the size, that seq grows and that no event id repeats."""
        check_version(self.protocol_version)
        _check_event_count(len(self.events))
        check_increasing("$.events", "seq", enumerate(event.seq for event in self.events))
        check_unique("$.events", "event_id", enumerate(event.event_id for event in self.events))


class EventAck(ProtocolStruct, omit_defaults=True, frozen=True, kw_only=True):
    """The server's verdict on one event.

    Attributes:
        event_id: the event.
        status: ``applied`` (new, booked now), ``duplicate`` (booked before; nothing done)
            or ``rejected`` (invalid; kept in quarantine for an admin, never booked).
        reason: why it was rejected; present exactly when ``status`` is ``rejected``.
    """

    event_id: UUID
    status: AckStatus
    reason: Text | None = None

    def __post_init__(self) -> None:
        """Check that a reason comes with a rejection and only with one."""
        if self.status == "rejected" and self.reason is None:
            raise fail("$.reason", "a rejected event needs a reason")
        if self.status != "rejected" and self.reason is not None:
            raise fail("$.reason", f"only a rejected event has a reason; this one is {self.status}")


class PushAck(ProtocolStruct, frozen=True, kw_only=True):
    """The server's answer to a :class:`PushBatch`: one ack per event, in batch order.

    Every acknowledged event, rejected ones included, may leave the till's outbox: a rejected
    event is in the server's quarantine. Replaying a batch gets the same acks.

    Attributes:
        protocol_version: the protocol version of this message.
        acks: one per event of the batch, each event id once.
        server_time: the server's clock.
    """

    protocol_version: int
    acks: Annotated[tuple[EventAck, ...], Meta(max_length=MAX_EVENTS_PER_BATCH)]
    server_time: AwareDatetime

    def __post_init__(self) -> None:
        """Check the version and that no event is acknowledged twice."""
        check_version(self.protocol_version)
        check_unique("$.acks", "event_id", enumerate(ack.event_id for ack in self.acks))


# ------------------------------------------------------------------ pull
class PullRequest(ProtocolStruct, frozen=True, kw_only=True):
    """The till asks for the changes made since its cursor.

    Attributes:
        protocol_version: the protocol version of this message.
        cursor: the ``next_cursor`` of the last page applied, or ``None`` to start over.
        limit: the most changes to return.
    """

    protocol_version: int
    cursor: Cursor | None = None
    limit: Annotated[int, Meta(ge=1, le=MAX_PULL_LIMIT)] = 500

    def __post_init__(self) -> None:
        """Refuse a version this build does not speak."""
        check_version(self.protocol_version)


class PullPage(ProtocolStruct, frozen=True, kw_only=True):
    """One page of changes, oldest first.

    The till applies the changes and stores ``next_cursor`` in one transaction, then asks
    again while ``has_more`` is true.

    Attributes:
        protocol_version: the protocol version of this message.
        changes: the changes, at most :data:`MAX_PULL_LIMIT`.
        next_cursor: where the next pull starts.
        has_more: whether more changes are waiting now.
    """

    protocol_version: int
    changes: Annotated[tuple[Change, ...], Meta(max_length=MAX_PULL_LIMIT)]
    next_cursor: Cursor
    has_more: bool

    def __post_init__(self) -> None:
        """Refuse a version this build does not speak."""
        check_version(self.protocol_version)
