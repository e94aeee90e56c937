"""The background sync worker: push the outbox, pull changes, back off, never block a sale.

One :class:`SyncWorker` runs on its own thread. Each cycle (:meth:`SyncWorker.run_once`):

1. **push**: the oldest unsent events, in seq order, at most :data:`BATCH_SIZE` a batch,
   until the outbox is empty. An event leaves the queue only when the server acknowledged
   it: ``applied`` and ``duplicate`` mark it sent; ``rejected`` marks it sent *and* keeps it
   visible on the till with the reason (the server holds it in quarantine). An event the
   answer did not mention is sent again next time, so a lost answer costs a duplicate, never
   a loss;
2. **pull**: pages of changes after the stored cursor, each applied together with its cursor
   in one transaction through the till's single writer, until ``has_more`` is false;
3. **reprice**: prices whose span started or ended since the last cycle take effect.

A failure ends the cycle. Transport faults, 5xx and 429 retry after a full-jitter back-off
(:func:`backoff_delay`), never sooner than the server's ``Retry-After``; a 401 (revoked
terminal) stops the worker and records why, keeping every local row; other refusals retry
slowly. The sale engine never waits for any of this: the worker only touches the database
through the writer queue, one short transaction at a time.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, Protocol
from uuid import UUID

from desktop.sync.apply import Applied, prepare_snapshot_batch
from desktop.sync.errors import SyncError, SyncRefused, SyncUnavailable, TerminalRevoked
from desktop.sync.ledger import Ledger
from shared.protocol import (
    MAX_EVENTS_PER_BATCH,
    PROTOCOL_VERSION,
    PullPage,
    PushAck,
    PushBatch,
    SnapshotEnd,
    TerminalStatus,
    encode,
)

__all__ = (
    "BATCH_SIZE",
    "PAGE_SIZE",
    "Cycle",
    "SyncStatus",
    "SyncTransport",
    "SyncWorker",
    "backoff_delay",
)

log = logging.getLogger("galla.till.sync")

BATCH_SIZE = MAX_EVENTS_PER_BATCH
PAGE_SIZE = 5000
#: Decoded snapshot batches (a few hundred changes each) that may wait for the writer.
SNAPSHOT_QUEUE = 512
#: Seconds between cycles while all is well (a sale pokes the worker sooner).
IDLE_SECONDS = 10.0
#: The longest wait between tries while the server is unreachable.
MAX_BACKOFF_SECONDS = 300.0
#: The most event JSON one push carries before compression (pushes go gzip-compressed and
#: the server's body limit, 1 MiB by default, applies to the compressed body; a 413 halves it).
MAX_BATCH_BYTES = 4_000_000
#: Wait after a refusal that retrying alone will not fix (suspended company, bad request).
REFUSED_WAIT_SECONDS = 300.0

State = Literal["starting", "online", "offline", "revoked", "stopped"]


class SyncTransport(Protocol):
    """The server calls the worker makes (:class:`~desktop.sync.client.SyncClient`)."""

    def push(self, batch: PushBatch) -> PushAck:
        """Send a batch."""
        ...

    def pull(self, cursor: str | None, limit: int) -> tuple[PullPage, int]:
        """Fetch a page and its size on the wire."""
        ...


class TwoStepTransport(SyncTransport, Protocol):
    """A transport that can fetch a page's bytes and decode them apart (the HTTP client).

    The worker then asks for the next page while the one before is still being decoded.
    """

    def fetch_page(self, cursor: str | None, limit: int) -> Any:
        """Fetch a page's bytes, with ``next_cursor``, ``has_more`` and ``wire`` read ahead."""
        ...

    def decode_page(self, fetched: Any) -> PullPage:
        """Decode a fetched page strictly."""
        ...


