"""The small interfaces the till's services need from the outside world.

Each port has a real adapter (:mod:`desktop.store` for storage, ``desktop.devices`` for
hardware) and a fake in :mod:`desktop.services.fakes`. Device engineers: implement
:class:`ReceiptPrinter`, :class:`CashDrawer` and feed scans to
:meth:`desktop.services.till.Till.scan`; nothing else is needed from you.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from desktop.domain.audit import AuditEntry
from desktop.domain.catalog import Item, User
from desktop.domain.document import DocumentLine, SaleDocument
from desktop.domain.shift import CashCount, CashMovement, ReportDocument, ShiftReport, VoidRecord
from shared.gst import RateTable
from shared.money import Money
from shared.protocol.events import Event, EventPayload

__all__ = (
    "AuditDraft",
    "CashDrawer",
    "Clock",
    "HeldSale",
    "OutboxStats",
    "PinHasher",
    "ReceiptPrinter",
    "ShiftRecord",
    "TillStore",
    "UserRecord",
)


class Clock(Protocol):
    """Tells the time; the services never read the system clock themselves."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class ReceiptPrinter(Protocol):
    """Prints documents and reports. Raise :class:`desktop.errors.DeviceError` on failure."""

    @property
    def opens_drawer_on_cash(self) -> bool:
        """Whether a cash receipt opens the drawer by itself (a kick inside the print job).

        When it does, the services do not kick the drawer again after a cash sale.
        """
        ...

    def print_receipt(self, document: SaleDocument, *, duplicate: bool = False) -> None:
        """Print an invoice or credit note; ``duplicate`` marks a reprint."""
        ...

    def print_shift_report(
        self, report: ShiftReport, *, z_number: int | None, count: CashCount | None
    ) -> None:
        """Print an X report (``z_number`` is ``None``) or a Z report with its count."""
        ...


class CashDrawer(Protocol):
    """The cash drawer, usually kicked open through the receipt printer."""

    def kick(self) -> None:
        """Open the drawer. Raise :class:`desktop.errors.DeviceError` on failure."""
        ...


