"""The till's sync bookkeeping in its own database: enrolment, cursor, outbox acks, rejects.

Writes go through the store's single writer (:meth:`SqliteStore.write`), each one
transaction; reads use a private per-thread read connection (WAL lets them run while the
writer commits). Nothing here talks to the network.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import msgspec

from desktop.store.connection import connect
from desktop.sync.apply import (
    Applied,
    Connection,
    SnapshotRows,
    apply_page,
    apply_snapshot_batch,
    index_search,
    project_catalog,
    reprice_due,
    utc_text,
)
from shared.protocol import Event, EventAck, PullPage, StoreSettingsData

__all__ = (
    "SEARCH_CHUNK",
    "EnrolmentRecord",
    "Ledger",
    "Outgoing",
    "Rejected",
    "WritableStore",
)

_EVENT = msgspec.json.Decoder(Event)
#: Items added to the search index per write transaction while it builds in the background
#: (short enough that a sale waiting for the writer hardly notices).
SEARCH_CHUNK = 10_000
_MIRROR_TABLES = (
    "sync_products",
    "sync_barcodes",
    "sync_prices",
    "sync_price_boundaries",
    "sync_gst_rates",
    "sync_users",
    "sync_store_settings",
    "sync_tombstones",
)
_SETTINGS = msgspec.json.Decoder(StoreSettingsData)


class WritableStore(Protocol):
    """What the ledger needs of the till store: its file and its single writer."""

    path: Path

    def write(self, work: Callable[[Any], Any], *, durable: bool = True) -> Any:
        """Run ``work(conn)`` as one transaction on the writer thread.

        ``durable=False``: the commit does not wait for the disk (a power cut may undo it
        whole); for what the server can send again.
        """
        ...


@dataclass(frozen=True, slots=True)
class EnrolmentRecord:
    """This till's enrolment as stored (the credential itself is in the vault).

    Attributes:
        server_url: the sync server.
        company_id: the company.
        store_id: the store.
        terminal_id: this terminal.
        server_terminal_code: the server's code (``T01``).
        invoice_terminal_code: the two characters used in invoice numbers.
        credential_backend: ``keyring`` or ``file``.
        credential_ref: where in that backend.
        enrolled_at: when.
        revoked_at: when the server refused the credential, if it has.
        revoked_reason: what it said.
    """

    server_url: str
    company_id: str
    store_id: str
    terminal_id: str
    server_terminal_code: str
    invoice_terminal_code: str
    credential_backend: str
    credential_ref: str
    enrolled_at: str
    revoked_at: str | None = None
    revoked_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A batch of outbox events ready to push.

    Attributes:
        events: the events, in seq order.
        depth: how many events wait in all (this batch included).
        oldest: when the oldest waiting event happened.
    """

    events: tuple[Event, ...]
    depth: int
    oldest: datetime | None


@dataclass(frozen=True, slots=True)
class Rejected:
    """An event the server rejected; kept on the till so a person can see it.

    Attributes:
        seq: its outbox seq.
        event_id: its id.
        kind: its payload kind.
        reason: the server's reason.
        occurred_at: when it happened.
    """

    seq: int
    event_id: str
    kind: str
    reason: str
    occurred_at: str