def backoff_delay(
    attempt: int,
    rng: Callable[[], float],
    *,
    base: float = 1.0,
    cap: float = MAX_BACKOFF_SECONDS,
    retry_after: float | None = None,
) -> float:
    """Seconds to wait before try number ``attempt + 1`` ("full jitter").

    Args:
        attempt: failures in a row so far (1 for the first).
        rng: a uniform random number in [0, 1) (injected, so tests are exact).
        base: the first ceiling.
        cap: the largest ceiling.
        retry_after: the server's ``Retry-After``: the wait is never shorter.

    Returns:
        A wait uniformly spread in ``[0, min(cap, base * 2**(attempt-1))]``, at least
        ``retry_after``.
    """
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    delay = ceiling * rng()
    if retry_after is not None:
        delay = max(delay, retry_after)
    return float(delay)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the status bar shows about syncing.

    Attributes:
        state: ``online`` (the last cycle reached the server), ``offline`` (it did not),
            ``revoked`` (the server refused this till; syncing stopped), ``starting`` or
            ``stopped``.
        pending: events waiting to be sent.
        oldest_pending: when the oldest of them happened.
        rejected: events the server rejected (kept on the till).
        last_contact: when the server last answered.
        message: the last problem, in words for the cashier.
        next_try_in: seconds until the next try, while offline.
    """

    state: State = "starting"
    pending: int = 0
    oldest_pending: datetime | None = None
    rejected: int = 0
    last_contact: datetime | None = None
    message: str = ""
    next_try_in: float | None = None


@dataclass(frozen=True, slots=True)
class Cycle:
    """What one cycle did.

    Attributes:
        pushed: events acknowledged.
        rejected: of those, rejected.
        batches: push requests that got an answer.
        pages: pull pages applied.
        changes: changes in those pages.
        repriced: products whose price took effect by time.
        error: the error that ended the cycle early, if any.
    """

    pushed: int = 0
    rejected: int = 0
    batches: int = 0
    pages: int = 0
    changes: int = 0
    repriced: int = 0
    error: SyncError | None = None


class SyncWorker:
    """Keeps one till in step with its server, on a background thread.

    Args:
        ledger: the till's sync bookkeeping.
        transport: the server client.
        store_id: this till's store.
        clock: the time (timezone-aware).
        app_version: reported with every push.
        printer_state: the receipt printer's state for the dashboard (a callable).
        on_applied: called on the worker thread after each page with what changed (the
            till refreshes caches and schedules UI redraws from it).
        rng: uniform [0, 1) numbers for back-off jitter.
        batch_size: events per push (at most 500).
        page_size: changes per pull page.
        idle_seconds: the wait between cycles when all is well.
        terminal_id: this terminal (default: read from the enrolment).
        max_batch_bytes: the most event JSON per push; halved on a 413 answer.
    """

    def __init__(
        self,
        ledger: Ledger,
        transport: SyncTransport,
        *,
        store_id: str,
        clock: Callable[[], datetime],
        app_version: str = "0.1.0",
        printer_state: Callable[[], str] = lambda: "not_configured",
        on_applied: Callable[[Applied], None] | None = None,
        rng: Callable[[], float] = random.random,
        batch_size: int = BATCH_SIZE,
        page_size: int = PAGE_SIZE,
        idle_seconds: float = IDLE_SECONDS,
        terminal_id: str | None = None,
        max_batch_bytes: int = MAX_BATCH_BYTES,
    ) -> None:
        if not 1 <= batch_size <= MAX_EVENTS_PER_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_EVENTS_PER_BATCH}, got {batch_size}")
        self._ledger = ledger
        self._transport = transport
        self._store_id = store_id
        self._clock = clock
        self._app_version = app_version
        self._printer_state = printer_state
        self._on_applied = on_applied
        self._rng = rng
        self._batch_size = batch_size
        self._page_size = page_size
        self._idle = idle_seconds
        self._terminal_id = terminal_id
        self._max_bytes = max_batch_bytes
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0
        self._lock = threading.Lock()
        self._status = SyncStatus()

    # ------------------------------------------------------------------ status
    def status(self) -> SyncStatus:
        """A snapshot of the sync state with the queue as it is now (any thread)."""
        with self._lock:
            status = self._status
        queue = self._ledger.outgoing(0)
        return replace(
            status,
            pending=queue.depth,
            oldest_pending=queue.oldest,
            rejected=self._ledger.rejected_count(),
        )

    def _set(self, **changes: object) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ one cycle
    def _terminal(self) -> str:
        if self._terminal_id is None:
            record = self._ledger.enrolment()
            assert record is not None, "the worker runs only on an enrolled till"
            self._terminal_id = record.terminal_id
        return self._terminal_id

    def push_all(self, tally: list[int] | None = None) -> tuple[int, int, int]:
        """Push until the outbox is empty; returns (acknowledged, rejected, batches).

        Args:
            tally: a list of three counters updated as batches are acknowledged, so a caller
                knows what got through before a failure.

        Raises:
            SyncError: a push failed; what was acknowledged before stays acknowledged.
        """
        counts = tally if tally is not None else [0, 0, 0]
        while True:
            queue = self._ledger.outgoing(self._batch_size, self._max_bytes)
            if not queue.events:
                return counts[0], counts[1], counts[2]
            batch = PushBatch(
                protocol_version=PROTOCOL_VERSION,
                terminal_id=UUID(self._terminal()),
                status=TerminalStatus(
                    app_version=self._app_version,
                    queue_depth=queue.depth,
                    oldest_pending_at=queue.oldest,
                    printer=self._printer_state(),  # type: ignore[arg-type]
                ),
                events=queue.events,
            )
            try:
                ack = self._transport.push(batch)
            except SyncRefused as exc:
                if exc.status != 413 or len(queue.events) == 1:
                    raise
                # the server's body limit is lower than ours: send smaller batches from now on
                self._max_bytes = max(1, sum(len(encode(e)) for e in queue.events) // 2)
                log.warning(
                    "push too large for the server; batches now <= %d bytes", self._max_bytes
                )
                continue
            sent = {event.event_id for event in queue.events}
            # only acks for events we sent count; a confused answer cannot mark others sent
            acks = [a for a in ack.acks if a.event_id in sent]
            marked, bad = self._ledger.acknowledge(acks, now=self._clock())
            for a in acks:
                if a.status == "rejected":
                    log.warning("the server rejected event %s: %s", a.event_id, a.reason)
            counts[0] += marked
            counts[1] += bad
            counts[2] += 1
            if marked == 0:
                # the server answered but acknowledged nothing of ours: do not spin
                raise SyncUnavailable("The server acknowledged none of the events sent.")

    def pull_all(self, progress: Callable[[int, int, bool], None] | None = None) -> tuple[int, int]:
        """Pull and apply pages until none is left; returns (pages, changes).

        While a page is being applied the next one is already being fetched (its cursor is
        the page's ``next_cursor``, known before applying), so the local writes overlap the
        server and the network; pages are still applied strictly in order, each with its
        cursor, and a page fetched ahead of a failure is simply dropped.

        Args:
            progress: called after each page with (changes so far, bytes so far, done).

        A till with no cursor yet (a fresh one) first applies the server's snapshot, if the
        transport can fetch one (:meth:`apply_snapshot`), and then pages on from its cursor;
        a server that answers the snapshot with 404 is paged through from the start.

        Raises:
            SyncError: a pull failed; pages applied before stay applied.
        """
        changes = received = 0
        snapshot: Applied | None = None
        if self._ledger.cursor() is None and hasattr(self._transport, "fetch_snapshot"):
            try:
                changes, received, snapshot = self.apply_snapshot(progress)
            except SyncRefused as exc:
                if exc.status != 404:
                    raise
                # a server without snapshots: the first pull pages through the whole feed
                log.info("the server has no catalog snapshot; pulling the feed page by page")
        try:
            return self._pull_pages(changes, received, progress)
        finally:
            # told only now: what it starts (the search index build, a writer of its own)
            # would otherwise hold up the catch-up pages and the till's readiness
            if snapshot is not None and self._on_applied is not None:
                self._on_applied(snapshot)

    def _pull_pages(
        self, changes: int, received: int, progress: Callable[[int, int, bool], None] | None
    ) -> tuple[int, int]:
        """Pull and apply pages from the stored cursor until none is left (see pull_all)."""
        first = self._transport.pull(self._ledger.cursor(), self._page_size)
        ahead: queue.Queue[tuple[PullPage, int] | BaseException | None] = queue.Queue(2)
        stop = threading.Event()
        fetcher: threading.Thread | None = None
        if first[0].has_more:
            fetcher = threading.Thread(
                target=self._fetch_ahead,
                args=(first[0].next_cursor, ahead, stop),
                name="galla-sync-fetch",
                daemon=True,
            )
            fetcher.start()
        pages = 0
        item: tuple[PullPage, int] | BaseException | None = first
        try:
            while True:
                if isinstance(item, BaseException):
                    raise item
                assert item is not None
                page, size = item
                applied = self._ledger.apply(page, store_id=self._store_id, now=self._clock())
                pages += 1
                changes += len(page.changes)
                received += size
                if self._on_applied is not None and applied.changes:
                    self._on_applied(applied)
                if progress is not None:
                    progress(changes, received, not page.has_more)
                if not page.has_more:
                    return pages, changes
                item = ahead.get()
        finally:
            stop.set()
            if fetcher is not None:
                with contextlib.suppress(queue.Empty):
                    while True:  # unblock a fetcher waiting to hand over a page
                        ahead.get_nowait()
                fetcher.join()

    def apply_snapshot(
        self, progress: Callable[[int, int, bool], None] | None = None
    ) -> tuple[int, int, Applied]:
        """Download the catalog snapshot and apply it with its cursor in one transaction.

        The download runs on a thread of its own while the writer thread decodes, checks
        and writes the batches that arrived, in the transaction that commits only once the
        body's end has been checked: a cut or mangled download rolls back
        whole and the next try starts again from nothing.

        Args:
            progress: called after each batch with (changes so far, bytes so far, False).

        Returns:
            (changes applied, bytes on the wire, what changed): the caller passes the last
            to ``on_applied`` once the pages after the snapshot are in.

        Raises:
            SyncError: the download failed; nothing of it was kept.
        """
        transport: Any = self._transport
        # roomy: a writer that waits for the network, or a download that waits for the
        # writer, each cost far more than holding the decoded catalog (about 1 KB a change)
        parts: queue.Queue[Any] = queue.Queue(SNAPSHOT_QUEUE)
        now = self._clock()
        stop = threading.Event()
        end = object()

        def download() -> None:
            try:
                # raw lines only: they are decoded on the writer thread, which would
                # otherwise wait for the GIL after every row it steps
                for part in transport.fetch_snapshot(decode=False):
                    if not _put(parts, part, stop):
                        return
                _put(parts, end, stop)
            except BaseException as exc:  # handed to the writer, which rolls back
                _put(parts, exc, stop)

        def take() -> Any:
            item = parts.get()
            if isinstance(item, BaseException):
                raise item
            return item

        counts = [0, 0]

        def batches() -> Any:
            count = 0
            while (item := take()) is not end:
                if isinstance(item, SnapshotEnd):
                    if item.changes != count:
                        raise SyncUnavailable(
                            f"The server's catalog held {count:,} changes but says"
                            f" {item.changes:,}."
                        )
                    continue
                line, wire = item
                batch = transport.decode_snapshot_batch(line)
                count += len(batch)
                counts[1] = wire
                yield prepare_snapshot_batch(batch, now=now)

        def on_batch(applied: Applied) -> None:
            counts[0] += applied.changes
            if progress is not None:
                progress(counts[0], counts[1], False)

        thread = threading.Thread(target=download, name="galla-sync-snapshot", daemon=True)
        thread.start()
        try:
            head = take()
            if head is end:
                raise SyncUnavailable("The server's catalog had no beginning.")
            applied = self._ledger.apply_snapshot(
                head.cursor,
                batches(),
                store_id=self._store_id,
                now=now,
                on_batch=on_batch,
            )
        finally:
            stop.set()
            with contextlib.suppress(queue.Empty):
                while True:
                    parts.get_nowait()
            thread.join()
        return counts[0], counts[1], applied

    def _fetch_ahead(
        self,
        cursor: str,
        ahead: queue.Queue[tuple[PullPage, int] | BaseException | None],
        stop: threading.Event,
    ) -> None:
        def hand_over(item: tuple[PullPage, int] | BaseException) -> bool:
            return _put(ahead, item, stop)

        transport = self._transport
        if hasattr(transport, "fetch_page") and hasattr(transport, "decode_page"):
            self._fetch_and_decode(transport, cursor, ahead, stop)  # type: ignore[arg-type]
            return
        while not stop.is_set():
            try:
                page, size = self._transport.pull(cursor, self._page_size)
            except BaseException as exc:  # handed to the applier, which raises it in order
                hand_over(exc)
                return
            if not hand_over((page, size)) or not page.has_more:
                return
            cursor = page.next_cursor

    def _fetch_and_decode(
        self,
        transport: TwoStepTransport,
        cursor: str,
        ahead: queue.Queue[tuple[PullPage, int] | BaseException | None],
        stop: threading.Event,
    ) -> None:
        """Fetch pages on this thread and decode them on another, handing them over in order.

        A page's cursor is read ahead of its strict decoding, so the server is already
        working on page n+1 while page n is decoded and page n-1 applied. The first error,
        from either step, is handed over in its place and ends both.
        """
        fetched: queue.Queue[Any] = queue.Queue(2)

        def decode_all() -> None:
            while not stop.is_set():
                try:
                    item = fetched.get(timeout=0.05)
                except queue.Empty:
                    continue
                if isinstance(item, BaseException):
                    _put(ahead, item, stop)
                    return
                try:
                    page = transport.decode_page(item)
                except BaseException as exc:  # handed to the applier, which raises it in order
                    _put(ahead, exc, stop)
                    return
                if not _put(ahead, (page, item.wire), stop) or not page.has_more:
                    return

        decoder = threading.Thread(target=decode_all, name="galla-sync-decode", daemon=True)
        decoder.start()
        try:
            while not stop.is_set():
                try:
                    item = transport.fetch_page(cursor, self._page_size)
                except BaseException as exc:
                    _put(fetched, exc, stop)
                    return
                if not _put(fetched, item, stop) or not item.has_more:
                    return
                cursor = item.next_cursor
        finally:
            decoder.join()

    def run_once(self) -> Cycle:
        """One push-pull-reprice cycle; errors are caught, recorded and returned."""
        tally = [0, 0, 0]
        pages = changes = repriced = 0
        error: SyncError | None = None
        try:
            try:
                self.push_all(tally)
            except SyncRefused as exc:
                # a refused batch must not also hold back prices and users: pull anyway
                error = exc
            pages, changes = self.pull_all()
        except SyncError as exc:
            error = exc
        pushed, rejected, batches = tally
        try:
            repriced = self._ledger.reprice(store_id=self._store_id, now=self._clock())
        except Exception:  # pragma: no cover - a local database failure is logged, not fatal
            log.exception("re-pricing failed")
        now = self._clock()
        if error is None:
            self._failures = 0
            self._ledger.note(now=now, error=None, contact=True)
            self._set(state="online", last_contact=now, message="", next_try_in=None)
        elif isinstance(error, TerminalRevoked):
            self._ledger.mark_revoked(now, str(error))
            self._ledger.note(now=now, error=str(error), contact=True)
            self._set(state="revoked", message=str(error), next_try_in=None)
            self._stop.set()
        else:
            self._failures += 1
            wait = self._wait_after(error)
            contact = isinstance(error, SyncRefused)
            self._ledger.note(now=now, error=str(error), contact=contact)
            self._set(state="offline", message=str(error), next_try_in=wait)
        return Cycle(pushed, rejected, batches, pages, changes, repriced, error)

    def _wait_after(self, error: SyncError) -> float:
        if isinstance(error, SyncRefused):
            return REFUSED_WAIT_SECONDS
        retry_after = error.retry_after if isinstance(error, SyncUnavailable) else None
        return backoff_delay(self._failures, self._rng, retry_after=retry_after)

    # ------------------------------------------------------------------ thread
    def start(self) -> None:
        """Start the background thread (once)."""
        if self._thread is not None:
            return
        record = self._ledger.enrolment()
        if record is not None and record.revoked_at:
            self._set(state="revoked", message=record.revoked_reason or "This till was revoked.")
            return
        self._thread = threading.Thread(target=self._loop, name="galla-sync", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Run a cycle soon (after a sale, so it leaves the till quickly when online).

        While offline the back-off stands: a busy till must not hammer a failing server.
        """
        if self._status.state in ("online", "starting"):
            self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread after the request in flight, if any."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._status.state != "revoked":
            self._set(state="stopped")

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                cycle = self.run_once()
            except Exception as exc:  # never let the thread die silently
                log.exception("sync cycle failed")
                self._failures += 1
                self._set(state="offline", message=f"Sync failed on this till: {exc}")
                wait = backoff_delay(self._failures, self._rng)
            else:
                if cycle.error is None:
                    wait = self._idle
                else:
                    status = self._status
                    wait = status.next_try_in if status.next_try_in is not None else self._idle
            if self._stop.is_set():
                break
            self._wake.wait(timeout=max(0.0, wait))
            self._wake.clear()


def _put(target: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    """Put ``item`` on a bounded queue unless ``stop`` is set first; whether it was put."""
    while not stop.is_set():
        try:
            target.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False
