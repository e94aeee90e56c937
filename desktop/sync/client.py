"""The HTTP client a till talks to its sync server with (httpx, synchronous, off the GUI thread).

Every answer that is not a success becomes one of :mod:`desktop.sync.errors`:

=====================================  ===============================================
what happened                          raised
=====================================  ===============================================
connection refused/reset, timeout,     :class:`SyncUnavailable` (retry with back-off)
cut body, 5xx, 429, 503
401 on a terminal endpoint             :class:`TerminalRevoked` (stop; tell the cashier)
403, 409, 413, other 4xx               :class:`SyncRefused`
409 from the stock API                 :class:`StockConflict` (a SyncRefused; ``available``)
enrolment 400 ``reason`` = expired     :class:`EnrolmentCodeExpired`
enrolment 400 unknown / used           :class:`WrongEnrolmentCode`
=====================================  ===============================================

``Retry-After`` (seconds or an HTTP date) is carried on :class:`SyncUnavailable`. Bodies are
decoded strictly with :func:`shared.protocol.decode`; an answer that does not decode is
treated as a transport fault (a proxy mangled it), never half-applied.
"""

from __future__ import annotations

import email.utils
import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

import httpx
import msgspec

from desktop.sync.errors import (
    EnrolmentCodeExpired,
    EnrolmentFailed,
    SyncError,
    SyncRefused,
    SyncUnavailable,
    TerminalRevoked,
    WrongEnrolmentCode,
)
from shared.errors import GallaError
from shared.protocol import (
    PullPage,
    PushAck,
    PushBatch,
    SnapshotBatch,
    SnapshotHead,
    decode,
    decode_snapshot_batch,
    decode_snapshot_end,
    decode_snapshot_head,
    encode,
)

__all__ = (
    "SNAPSHOT_PATH",
    "Enrolment",
    "FetchedPage",
    "ReservationAnswer",
    "StockAnswer",
    "StockConflict",
    "SyncClient",
    "parse_retry_after",
)

ENROL_PATH = "/api/v1/terminals/enrol"
PUSH_PATH = "/api/v1/sync/push"
PULL_PATH = "/api/v1/sync/pull"
SNAPSHOT_PATH = "/api/v1/sync/snapshot"
AVAILABILITY_PATH = "/api/v1/stock/availability"
RESERVATIONS_PATH = "/api/v1/reservations"
#: Push bodies at least this large are sent gzip-compressed (the server inflates them).
GZIP_MIN_BYTES = 4096


class _PagePeek(msgspec.Struct):
    """Where a pull page leads, read without building its changes (unknown fields skipped)."""

    next_cursor: str
    has_more: bool


_PEEK = msgspec.json.Decoder(_PagePeek)


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A pull page as it came over the wire, not decoded yet (:meth:`SyncClient.fetch_page`).

    Attributes:
        body: the page's JSON.
        wire: bytes on the wire (compressed).
        next_cursor: its ``next_cursor``, read ahead so the next page can be asked for while
            this one is decoded strictly.
        has_more: its ``has_more``, read the same way.
    """

    body: bytes
    wire: int
    next_cursor: str
    has_more: bool


class _Enrolled(msgspec.Struct, kw_only=True):
    terminal_id: UUID
    company_id: UUID
    store_id: UUID
    terminal_code: str
    credential: str


class StockAnswer(msgspec.Struct, kw_only=True):
    """The server's stock of one product at one store (``GET /api/v1/stock/availability``)."""

    store_id: UUID
    product_id: UUID
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    incoming: Decimal = Decimal(0)


class _HeldLine(msgspec.Struct, kw_only=True):
    product_id: UUID
    quantity: Decimal


class ReservationAnswer(msgspec.Struct, kw_only=True):
    """A reservation as the server answered it (``status``: held, released, expired, committed)."""

    id: UUID
    store_id: UUID
    reference: str
    status: str
    expires_at: datetime
    lines: list[_HeldLine]

    def quantity_of(self, product_id: UUID) -> Decimal:
        """How much of ``product_id`` the reservation holds (0 if none)."""
        return sum(
            (line.quantity for line in self.lines if line.product_id == product_id), Decimal(0)
        )


