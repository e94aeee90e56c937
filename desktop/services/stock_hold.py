"""Stock checks and customer holds at this store, asked of the server while the till is online.

A cashier can ask "how many are there?" and "keep 2 for Mrs Rao until tonight" (DESIGN.md
rule 6: a hold takes quantity on the server with one conditional update, so two tills never
promise the same last unit). This is an online extra: when the server cannot be asked, the
answer is :class:`Offline` and selling is untouched, because an offline sale always goes
through (rule 5).

The server is reached through the :class:`StockServer` port (the real adapter wraps the sync
client, see :mod:`desktop.bootstrap`; :class:`FakeStockServer` is the test double). Results
are plain values: :class:`Checked`, :class:`Held`, :class:`Released`, :class:`Refused` or
:class:`Offline`, each with a ``message`` for the cashier. Input the cashier got wrong (no
reference, a quantity of zero) raises :class:`InvalidHold` before anything is sent.

A hold carries a client-made UUIDv7 (from the injected id factory). When an answer is lost
(a timeout after the server already held the stock), asking again for the same hold reuses
the same id, so the server answers with the hold it made instead of holding twice.

Errors of this module, a branch of :class:`~desktop.errors.TillError`::

    StockError
    ├── StockUnavailable   the port could not ask the server (offline, not enrolled, revoked)
    ├── StockRefused       the server said no; ``available`` when stock is short
    └── InvalidHold        a bad quantity, reference or time; nothing was sent
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from desktop.errors import TillError
from desktop.services.ports import Clock

__all__ = (
    "DEFAULT_HOLD",
    "OFFLINE_MESSAGE",
    "Checked",
    "FakeStockServer",
    "Held",
    "HoldRecord",
    "HoldRequest",
    "InvalidHold",
    "Offline",
    "Refused",
    "Released",
    "StockError",
    "StockHolds",
    "StockLevel",
    "StockRefused",
    "StockServer",
    "StockUnavailable",
    "quantity_text",
)

DEFAULT_HOLD = timedelta(hours=2)
"""How long a hold lasts when the cashier does not say (a customer fetching money)."""
MAX_HOLD = timedelta(days=7)
"""The longest hold the till asks for (the server's default cap is a week too)."""
MAX_REFERENCE = 120
"""The server keeps at most this many characters of a hold's reference."""
MAX_QUANTITY = Decimal(1_000_000)
OFFLINE_MESSAGE = "Offline: cannot check stock now; you can still sell."
"""What the cashier reads whenever the server cannot be asked."""


# ---------------------------------------------------------------------- errors
class StockError(TillError):
    """Base of the stock-hold errors."""


class StockUnavailable(StockError):
    """The server cannot be asked now (no network, timeout, not enrolled, credential refused).

    Ports raise it; :class:`StockHolds` turns it into :class:`Offline`.
    """


class StockRefused(StockError):
    """The server refused: short stock, a hold already committed, an unknown product.

    ``available`` says how much there is when the stock was short.

    Ports raise it; :class:`StockHolds` turns it into :class:`Refused`.

    Attributes:
        available: what the server says is available, when it said.
    """

    def __init__(self, message: str, *, available: Decimal | None = None) -> None:
        super().__init__(message)
        self.available = available


class InvalidHold(StockError):
    """The cashier's input cannot make a hold (the message says what to fix)."""


# ---------------------------------------------------------------------- values
def quantity_text(quantity: Decimal) -> str:
    """A quantity as the cashier reads it: ``3``, ``1.5``, ``0.25`` (no trailing zeros)."""
    if quantity == quantity.to_integral_value():
        return f"{quantity.quantize(Decimal(1)):f}"
    return f"{quantity.normalize():f}"


@dataclass(frozen=True, slots=True)
class StockLevel:
    """One product's stock at this store, as the server counts it.

    Attributes:
        product_id: the product (the till's ``Item.item_id``).
        on_hand: units in the store.
        reserved: units promised by holds that have not expired.
        available: on hand minus reserved (never below zero).
        incoming: units on their way here in transfers.
    """

    product_id: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    incoming: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class HoldRequest:
    """What is sent to hold stock; sending the same request again is a safe retry.

    Attributes:
        hold_id: the client-made UUIDv7 the server files the hold under.
        store_id: this store.
        product_id: the product to hold.
        quantity: how much.
        reference: who it is for (a name or phone).
        ttl_seconds: how long the hold lasts from when the server takes it.
    """

    hold_id: str
    store_id: str
    product_id: str
    quantity: Decimal
    reference: str
    ttl_seconds: int


@dataclass(frozen=True, slots=True)
class HoldRecord:
    """A hold as the server answered it.

    Attributes:
        hold_id: its id.
        reference: who it is for.
        status: ``held``, ``released``, ``expired`` or ``committed``.
        expires_at: when it stops counting.
        lines: (product id, quantity) held.
    """

    hold_id: str
    reference: str
    status: str
    expires_at: datetime
    lines: tuple[tuple[str, Decimal], ...]

    def quantity_of(self, product_id: str) -> Decimal:
        """How much of ``product_id`` it holds (0 if none)."""
        return sum((q for p, q in self.lines if p == product_id), Decimal(0))

    @property
    def quantity(self) -> Decimal:
        """Everything it holds, all products together."""
        return sum((q for _, q in self.lines), Decimal(0))


@dataclass(frozen=True, slots=True)
class Checked:
    """The server answered a stock check."""

    level: StockLevel

    @property
    def message(self) -> str:
        """The sentence under the big numbers."""
        level = self.level
        if level.available <= 0:
            text = "None available to hold."
        else:
            text = f"{quantity_text(level.available)} available to sell or hold."
        if level.incoming > 0:
            text += f" {quantity_text(level.incoming)} on the way from another store."
        return text


@dataclass(frozen=True, slots=True)
class Held:
    """The server holds the stock until ``hold.expires_at``.

    Attributes:
        hold: the server's record.
        product_id: the product this till asked to hold.
        local_expiry: the expiry in the till's own timezone.
        today: whether the expiry falls on the till's today.
    """

    hold: HoldRecord
    product_id: str
    local_expiry: datetime
    today: bool

    @property
    def message(self) -> str:
        """``Held 2 for Mrs Rao until 18:30.`` (with the date when it is not today)."""
        when = (
            f"{self.local_expiry:%H:%M}"
            if self.today
            else f"{self.local_expiry:%d %b %H:%M}".lstrip("0")
        )
        quantity = quantity_text(self.hold.quantity_of(self.product_id))
        return f"Held {quantity} for {self.hold.reference} until {when}."


@dataclass(frozen=True, slots=True)
class Released:
    """The server gave a hold's stock back (or it had expired already)."""

    hold: HoldRecord

    @property
    def message(self) -> str:
        """What became of the hold."""
        if self.hold.status == "expired":
            return f"The hold for {self.hold.reference} had expired; its stock is free again."
        return f"Released the hold for {self.hold.reference}: the stock is free again."


@dataclass(frozen=True, slots=True)
class Refused:
    """The server said no.

    Attributes:
        message: why, for the cashier ("Only 2 available; cannot hold 3.").
        available: what is available, when the refusal was about stock.
    """

    message: str
    available: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Offline:
    """The server could not be asked; selling goes on.

    Attributes:
        reason: what the port said (for the tooltip / log), not for the big text.
        message: :data:`OFFLINE_MESSAGE`.
    """

    reason: str
    message: str = OFFLINE_MESSAGE


# ---------------------------------------------------------------------- the port
class StockServer(Protocol):
    """The stock calls the till makes to its server.

    Every method raises :class:`StockUnavailable` when the server cannot be asked and
    :class:`StockRefused` when it says no.
    """

    def availability(self, store_id: str, product_id: str) -> StockLevel:
        """The product's stock at the store."""
        ...

    def reserve(self, request: HoldRequest) -> HoldRecord:
        """Hold stock; a request with a ``hold_id`` the server has seen answers that hold."""
        ...

    def release(self, hold_id: str) -> HoldRecord:
        """Give a hold's stock back; releasing twice changes nothing."""
        ...

    def holds(self, store_id: str) -> list[HoldRecord]:
        """The store's holds that are still held, newest first."""
        ...

    def close(self) -> None:
        """Let go of connections."""
        ...


# ---------------------------------------------------------------------- the service
class StockHolds:
    """Check stock, hold it for a customer, release holds.

    Thread-safe; call it off the GUI thread, since each call may wait on the network.

    Args:
        server: the port.
        store_id: this till's store on the server.
        ids: makes UUIDv7 ids (a hold's client id).
        clock: the till's clock (the timezone holds are shown in).
        default_ttl: how long a hold lasts when the cashier does not say.
    """

    def __init__(
        self,
        server: StockServer,
        *,
        store_id: str,
        ids: Callable[[], UUID],
        clock: Clock,
        default_ttl: timedelta = DEFAULT_HOLD,
    ) -> None:
        self._server = server
        self._store_id = store_id
        self._ids = ids
        self._clock = clock
        self.default_ttl = default_ttl
        self._lock = threading.Lock()
        # requests whose answer never came, by what was asked: a retry reuses the id
        self._unanswered: dict[tuple[str, Decimal, str, int], HoldRequest] = {}

    def local_time(self, moment: datetime) -> datetime:
        """``moment`` in the till's timezone (the server answers in UTC)."""
        return moment.astimezone(self._clock.now().tzinfo)

    def check(self, product_id: str) -> Checked | Refused | Offline:
        """The product's on hand, reserved and available stock at this store."""
        try:
            return Checked(self._server.availability(self._store_id, product_id))
        except StockUnavailable as exc:
            return Offline(str(exc))
        except StockRefused as exc:
            return Refused(str(exc), exc.available)

    def request(
        self,
        product_id: str,
        quantity: Decimal,
        reference: str,
        ttl: timedelta | None = None,
        *,
        weighed: bool = False,
    ) -> HoldRequest:
        """The request that holds ``quantity`` of a product for ``reference``.

        The same ask as one whose answer was lost gets that request back (same id).

        Raises:
            InvalidHold: no reference, a quantity that is not positive, has more than three
                decimals (or any, for an item sold by the piece), or a time out of range.
        """
        reference = " ".join(reference.split())
        if not reference:
            raise InvalidHold("Type the customer's name or phone number for the hold.")
        if len(reference) > MAX_REFERENCE:
            raise InvalidHold(f"Keep the customer reference to {MAX_REFERENCE} characters.")
        if not quantity.is_finite() or quantity <= 0:
            raise InvalidHold("The quantity to hold must be more than zero.")
        if quantity > MAX_QUANTITY:
            raise InvalidHold(f"Cannot hold more than {quantity_text(MAX_QUANTITY)}.")
        if quantity != quantity.quantize(Decimal("0.001")):
            raise InvalidHold("A quantity may have at most three decimals, like 1.250.")
        if not weighed and quantity != quantity.to_integral_value():
            raise InvalidHold("This item is sold by the piece: hold a whole number.")
        ttl = self.default_ttl if ttl is None else ttl
        if ttl < timedelta(minutes=1) or ttl > MAX_HOLD:
            raise InvalidHold("A hold lasts from one minute to seven days.")
        seconds = int(ttl.total_seconds())
        key = (product_id, quantity.normalize(), reference, seconds)
        with self._lock:
            pending = self._unanswered.get(key)
            if pending is not None:
                return pending
            return HoldRequest(
                hold_id=str(self._ids()),
                store_id=self._store_id,
                product_id=product_id,
                quantity=quantity,
                reference=reference,
                ttl_seconds=seconds,
            )

    def hold(self, request: HoldRequest) -> Held | Refused | Offline:
        """Send ``request``. When the answer is lost it is kept, so asking again is safe."""
        key = (
            request.product_id,
            request.quantity.normalize(),
            request.reference,
            request.ttl_seconds,
        )
        with self._lock:
            self._unanswered[key] = request
        try:
            record = self._server.reserve(request)
        except StockUnavailable as exc:
            return Offline(str(exc))
        except StockRefused as exc:
            self._forget(key)
            return Refused(_refusal(exc, request.quantity), exc.available)
        self._forget(key)
        local = self.local_time(record.expires_at)
        return Held(record, request.product_id, local, local.date() == self._clock.now().date())

    def hold_for(
        self,
        product_id: str,
        quantity: Decimal,
        reference: str,
        ttl: timedelta | None = None,
        *,
        weighed: bool = False,
    ) -> Held | Refused | Offline:
        """:meth:`request` then :meth:`hold` (raises :class:`InvalidHold` like ``request``)."""
        return self.hold(self.request(product_id, quantity, reference, ttl, weighed=weighed))

    def release(self, hold_id: str) -> Released | Refused | Offline:
        """Give a hold's stock back."""
        try:
            return Released(self._server.release(hold_id))
        except StockUnavailable as exc:
            return Offline(str(exc))
        except StockRefused as exc:
            return Refused(str(exc), exc.available)

    def holds(self, product_id: str | None = None) -> list[HoldRecord] | Refused | Offline:
        """This store's holds still held (of ``product_id`` only, when given), newest first."""
        try:
            found = self._server.holds(self._store_id)
        except StockUnavailable as exc:
            return Offline(str(exc))
        except StockRefused as exc:
            return Refused(str(exc), exc.available)
        if product_id is None:
            return found
        return [h for h in found if h.quantity_of(product_id) > 0]

    def close(self) -> None:
        """Close the port's connections (the till is shutting down)."""
        self._server.close()

    def _forget(self, key: tuple[str, Decimal, str, int]) -> None:
        with self._lock:
            self._unanswered.pop(key, None)


def _refusal(error: StockRefused, asked: Decimal) -> str:
    if error.available is None:
        return str(error)
    if error.available <= 0:
        return f"None available; cannot hold {quantity_text(asked)}."
    return f"Only {quantity_text(error.available)} available; cannot hold {quantity_text(asked)}."


# ---------------------------------------------------------------------- the fake
@dataclass
class FakeStockServer:
    """An in-memory stock server for tests: on-hand figures, holds that expire, faults.

    Attributes:
        clock: the time holds expire by.
        on_hand: units on hand per product id (products not here are unknown).
        offline: every call raises :class:`StockUnavailable`.
        lose_next_answer: the next reserve is applied, then the answer is "lost" (raises
            :class:`StockUnavailable`, as a timeout would).
        records: holds by id.
        calls: (method, argument) of every call, in order.
    """

    clock: Clock
    on_hand: dict[str, Decimal] = field(default_factory=dict)
    offline: bool = False
    lose_next_answer: bool = False
    records: dict[str, HoldRecord] = field(default_factory=dict)
    requests: dict[str, HoldRequest] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def _reachable(self) -> None:
        if self.offline:
            raise StockUnavailable("Cannot reach the server (the fake is offline).")

    def _status(self, record: HoldRecord) -> str:
        if record.status == "held" and record.expires_at <= self.clock.now():
            return "expired"
        return record.status

    def _reserved(self, product_id: str) -> Decimal:
        held = [r for r in self.records.values() if self._status(r) == "held"]
        return sum((r.quantity_of(product_id) for r in held), Decimal(0))

    def availability(self, store_id: str, product_id: str) -> StockLevel:
        """The product's stock, counting unexpired holds."""
        self.calls.append(("availability", product_id))
        self._reachable()
        return self._level(product_id)

    def _level(self, product_id: str) -> StockLevel:
        if product_id not in self.on_hand:
            raise StockRefused(f"product {product_id} is not in this company's catalog")
        on_hand = self.on_hand[product_id]
        reserved = self._reserved(product_id)
        return StockLevel(product_id, on_hand, reserved, max(Decimal(0), on_hand - reserved))

    def reserve(self, request: HoldRequest) -> HoldRecord:
        """Hold the stock if enough is available; a known id answers the stored hold."""
        self.calls.append(("reserve", request.hold_id))
        self._reachable()
        known = self.records.get(request.hold_id)
        if known is not None:
            if self.requests[request.hold_id] != request:
                raise StockRefused(f"reservation id {request.hold_id} is already used")
            return replace(known, status=self._status(known))
        level = self._level(request.product_id)
        if level.available < request.quantity:
            raise StockRefused("insufficient stock", available=level.available)
        record = HoldRecord(
            hold_id=request.hold_id,
            reference=request.reference,
            status="held",
            expires_at=self.clock.now() + timedelta(seconds=request.ttl_seconds),
            lines=((request.product_id, request.quantity),),
        )
        self.records[request.hold_id] = record
        self.requests[request.hold_id] = request
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise StockUnavailable("The server did not answer in time.")
        return record

    def release(self, hold_id: str) -> HoldRecord:
        """Give the stock back (a replay changes nothing; a committed hold is refused)."""
        self.calls.append(("release", hold_id))
        self._reachable()
        record = self.records.get(hold_id)
        if record is None:
            raise StockRefused(f"no reservation {hold_id}")
        status = self._status(record)
        if status == "committed":
            raise StockRefused(f"reservation {hold_id} is already committed")
        if status == "held":
            status = "released"
        self.records[hold_id] = replace(record, status=status)
        return self.records[hold_id]

    def holds(self, store_id: str) -> list[HoldRecord]:
        """Holds still held, newest first."""
        self.calls.append(("holds", store_id))
        self._reachable()
        held = [r for r in self.records.values() if self._status(r) == "held"]
        return sorted(held, key=lambda r: r.hold_id, reverse=True)

    def close(self) -> None:
        """Nothing to close."""