class Ledger:
    """Sync state kept in the till database.

    Args:
        store: the till store (for its path and writer).
    """

    def __init__(self, store: WritableStore) -> None:
        self._store = store
        self._local = threading.local()
        self._conns: list[Any] = []
        self._lock = threading.Lock()
        self._checkpoint_pages: int | None = None

    def _read(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self._store.path, check_same_thread=False)
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        """Close the read connections."""
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
        self._local = threading.local()

    # ------------------------------------------------------------------ enrolment
    def enrolment(self) -> EnrolmentRecord | None:
        """The enrolment, or ``None`` if the till is not enrolled."""
        row = self._read().execute("SELECT * FROM sync_enrolment WHERE id = 1").fetchone()
        if row is None:
            return None
        values = {k: row[k] for k in row.keys() if k != "id"}  # noqa: SIM118 - sqlite3.Row
        return EnrolmentRecord(**values)

    def record_enrolment(self, record: EnrolmentRecord) -> None:
        """Store the enrolment and start the catalog afresh (the server's copy rules).

        Events recorded before enrolment (a demo's logins) belong to no terminal the server
        knows; they are kept locally and marked as not to be sent.
        """

        def work(conn: Connection) -> None:
            conn.execute("DELETE FROM sync_enrolment")
            conn.execute(
                "INSERT INTO sync_enrolment (id, server_url, company_id, store_id, terminal_id,"
                " server_terminal_code, invoice_terminal_code, credential_backend,"
                " credential_ref, enrolled_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.server_url,
                    record.company_id,
                    record.store_id,
                    record.terminal_id,
                    record.server_terminal_code,
                    record.invoice_terminal_code,
                    record.credential_backend,
                    record.credential_ref,
                    record.enrolled_at,
                ),
            )
            conn.execute(
                "UPDATE outbox SET sent_at = ?, ack_reason = 'recorded before enrolment;"
                " kept on this till only' WHERE sent_at IS NULL",
                (record.enrolled_at,),
            )
            conn.execute("DELETE FROM items_fts")
            conn.execute("DELETE FROM barcodes")
            conn.execute("DELETE FROM items")
            conn.execute("DELETE FROM tax_rates")
            conn.execute("UPDATE users SET active = 0")
            for table in _MIRROR_TABLES:
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
            conn.execute(
                "UPDATE sync_state SET pull_cursor = NULL, catalog_ready = 0, repriced_at = NULL,"
                " catalog_pending = 0, search_pending = 0, last_error = NULL"
            )

        self._store.write(work)

    def mark_revoked(self, at: datetime, reason: str) -> None:
        """Note that the server refused the credential; syncing stops, data stays."""
        self._store.write(
            lambda conn: conn.execute(
                "UPDATE sync_enrolment SET revoked_at = ?, revoked_reason = ?",
                (utc_text(at), reason),
            )
        )

    def has_sales(self) -> bool:
        """Whether any invoice or credit note is stored."""
        return self._read().execute("SELECT 1 FROM sales LIMIT 1").fetchone() is not None

    # ------------------------------------------------------------------ state
    def cursor(self) -> str | None:
        """The cursor of the last page applied."""
        return self._read().execute("SELECT pull_cursor FROM sync_state").fetchone()[0]  # type: ignore[no-any-return]

    def catalog_ready(self) -> bool:
        """Whether the first catalog pull has completed."""
        return bool(self._read().execute("SELECT catalog_ready FROM sync_state").fetchone()[0])

    def store_settings(self, store_id: str) -> StoreSettingsData | None:
        """The settings of ``store_id`` as last pulled."""
        row = (
            self._read()
            .execute("SELECT data FROM sync_store_settings WHERE entity_id = ?", (store_id,))
            .fetchone()
        )
        return None if row is None else _SETTINGS.decode(row[0])

    def catalog_pending(self) -> bool:
        """Whether a first pull is under way (its pages wait in the mirror, not yet sellable)."""
        return bool(self._read().execute("SELECT catalog_pending FROM sync_state").fetchone()[0])

    def apply(self, page: PullPage, *, store_id: str, now: datetime) -> Applied:
        """Apply a page and store its cursor in one transaction.

        A first pull (no cursor yet, or one already under way) writes its pages to the
        mirror only and says so in ``catalog_pending``, committed with each page's cursor;
        its last page (``has_more`` false) also builds the sale tables and the search index
        from the whole mirror (:func:`~desktop.sync.apply.project_catalog`) and clears the
        mark, in the same transaction. A till stopped half-way resumes from its cursor still
        pending, so it finishes the same way. Later pages project what they touch at once.
        """

        def work(conn: Connection) -> Applied:
            cursor, pending = conn.execute(
                "SELECT pull_cursor, catalog_pending FROM sync_state"
            ).fetchone()
            first = cursor is None or bool(pending)
            applied = apply_page(conn, page.changes, store_id=store_id, now=now, project=not first)
            if first and not page.has_more:
                applied.products = project_catalog(conn, store_id=store_id, now=now)
            conn.execute(
                "UPDATE sync_state SET pull_cursor = ?, last_pull_at = ?, last_contact_at = ?,"
                " catalog_ready = CASE WHEN ? THEN catalog_ready ELSE 1 END,"
                " catalog_pending = ?",
                (
                    page.next_cursor,
                    utc_text(now),
                    utc_text(now),
                    int(page.has_more),
                    int(first and page.has_more),
                ),
            )
            return applied

        # the server can give the page again: see apply_snapshot
        return self._store.write(work, durable=False)  # type: ignore[no-any-return]

    def apply_snapshot(
        self,
        cursor: str,
        batches: Iterable[SnapshotRows],
        *,
        store_id: str,
        now: datetime,
        on_batch: Callable[[Applied], None] | None = None,
    ) -> Applied:
        """Apply a whole snapshot and its cursor in one transaction: the till is then ready.

        Whatever an earlier, cut first pull left in the mirror is dropped first; the batches
        go into the mirror as they arrive (``batches`` may still be downloading: it is
        consumed on the writer thread), then the sale tables are built from the mirror and
        the cursor stored. The search index is left for :meth:`build_search`
        (``search_pending``). If ``batches`` raises (a cut or mangled download) the
        transaction rolls back and the till is as it was.

        Args:
            cursor: the snapshot's cursor (its ``SnapshotHead``).
            batches: its checked batches, prepared
                (:func:`~desktop.sync.apply.prepare_snapshot_batch`).
            store_id: this till's store.
            now: the moment prices are resolved for.
            on_batch: called on the writer thread after each batch (progress).

        Returns:
            What changed, summed (``products``: products now in the sale tables).
        """

        def work(conn: Connection) -> Applied:
            # the commit would copy the whole catalog from the WAL into the database file
            # before the till is ready; the background search build's first commit does it
            # instead (build_search turns automatic checkpoints back on)
            self._checkpoint_pages = int(conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            conn.execute("DELETE FROM items_fts")
            conn.execute("DELETE FROM barcodes")
            conn.execute("DELETE FROM items")
            conn.execute("DELETE FROM tax_rates")
            for table in _MIRROR_TABLES:
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
            total = Applied()
            for batch in batches:
                applied = apply_snapshot_batch(conn, batch, store_id=store_id, now=now)
                total.changes += applied.changes
                total.rates_changed |= applied.rates_changed
                total.users_changed |= applied.users_changed
                if applied.store_settings is not None:
                    total.store_settings = applied.store_settings
                for kind, n in applied.kinds.items():
                    total.kinds[kind] = total.kinds.get(kind, 0) + n
                if on_batch is not None:
                    on_batch(applied)
            total.products = project_catalog(conn, store_id=store_id, now=now, search=False)
            total.search_pending = True
            at = utc_text(now)
            conn.execute(
                "UPDATE sync_state SET pull_cursor = ?, last_pull_at = ?, last_contact_at = ?,"
                " catalog_ready = 1, catalog_pending = 0, search_pending = 1, repriced_at = ?",
                (cursor, at, at, at),
            )
            return total

        # what the server sent commits without waiting for the disk: a power cut can only
        # undo it whole, with its cursor, and the till pulls it again; the next durable
        # commit (a sale, the search build) syncs it, and no sale can outlive the catalog
        # it was sold from (the log is written in order)
        return self._store.write(work, durable=False)  # type: ignore[no-any-return]

    def search_pending(self) -> bool:
        """Whether the search index is still being built after a snapshot."""
        return bool(self._read().execute("SELECT search_pending FROM sync_state").fetchone()[0])

    def build_search(
        self, chunk: int = SEARCH_CHUNK, stop: Callable[[], bool] = lambda: False
    ) -> bool:
        """Fill the search index after a snapshot, ``chunk`` items per write transaction.

        The first transaction empties the index and fixes the last item to index; items
        re-projected by pulls in between get their search rows from the projection (their
        new rowids are past that mark), so none is indexed twice or missed. The last
        transaction clears ``search_pending``. Run it again after a stop: it starts over.
        It also turns the writer's automatic WAL checkpoints back on after a snapshot, so
        its first commit moves the catalog from the WAL into the database file.

        Args:
            chunk: items per transaction.
            stop: asked between chunks; ``True`` leaves the build for later.

        Returns:
            Whether the index is complete.
        """

        def begin(conn: Connection) -> int | None:
            if self._checkpoint_pages is not None:
                conn.execute(f"PRAGMA wal_autocheckpoint = {self._checkpoint_pages}")
                self._checkpoint_pages = None
            if not conn.execute("SELECT search_pending FROM sync_state").fetchone()[0]:
                return None
            conn.execute("DELETE FROM items_fts")
            return int(conn.execute("SELECT coalesce(max(rowid), 0) FROM items").fetchone()[0])

        last = self._store.write(begin)
        if last is None:
            return True
        done = 0
        while done < last:
            if stop():
                return False
            upto = min(last, done + chunk)
            start = done

            def step(conn: Connection, start: int = start, upto: int = upto) -> None:
                index_search(conn, start, upto)

            self._store.write(step)
            done = upto
        self._store.write(lambda conn: conn.execute("UPDATE sync_state SET search_pending = 0"))
        return True

    def reprice(self, *, store_id: str, now: datetime) -> int:
        """Re-resolve prices whose span opened or closed by ``now``; returns the products."""

        def work(conn: Connection) -> int:
            if conn.execute("SELECT catalog_pending FROM sync_state").fetchone()[0]:
                return 0  # a first pull under way resolves every price when it ends
            count = reprice_due(conn, store_id=store_id, now=now)
            conn.execute("UPDATE sync_state SET repriced_at = ?", (utc_text(now),))
            return count

        return int(self._store.write(work))

    def note(self, *, now: datetime, error: str | None, contact: bool) -> None:
        """Record the outcome of a sync attempt (the last error, the last contact)."""
        self._store.write(
            lambda conn: conn.execute(
                "UPDATE sync_state SET last_error = ?,"
                " last_contact_at = CASE WHEN ? THEN ? ELSE last_contact_at END",
                (error, int(contact), utc_text(now)),
            )
        )

    # ------------------------------------------------------------------ outbox
    def outgoing(self, limit: int, max_bytes: int | None = None) -> Outgoing:
        """The oldest unsent events, with the queue's depth and age.

        Args:
            limit: the most events to return.
            max_bytes: stop before the events' JSON passes this many bytes (the first event
                is always returned, so one large event cannot block the queue).
        """
        conn = self._read()
        rows = conn.execute(
            "SELECT payload FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?", (limit,)
        ).fetchall()
        if max_bytes is not None:
            total, kept = 0, 0
            for row in rows:
                total += len(row[0])
                if kept and total > max_bytes:
                    break
                kept += 1
            rows = rows[:kept]
        depth, oldest = conn.execute(
            "SELECT count(*), min(created_at) FROM outbox WHERE sent_at IS NULL"
        ).fetchone()
        return Outgoing(
            events=tuple(_EVENT.decode(row[0]) for row in rows),
            depth=depth,
            oldest=datetime.fromisoformat(oldest) if oldest else None,
        )

    def acknowledge(self, acks: Sequence[EventAck], *, now: datetime) -> tuple[int, int]:
        """Mark acknowledged events sent (rejected ones with their reason).

        Events of the batch the server did not mention stay in the outbox for the next push.

        Returns:
            How many events were marked, and how many of them were rejected.
        """
        at = utc_text(now)
        rows = [(at, a.status, a.reason, str(a.event_id)) for a in acks]

        def work(conn: Connection) -> None:
            conn.executemany(
                "UPDATE outbox SET sent_at = ?, ack = ?, ack_reason = ?"
                " WHERE event_id = ? AND sent_at IS NULL",
                rows,
            )
            conn.execute("UPDATE sync_state SET last_push_at = ?, last_contact_at = ?", (at, at))

        self._store.write(work)
        return len(rows), sum(1 for a in acks if a.status == "rejected")

    def rejected(self) -> list[Rejected]:
        """Every event the server rejected, oldest first."""
        rows = (
            self._read()
            .execute(
                "SELECT seq, event_id, event_type, ack_reason, created_at FROM outbox"
                " WHERE ack = 'rejected' ORDER BY seq"
            )
            .fetchall()
        )
        return [Rejected(r[0], r[1], r[2], r[3] or "", r[4]) for r in rows]

    def rejected_count(self) -> int:
        """How many events the server rejected."""
        return int(
            self._read().execute("SELECT count(*) FROM outbox WHERE ack = 'rejected'").fetchone()[0]
        )

    def acks(self) -> dict[UUID, str]:
        """Event id -> the server's verdict, for every acknowledged event (tests, support)."""
        rows = self._read().execute("SELECT event_id, ack FROM outbox WHERE ack IS NOT NULL")
        return {UUID(row[0]): row[1] for row in rows}