class StockConflict(SyncRefused):
    """A 409 from the stock API: not enough stock, or a reservation already closed/expired.

    Attributes:
        problem: the problem's slug (``insufficient-stock``, ``reservation-closed``,
            ``reservation-expired``, ``conflict``).
        available: what the server says is available, when it said (``insufficient-stock``).
    """

    def __init__(self, message: str, *, problem: str, available: Decimal | None) -> None:
        super().__init__(message, status=409)
        self.problem = problem
        self.available = available


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the server hands a till that presented a valid one-time code.

    Attributes:
        terminal_id: the new terminal's id.
        company_id: its company.
        store_id: its store.
        terminal_code: the server's code for it (``T01``).
        credential: the secret to send as ``Authorization: Bearer``; shown only once.
    """

    terminal_id: UUID
    company_id: UUID
    store_id: UUID
    terminal_code: str
    credential: str


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    Args:
        value: the header, if present.
        now: the current time for an HTTP-date header (default: the system clock).

    Returns:
        The seconds, at least 0, or ``None`` if the header is absent or unreadable.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    moment = now or datetime.now(UTC)
    return max(0.0, (when - moment).total_seconds())


def _detail(response: httpx.Response) -> tuple[str, dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase, {}
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or response.reason_phrase), body
    return response.reason_phrase, {}


class SyncClient:
    """Talks to one sync server.

    Args:
        base_url: the server, e.g. ``https://sync.example.in``.
        credential: the terminal credential (``None`` before enrolment).
        app_version: sent as ``User-Agent``.
        timeout: seconds for connecting and for each read.
        transport: an httpx transport (tests pass a mock one); default real sockets.
    """

    def __init__(
        self,
        base_url: str,
        credential: str | None = None,
        *,
        app_version: str = "0",
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credential = credential
        headers = {"User-Agent": f"galla-till/{app_version}", "Accept-Encoding": "gzip"}
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # ------------------------------------------------------------------ plumbing
    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
            response.read()  # a body cut mid-way raises here, inside the same net
        except httpx.TimeoutException as exc:
            raise SyncUnavailable(f"The server at {self.base_url} did not answer in time.") from exc
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise SyncUnavailable(f"Cannot reach the server at {self.base_url} ({exc}).") from exc
        return response

    def _auth(self) -> dict[str, str]:
        if not self._credential:
            raise TerminalRevoked("This till has no server credential; enrol it first.")
        return {"Authorization": f"Bearer {self._credential}"}

    def _check(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        detail, _body = _detail(response)
        if status == 429 or status >= 500:
            raise SyncUnavailable(
                f"The server is busy or failing (HTTP {status}): {detail}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status == 401:
            raise TerminalRevoked(
                f"The server no longer accepts this till ({detail}). Selling goes on and "
                "nothing is lost; ask an admin to enrol the till again."
            )
        raise SyncRefused(
            f"The server refused the request (HTTP {status}): {detail}", status=status
        )

    def _decode(self, response: httpx.Response, kind: type[Any]) -> Any:
        try:
            return decode(response.content, kind)
        except GallaError as exc:
            # a mangled or foreign answer: nothing of it is applied, and the next try may work
            raise SyncUnavailable(f"The server's answer could not be read ({exc}).") from exc

    # ------------------------------------------------------------------ endpoints
    def enrol(self, code: str, name: str = "") -> Enrolment:
        """Exchange a one-time enrolment code for this till's identity and credential.

        Raises:
            WrongEnrolmentCode: the code is unknown or used.
            EnrolmentCodeExpired: the code is too old.
            EnrolmentFailed: the server refused for another reason (plan limit, suspended).
            SyncUnavailable: the server cannot be reached.
        """
        response = self._send("POST", ENROL_PATH, json={"code": code, "name": name})
        status = response.status_code
        if status in (400, 403, 409):
            detail, body = _detail(response)
            reason = body.get("reason")
            if reason == "expired":
                raise EnrolmentCodeExpired(
                    "This enrolment code has expired. Ask an admin for a new code."
                )
            if reason in ("unknown", "used") or body.get("field") == "code":
                raise WrongEnrolmentCode(
                    "The server does not know this enrolment code, or it was already used. "
                    "Check the code or ask an admin for a new one."
                )
            raise EnrolmentFailed(f"The server refused the enrolment: {detail}")
        if status == 429:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            later = f" Try again in {int(wait)} seconds." if wait else " Try again later."
            raise EnrolmentFailed(
                f"Too many enrolment attempts from this till ({_detail(response)[0]})." + later
            )
        self._check(response)
        try:
            enrolled = msgspec.json.decode(response.content, type=_Enrolled)
        except msgspec.MsgspecError as exc:
            raise SyncUnavailable(f"The server's answer could not be read ({exc}).") from exc
        return Enrolment(
            terminal_id=enrolled.terminal_id,
            company_id=enrolled.company_id,
            store_id=enrolled.store_id,
            terminal_code=enrolled.terminal_code,
            credential=enrolled.credential,
        )

    def push(self, batch: PushBatch) -> PushAck:
        """Send a batch of outbox events (gzip-compressed when large); returns the acks."""
        body = encode(batch)
        headers = {**self._auth(), "Content-Type": "application/json"}
        if len(body) >= GZIP_MIN_BYTES:
            # a shop's uplink is often a phone: a day's sales shrink about seven-fold
            body = gzip.compress(body, compresslevel=1, mtime=0)
            headers["Content-Encoding"] = "gzip"
        response = self._send("POST", PUSH_PATH, content=body, headers=headers)
        self._check(response)
        ack: PushAck = self._decode(response, PushAck)
        return ack

    def pull(self, cursor: str | None, limit: int) -> tuple[PullPage, int]:
        """Fetch one page of changes after ``cursor``.

        Returns:
            The page, and how many bytes came over the wire (compressed) for progress.
        """
        fetched = self.fetch_page(cursor, limit)
        return self.decode_page(fetched), fetched.wire

    def fetch_page(self, cursor: str | None, limit: int) -> FetchedPage:
        """Fetch one page of changes after ``cursor`` without decoding its changes yet.

        Only where the page leads (``next_cursor``, ``has_more``) is read; nothing of it may
        be applied before :meth:`decode_page` has checked it strictly.

        Raises:
            SyncUnavailable: the server cannot be reached, or the answer is not a page.
            TerminalRevoked: the server refuses this till's credential.
            SyncRefused: the server refused the request.
        """
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        response = self._send("GET", PULL_PATH, params=params, headers=self._auth())
        self._check(response)
        body = response.content
        try:
            peek = _PEEK.decode(body)
        except msgspec.MsgspecError as exc:
            raise SyncUnavailable(f"The server's answer could not be read ({exc}).") from exc
        wire = response.num_bytes_downloaded or int(
            response.headers.get("Content-Length") or len(body)
        )
        return FetchedPage(body, wire, peek.next_cursor, peek.has_more)

    def decode_page(self, fetched: FetchedPage) -> PullPage:
        """Decode a fetched page strictly (:func:`shared.protocol.decode`).

        Raises:
            SyncUnavailable: the page breaks the protocol (a proxy mangled it), or its
                cursor is not the one read ahead.
        """
        try:
            page = decode(fetched.body, PullPage)
        except GallaError as exc:
            raise SyncUnavailable(f"The server's answer could not be read ({exc}).") from exc
        if page.next_cursor != fetched.next_cursor or page.has_more != fetched.has_more:
            raise SyncUnavailable(
                "The server's answer could not be read (its cursor is ambiguous)."
            )
        return page

    def fetch_snapshot(self, *, decode: bool = True) -> Iterator[Any]:
        """Stream the catalog snapshot (``GET /api/v1/sync/snapshot``), checked as it comes.

        Yields the :class:`~shared.protocol.SnapshotHead` first, then each batch with the
        bytes on the wire so far. The generator returns normally only once the body's
        ``SnapshotEnd`` arrived and its count matched: a caller applies the batches in one
        transaction and commits only then, so a cut or mangled body leaves nothing behind.

        With ``decode=False`` the batches come as their raw JSON lines, for the caller to
        decode with :meth:`decode_snapshot_batch` on the thread that writes them (decoding
        beside a thread that runs SQLite would make both wait for the GIL), and the
        :class:`~shared.protocol.SnapshotEnd` is yielded last: the caller checks its count.

        Raises:
            SyncUnavailable: the server cannot be reached, the body was cut, or it breaks
                the protocol (nothing of it may be kept).
            TerminalRevoked: the server refuses this till's credential.
            SyncRefused: the server refused the request.
        """
        try:
            with self._http.stream("GET", SNAPSHOT_PATH, headers=self._auth()) as response:
                if response.status_code >= 400:
                    response.read()
                    self._check(response)
                yield from self._snapshot_lines(response, decode)
        except httpx.TimeoutException as exc:
            raise SyncUnavailable(f"The server at {self.base_url} did not answer in time.") from exc
        except httpx.ConnectError as exc:
            raise SyncUnavailable(f"Cannot reach the server at {self.base_url} ({exc}).") from exc
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise SyncUnavailable(
                f"The catalog download from {self.base_url} was cut ({exc})."
            ) from exc
        except SyncError:
            raise
        except GallaError as exc:
            raise SyncUnavailable(f"The server's catalog could not be read ({exc}).") from exc

    def decode_snapshot_batch(self, line: bytes) -> SnapshotBatch:
        """Decode and check one raw snapshot batch line (:meth:`fetch_snapshot`).

        Raises:
            SyncUnavailable: it breaks the protocol (nothing of the snapshot may be kept).
        """
        try:
            return decode_snapshot_batch(line)
        except GallaError as exc:
            raise SyncUnavailable(f"The server's catalog could not be read ({exc}).") from exc

    def _snapshot_lines(self, response: httpx.Response, decode: bool) -> Iterator[Any]:
        # a line (a batch) spans many chunks: they gather in one buffer, searched for the
        # newline only where new bytes came, so no byte is copied or scanned twice
        pending = bytearray()
        head: SnapshotHead | None = None
        count = 0
        ended = False
        taken = 0  # decoded bytes: the wire count when the transport keeps none (tests)
        for chunk in response.iter_bytes():
            taken += len(chunk)
            search = len(pending)
            pending += chunk
            start = 0
            while (cut := pending.find(b"\n", search)) >= 0:
                line = bytes(pending[start:cut])
                start = search = cut + 1
                if ended:
                    raise SyncUnavailable("The server's catalog goes on after its end.")
                if head is None:
                    head = decode_snapshot_head(line)
                    yield head
                    continue
                end = decode_snapshot_end(line)
                if end is not None:
                    if not decode:
                        yield end
                    elif end.changes != count:
                        raise SyncUnavailable(
                            f"The server's catalog held {count:,} changes but says {end.changes:,}."
                        )
                    ended = True
                    continue
                wire = response.num_bytes_downloaded or taken
                if not decode:
                    yield line, wire
                    continue
                batch = decode_snapshot_batch(line)
                count += len(batch)
                yield batch, wire
            del pending[:start]
        if not ended or pending:
            raise SyncUnavailable(
                "The catalog download was cut before its end; it will start again."
            )

    # ------------------------------------------------------------------ stock (online only)
    def _stock_check(self, response: httpx.Response) -> None:
        if response.status_code == 409:
            detail, body = _detail(response)
            problem = str(body.get("type", "")).rsplit("/", 1)[-1] or "conflict"
            try:
                available = Decimal(str(body["available"])) if "available" in body else None
            except InvalidOperation:
                available = None
            raise StockConflict(detail, problem=problem, available=available)
        self._check(response)

    def _stock_decode(self, response: httpx.Response, kind: type[Any]) -> Any:
        try:
            return msgspec.json.decode(response.content, type=kind)
        except msgspec.MsgspecError as exc:
            raise SyncUnavailable(f"The server's answer could not be read ({exc}).") from exc

    def stock_availability(self, store_id: UUID, product_ids: list[UUID]) -> list[StockAnswer]:
        """On hand, reserved (unexpired holds), available and incoming stock per product.

        Raises:
            SyncUnavailable: the server cannot be reached.
            TerminalRevoked: the server refuses this till's credential.
            SyncRefused: the server refused (an unknown product or store: HTTP 400).
        """
        params = [("store_id", str(store_id)), *(("product_id", str(p)) for p in product_ids)]
        response = self._send("GET", AVAILABILITY_PATH, params=params, headers=self._auth())
        self._stock_check(response)
        answers: list[StockAnswer] = self._stock_decode(response, list[StockAnswer])
        return answers

    def reserve_stock(
        self,
        reservation_id: UUID,
        *,
        reference: str,
        lines: list[tuple[UUID, Decimal]],
        ttl_seconds: int | None = None,
        store_id: UUID | None = None,
    ) -> ReservationAnswer:
        """Hold stock for ``reference``; sending the same ``reservation_id`` again is a replay.

        Raises:
            StockConflict: not enough available (``available`` says how much), or the id was
                used for a different request.
            SyncUnavailable / TerminalRevoked / SyncRefused: as for every call.
        """
        body: dict[str, Any] = {
            "id": str(reservation_id),
            "reference": reference,
            "lines": [{"product_id": str(p), "quantity": str(q)} for p, q in lines],
        }
        if ttl_seconds is not None:
            body["ttl_seconds"] = ttl_seconds
        if store_id is not None:
            body["store_id"] = str(store_id)
        response = self._send("POST", RESERVATIONS_PATH, json=body, headers=self._auth())
        self._stock_check(response)
        answer: ReservationAnswer = self._stock_decode(response, ReservationAnswer)
        return answer

    def release_reservation(self, reservation_id: UUID) -> ReservationAnswer:
        """Give a reservation's stock back (a replay changes nothing).

        Raises:
            StockConflict: it was committed already (``problem`` = ``reservation-closed``).
            SyncRefused: no such reservation for this store (HTTP 404).
            SyncUnavailable / TerminalRevoked: as for every call.
        """
        path = f"{RESERVATIONS_PATH}/{reservation_id}/release"
        response = self._send("POST", path, headers=self._auth())
        self._stock_check(response)
        answer: ReservationAnswer = self._stock_decode(response, ReservationAnswer)
        return answer

    def store_reservations(self, store_id: UUID, status: str = "held") -> list[ReservationAnswer]:
        """The store's newest reservations with ``status`` (a terminal sees its own store).

        Raises:
            SyncUnavailable / TerminalRevoked / SyncRefused: as for every call.
        """
        params = {"store_id": str(store_id), "status": status}
        response = self._send("GET", RESERVATIONS_PATH, params=params, headers=self._auth())
        self._stock_check(response)
        answers: list[ReservationAnswer] = self._stock_decode(response, list[ReservationAnswer])
        return answers