class PinHasher(Protocol):
    """Hashes and checks PINs (argon2id in production)."""

    def hash(self, pin: str) -> str:
        """Return a salted hash of ``pin``."""
        ...

    def verify(self, pin_hash: str, pin: str) -> bool:
        """Return whether ``pin`` matches ``pin_hash``."""
        ...


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user with their login state.

    Attributes:
        user: the user.
        pin_hash: their PIN's argon2 hash.
        failed_attempts: wrong PINs since the last good one.
        locked_until: when a lockout ends, if locked.
    """

    user: User
    pin_hash: str
    failed_attempts: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class ShiftRecord:
    """A shift as stored.

    Attributes:
        shift_id: the shift's id.
        user_id: who opened it.
        opened_at: when.
        opening_float: cash in the drawer at open.
        closed_at: when it was closed, if it was.
        z_number: the Z report's number, once closed.
    """

    shift_id: str
    user_id: str
    opened_at: datetime
    opening_float: Money
    closed_at: datetime | None = None
    z_number: int | None = None


@dataclass(frozen=True, slots=True)
class AuditDraft:
    """An audit entry to append to the chain (the store links and hashes it).

    Attributes:
        action: what happened, snake_case.
        actor_id: who did it, if known.
        occurred_at: when.
        detail: further facts as text.
    """

    action: str
    actor_id: str | None
    occurred_at: datetime
    detail: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HeldSale:
    """A sale put on hold.

    Attributes:
        hold_id: the hold's id.
        held_at: when.
        user_id: who held it.
        label: what the cashier sees in the recall list.
        cart_json: the cart, encoded.
    """

    hold_id: str
    held_at: datetime
    user_id: str
    label: str
    cart_json: bytes


@dataclass(frozen=True, slots=True)
class OutboxStats:
    """How much waits to be sent, for the status bar.

    Attributes:
        pending: events not yet acknowledged by the server.
        oldest: when the oldest of them happened, or ``None``.
    """

    pending: int
    oldest: datetime | None


class TillStore(Protocol):
    """The till's local database.

    Every write is one transaction that also appends its outbox events and audit entries,
    so a fact and its event are stored together or not at all.
    """

    # catalog and users (server-owned copies)
    def find_by_barcode(self, key: str) -> Item | None:
        """The item with this canonical barcode / lookup key."""
        ...

    def find_by_code(self, code: str) -> Item | None:
        """The item with this shop code (case-insensitive)."""
        ...

    def search(self, text: str, limit: int = 30) -> list[Item]:
        """Items whose name, code or barcode start with the words of ``text``."""
        ...

    def rate_table(self) -> RateTable:
        """Every GST rate period known to the till."""
        ...

    def user_records(self) -> list[UserRecord]:
        """Every active user with their login state."""
        ...

    def set_login_state(
        self,
        user_id: str,
        failed_attempts: int,
        locked_until: datetime | None,
        audit: AuditDraft | None,
    ) -> None:
        """Store a user's failed-PIN count and lockout, with an audit entry."""
        ...

    # audit and outbox
    def record_audit(self, draft: AuditDraft) -> AuditEntry:
        """Append one audit entry (and its outbox event)."""
        ...

    def audit_entries(self) -> list[AuditEntry]:
        """The whole audit chain, oldest first."""
        ...

    def outbox_stats(self) -> OutboxStats:
        """How many events wait and since when."""
        ...

    def outbox_events(self) -> list[Event]:
        """Every event not yet acknowledged, in sequence order."""
        ...

    # shifts and cash
    def current_shift(self) -> ShiftRecord | None:
        """The open shift, if any."""
        ...

    def open_shift(
        self,
        record: ShiftRecord,
        payload: Callable[[], EventPayload],
        audit: AuditDraft,
    ) -> None:
        """Store a newly opened shift with its event."""
        ...

    def shift_activity(
        self, shift_id: str
    ) -> tuple[list[ReportDocument], list[CashMovement], list[VoidRecord]]:
        """Documents (the parts a report needs), cash movements and voids of a shift."""
        ...

    def voided_sale_ids(self, shift_id: str) -> frozenset[str]:
        """The ids of the shift's invoices voided after completion."""
        ...

    def record_cash_movement(
        self,
        shift_id: str,
        *,
        movement_id: str,
        movement: CashMovement,
        user_id: str,
        approved_by: str | None,
        payload: EventPayload | None,
        audit: AuditDraft | None,
    ) -> None:
        """Store a cash in/out or a no-sale, with its event and audit entry."""
        ...

    def record_void(
        self,
        shift_id: str,
        *,
        void_id: str,
        void: VoidRecord,
        user_id: str,
        approved_by: str | None,
        audit: AuditDraft,
    ) -> None:
        """Store a voided line or sale with its audit entry."""
        ...

    def close_shift(
        self,
        shift_id: str,
        *,
        closed_by: str,
        closed_at: datetime,
        count: CashCount,
        report_json: bytes,
        payload: Callable[[int], EventPayload],
        audit: AuditDraft,
    ) -> int:
        """Close the shift, number its Z report, store the count; returns the Z number."""
        ...

    # sales and returns
    def commit_document(
        self,
        series_kind: str,
        on: datetime,
        build: Callable[[str], SaleDocument],
        payload: Callable[[SaleDocument], EventPayload],
        audits: Sequence[AuditDraft] = (),
    ) -> SaleDocument:
        """Take the next number of a series, build the document, store it with its event."""
        ...

    def document_by_number(self, number: str) -> SaleDocument | None:
        """The invoice or credit note with this number."""
        ...

    def returned_lines(self, sale_id: str) -> dict[int, list[DocumentLine]]:
        """Original line number -> the credit-note lines already issued against it."""
        ...

    def recent_documents(self, limit: int = 20) -> list[SaleDocument]:
        """The newest documents, newest first."""
        ...

    def document_flags(self, sale_ids: Sequence[str]) -> dict[str, tuple[bool, bool]]:
        """Sale id -> (voided, has returns against it)."""
        ...

    def is_voided(self, sale_id: str) -> bool:
        """Whether the sale was voided after completion."""
        ...

    def void_sale(
        self,
        number: str,
        *,
        user_id: str,
        approved_by: str,
        reason: str,
        at: datetime,
        payload: Callable[[SaleDocument], EventPayload],
        audit: Callable[[SaleDocument], AuditDraft],
    ) -> SaleDocument:
        """Mark an invoice voided with its event and audit entry, checking the void rules."""
        ...

    # held sales
    def hold_sale(self, held: HeldSale) -> None:
        """Keep a sale on hold."""
        ...

    def held_sales(self) -> list[HeldSale]:
        """Every held sale, oldest first."""
        ...

    def take_held_sale(self, hold_id: str) -> HeldSale | None:
        """Remove and return a held sale (``None`` if another recall took it)."""
        ...
