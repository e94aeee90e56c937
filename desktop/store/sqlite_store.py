"""The till's SQLite store: the :class:`~desktop.services.ports.TillStore` adapter.

Reads run on a per-thread read connection (WAL lets them proceed while the writer commits);
every write goes through the single :class:`~desktop.store.writer.Writer` and is one
transaction together with the outbox events and audit entries it produces.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec

from desktop.domain.audit import AuditEntry, link
from desktop.domain.catalog import Item, Role, User
from desktop.domain.document import DocumentLine, SaleDocument
from desktop.domain.shift import CashCount, CashMovement, MovementKind, ReportDocument, VoidRecord
from desktop.domain.voids import VoidFacts, check_voidable
from desktop.errors import SaleNotFound
from desktop.services.ports import (
    AuditDraft,
    HeldSale,
    OutboxStats,
    ShiftRecord,
    UserRecord,
)
from desktop.store.connection import connect
from desktop.store.migrate import Migration, upgrade
from desktop.store.writer import Writer
from shared.gst import GstRate, RateTable
from shared.invoice_series import InvoiceSeries, SeriesKind, financial_year, next_number
from shared.money import Money
from shared.protocol.events import AuditRecorded, Event, EventPayload

__all__ = ("SqliteStore",)

_EVENT_DECODER = msgspec.json.Decoder(Event)
_DOC_DECODER = msgspec.json.Decoder(SaleDocument)
# reports read a tenth of a document; unknown fields are skipped without being built
_REPORT_DECODER = msgspec.json.Decoder(ReportDocument)
_encode = msgspec.json.encode


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _item(row: sqlite3.Row) -> Item:
    return Item(
        item_id=row["item_id"],
        code=row["code"],
        name=row["name"],
        hsn=row["hsn"],
        unit_price=Money(row["price_paise"]),
        tax_inclusive=bool(row["tax_inclusive"]),
        unit=row["unit"],
        weighed=bool(row["weighed"]),
    )


def _fts_query(text: str) -> str | None:
    # every word must match as a prefix; quoting keeps user text from being FTS syntax
    words = [w.replace('"', "") for w in text.split()]
    words = [w for w in words if w]
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)


class SqliteStore:
    """The till database at ``path``, migrated to the newest schema on open.

    Args:
        path: the database file (created if missing).
        ids: makes UUIDv7 ids for outbox events.
        store_code: the store part of document numbers.
        terminal_code: the terminal part of document numbers.
        migrations: the schema steps (default: the shipped ones).
    """

    def __init__(
        self,
        path: Path,
        *,
        ids: Callable[[], UUID],
        store_code: str,
        terminal_code: str,
        migrations: tuple[Migration, ...] | None = None,
    ) -> None:
        self.path = path
        self._ids = ids
        self._store_code = store_code
        self._terminal_code = terminal_code
        path.parent.mkdir(parents=True, exist_ok=True)
        setup = connect(path)
        try:
            upgrade(setup, migrations)
        finally:
            setup.close()
        self._writer = Writer(path)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._rates: RateTable | None = None

    # ------------------------------------------------------------------ plumbing
    def _read(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # each thread uses only its own reader; close() may run on another thread
            conn = connect(self.path, check_same_thread=False)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def write(self, work: Callable[[sqlite3.Connection], Any], *, durable: bool = True) -> Any:
        """Run ``work(conn)`` as one transaction on the writer thread and return its result.

        ``durable=False``: see :meth:`~desktop.store.writer.Writer.submit` (redoable work only).
        """
        return self._writer.run(work, durable=durable)

    def close(self) -> None:
        """Finish pending writes and close every connection."""
        self._writer.close()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._local = threading.local()

    def _append_event(self, conn: sqlite3.Connection, payload: EventPayload, at: datetime) -> Event:
        last = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
        seq = (last[0] if last else 0) + 1
        event = Event(event_id=self._ids(), seq=seq, occurred_at=at, payload=payload)
        conn.execute(
            "INSERT INTO outbox (seq, event_id, event_type, payload, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (seq, str(event.event_id), event.kind, _encode(event), _iso(at)),
        )
        return event

    def _append_audit(self, conn: sqlite3.Connection, draft: AuditDraft) -> AuditEntry:
        row = conn.execute("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        prev = _audit_entry(row) if row else None
        entry = link(
            AuditEntry(
                seq=0,
                event_id=self._ids(),
                occurred_at=draft.occurred_at,
                action=draft.action,
                actor_id=UUID(draft.actor_id) if draft.actor_id else None,
                detail=dict(draft.detail),
            ),
            prev,
        )
        conn.execute(
            "INSERT INTO audit_log (seq, event_id, at, action, user_id, approved_by, detail,"
            " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.seq,
                str(entry.event_id),
                _iso(entry.occurred_at),
                entry.action,
                draft.actor_id,
                entry.detail.get("approved_by"),
                _encode(dict(sorted(entry.detail.items()))).decode(),
                entry.prev_hash,
                entry.hash,
            ),
        )
        payload = AuditRecorded(
            action=entry.action,
            actor_id=entry.actor_id,
            detail=dict(entry.detail),
            prev_hash=entry.prev_hash,
            hash=entry.hash,
        )
        seq_row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
        seq = (seq_row[0] if seq_row else 0) + 1
        # the audit event keeps the entry's own id so the server can recompute the hash
        event = Event(
            event_id=entry.event_id, seq=seq, occurred_at=entry.occurred_at, payload=payload
        )
        conn.execute(
            "INSERT INTO outbox (seq, event_id, event_type, payload, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (seq, str(event.event_id), event.kind, _encode(event), _iso(entry.occurred_at)),
        )
        return entry

    # ------------------------------------------------------------------ catalog
    def upsert_items(self, items: Iterable[tuple[Item, Sequence[str]]]) -> int:
        """Insert or replace catalog items with their barcodes; returns how many."""
        rows = list(items)

        def work(conn: sqlite3.Connection) -> int:
            for item, barcodes in rows:
                conn.execute(
                    "INSERT INTO items (item_id, code, name, hsn, price_paise, tax_inclusive,"
                    " unit, weighed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (item_id) DO UPDATE SET code = excluded.code,"
                    " name = excluded.name, hsn = excluded.hsn,"
                    " price_paise = excluded.price_paise,"
                    " tax_inclusive = excluded.tax_inclusive, unit = excluded.unit,"
                    " weighed = excluded.weighed, active = 1",
                    (
                        item.item_id,
                        item.code,
                        item.name,
                        item.hsn,
                        item.unit_price.paise,
                        int(item.tax_inclusive),
                        item.unit,
                        int(item.weighed),
                    ),
                )
                conn.execute("DELETE FROM barcodes WHERE item_id = ?", (item.item_id,))
                conn.executemany(
                    "INSERT OR REPLACE INTO barcodes (barcode, item_id) VALUES (?, ?)",
                    [(code, item.item_id) for code in barcodes],
                )
                # the search row shares the item's rowid, so replacing it is an index hit
                rowid = conn.execute(
                    "SELECT rowid FROM items WHERE item_id = ?", (item.item_id,)
                ).fetchone()[0]
                conn.execute("DELETE FROM items_fts WHERE rowid = ?", (rowid,))
                conn.execute(
                    "INSERT INTO items_fts (rowid, item_id, name, code, barcodes)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (rowid, item.item_id, item.name, item.code, " ".join(barcodes)),
                )
            return len(rows)

        return int(self.write(work))

    def upsert_rates(self, rates: Iterable[GstRate]) -> None:
        """Store GST rate periods (checked together first, so overlaps are refused)."""
        table = RateTable(list(rates))

        def work(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT OR REPLACE INTO tax_rates (hsn, effective_from, rate) VALUES (?, ?, ?)",
                [(r.hsn, r.effective_from.isoformat(), str(r.rate)) for r in table.rates],
            )

        self.write(work)
        self._rates = None

    def rates_changed(self) -> None:
        """Forget the cached GST rate table (call after writing ``tax_rates`` directly)."""
        self._rates = None

    def find_by_barcode(self, key: str) -> Item | None:
        """The item with this canonical barcode / lookup key."""
        row = (
            self._read()
            .execute(
                "SELECT items.* FROM barcodes JOIN items USING (item_id)"
                " WHERE barcode = ? AND active = 1",
                (key,),
            )
            .fetchone()
        )
        return _item(row) if row else None

    def find_by_code(self, code: str) -> Item | None:
        """The item with this shop code (case-insensitive)."""
        row = (
            self._read()
            .execute(
                "SELECT * FROM items WHERE code = ? COLLATE NOCASE AND active = 1", (code.strip(),)
            )
            .fetchone()
        )
        return _item(row) if row else None

    def search(self, text: str, limit: int = 30) -> list[Item]:
        """Items whose name, code or barcode start with the words of ``text``.

        FTS5's bm25 ranking must score every match, which is slow for a two-letter prefix
        over a big catalog; instead the first matches are taken in index order and the
        ones whose name or code starts with the text come first.
        """
        query = _fts_query(text)
        if query is None:
            return []
        rows = (
            self._read()
            .execute(
                "SELECT items.* FROM items_fts JOIN items ON items.rowid = items_fts.rowid"
                " WHERE items_fts MATCH ? AND items.active = 1 LIMIT ?",
                (query, max(limit * 8, 64)),
            )
            .fetchall()
        )
        needle = text.strip().casefold()

        def score(item: Item) -> tuple[bool, bool, int, str]:
            name = item.name.casefold()
            return (
                not item.code.casefold().startswith(needle),
                not name.startswith(needle),
                len(name),
                name,
            )

        return sorted((_item(row) for row in rows), key=score)[:limit]

    def rate_table(self) -> RateTable:
        """Every GST rate period known to the till (cached until rates change)."""
        if self._rates is None:
            rows = (
                self._read()
                .execute(
                    "SELECT hsn, effective_from, rate FROM tax_rates ORDER BY hsn, effective_from"
                )
                .fetchall()
            )
            by_hsn: dict[str, list[tuple[date, Decimal]]] = {}
            for row in rows:
                by_hsn.setdefault(row["hsn"], []).append(
                    (date.fromisoformat(row["effective_from"]), Decimal(row["rate"]))
                )
            periods = []
            for hsn, starts in by_hsn.items():
                for index, (start, rate) in enumerate(starts):
                    end = None
                    if index + 1 < len(starts):
                        end = date.fromordinal(starts[index + 1][0].toordinal() - 1)
                    periods.append(
                        GstRate(hsn=hsn, rate=rate, effective_from=start, effective_to=end)
                    )
            self._rates = RateTable(periods)
        return self._rates

    # ------------------------------------------------------------------ users
    def upsert_user(self, user: User, pin_hash: str) -> None:
        """Insert or replace a user (server-owned; the demo seeds them)."""
        self.write(
            lambda conn: conn.execute(
                "INSERT INTO users (user_id, name, role, pin_hash) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET name = excluded.name,"
                " role = excluded.role, pin_hash = excluded.pin_hash, active = 1",
                (user.user_id, user.name, user.role.value, pin_hash),
            )
        )

    def user_records(self) -> list[UserRecord]:
        """Every active user with their login state."""
        rows = self._read().execute("SELECT * FROM users WHERE active = 1 ORDER BY name").fetchall()
        return [
            UserRecord(
                user=User(row["user_id"], row["name"], Role(row["role"])),
                pin_hash=row["pin_hash"],
                failed_attempts=row["failed_attempts"],
                locked_until=_parse(row["locked_until"]),
            )
            for row in rows
        ]

    def set_login_state(
        self,
        user_id: str,
        failed_attempts: int,
        locked_until: datetime | None,
        audit: AuditDraft | None,
    ) -> None:
        """Store a user's failed-PIN count and lockout, with an audit entry."""

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE users SET failed_attempts = ?, locked_until = ? WHERE user_id = ?",
                (failed_attempts, _iso(locked_until) if locked_until else None, user_id),
            )
            if audit is not None:
                self._append_audit(conn, audit)

        self.write(work)

    # ------------------------------------------------------------------ audit / outbox
    def record_audit(self, draft: AuditDraft) -> AuditEntry:
        """Append one audit entry (and its outbox event)."""
        return self.write(lambda conn: self._append_audit(conn, draft))  # type: ignore[no-any-return]

    def audit_entries(self) -> list[AuditEntry]:
        """The whole audit chain, oldest first."""
        rows = self._read().execute("SELECT * FROM audit_log ORDER BY seq").fetchall()
        return [_audit_entry(row) for row in rows]

    def outbox_stats(self) -> OutboxStats:
        """How many events wait and since when."""
        row = (
            self._read()
            .execute("SELECT count(*), min(created_at) FROM outbox WHERE sent_at IS NULL")
            .fetchone()
        )
        return OutboxStats(pending=row[0], oldest=_parse(row[1]))

    def outbox_events(self) -> list[Event]:
        """Every event not yet acknowledged, in sequence order."""
        rows = (
            self._read()
            .execute("SELECT payload FROM outbox WHERE sent_at IS NULL ORDER BY seq")
            .fetchall()
        )
        return [_EVENT_DECODER.decode(row[0]) for row in rows]

    # ------------------------------------------------------------------ shifts
    def current_shift(self) -> ShiftRecord | None:
        """The open shift, if any."""
        row = self._read().execute("SELECT * FROM shifts WHERE closed_at IS NULL").fetchone()
        return _shift(row) if row else None

    def shift(self, shift_id: str) -> ShiftRecord | None:
        """A shift by id."""
        row = (
            self._read().execute("SELECT * FROM shifts WHERE shift_id = ?", (shift_id,)).fetchone()
        )
        return _shift(row) if row else None

    def open_shift(
        self,
        record: ShiftRecord,
        payload: Callable[[], EventPayload],
        audit: AuditDraft,
    ) -> None:
        """Store a newly opened shift with its event."""

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO shifts (shift_id, user_id, opened_at, opening_float_paise)"
                " VALUES (?, ?, ?, ?)",
                (
                    record.shift_id,
                    record.user_id,
                    _iso(record.opened_at),
                    record.opening_float.paise,
                ),
            )
            self._append_event(conn, payload(), record.opened_at)
            self._append_audit(conn, audit)

        self.write(work)

    def shift_activity(
        self, shift_id: str
    ) -> tuple[list[ReportDocument], list[CashMovement], list[VoidRecord]]:
        """Documents (the parts a report needs), cash movements and voids of a shift."""
        conn = self._read()
        rows = conn.execute(
            "SELECT document_json FROM sales WHERE shift_id = ? ORDER BY created_at, number",
            (shift_id,),
        ).fetchall()
        # tens of thousands of small values in one go: the cyclic GC would rescan them all
        # several times over (a third of a 10,000-sale Z report) and can find no cycles in them
        collecting = gc.isenabled()
        gc.disable()
        try:
            docs = [_REPORT_DECODER.decode(row[0]) for row in rows]
        finally:
            if collecting:
                gc.enable()
        moves = [
            CashMovement(
                MovementKind(row["kind"]),
                Money(row["amount_paise"]),
                row["reason"],
                datetime.fromisoformat(row["at"]),
            )
            for row in conn.execute(
                "SELECT * FROM cash_movements WHERE shift_id = ? ORDER BY at", (shift_id,)
            )
        ]
        voids = [
            VoidRecord(row["kind"], Money(row["amount_paise"]))
            for row in conn.execute(
                "SELECT * FROM sale_voids WHERE shift_id = ? ORDER BY at", (shift_id,)
            )
        ]
        return docs, moves, voids

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

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO cash_movements (movement_id, shift_id, kind, amount_paise, reason,"
                " user_id, approved_by, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    movement_id,
                    shift_id,
                    movement.kind.value,
                    movement.amount.paise,
                    movement.reason,
                    user_id,
                    approved_by,
                    _iso(movement.at),
                ),
            )
            if payload is not None:
                self._append_event(conn, payload, movement.at)
            if audit is not None:
                self._append_audit(conn, audit)

        self.write(work)

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

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO sale_voids (void_id, shift_id, kind, amount_paise, user_id,"
                " approved_by, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    void_id,
                    shift_id,
                    void.kind,
                    void.amount.paise,
                    user_id,
                    approved_by,
                    _iso(audit.occurred_at),
                ),
            )
            self._append_audit(conn, audit)

        self.write(work)

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

        def work(conn: sqlite3.Connection) -> int:
            z_number = int(
                conn.execute("SELECT coalesce(max(z_number), 0) + 1 FROM shifts").fetchone()[0]
            )
            updated = conn.execute(
                "UPDATE shifts SET closed_at = ?, closed_by = ?, z_number = ?,"
                " counted_paise = ?, expected_paise = ?, counts_json = ?, report_json = ?"
                " WHERE shift_id = ? AND closed_at IS NULL",
                (
                    _iso(closed_at),
                    closed_by,
                    z_number,
                    count.counted.paise,
                    count.expected.paise,
                    _encode(dict(count.counts)).decode(),
                    report_json.decode(),
                    shift_id,
                ),
            ).rowcount
            if updated != 1:
                raise LookupError(f"shift {shift_id} is not open")
            self._append_event(conn, payload(z_number), closed_at)
            self._append_audit(conn, audit)
            return z_number

        return int(self.write(work))

    # ------------------------------------------------------------------ documents
    def commit_document(
        self,
        series_kind: str,
        on: datetime,
        build: Callable[[str], SaleDocument],
        payload: Callable[[SaleDocument], EventPayload],
        audits: Sequence[AuditDraft] = (),
    ) -> SaleDocument:
        """Take the next number of a series, build the document, store it with its event.

        The number, the document's rows, its outbox event and its audit entries are one
        transaction: either all are stored or none is, and a number is never reused.
        """
        kind = SeriesKind(series_kind)

        def work(conn: sqlite3.Connection) -> SaleDocument:
            year = financial_year(on.date())
            row = conn.execute(
                "SELECT fy, last_number FROM series WHERE kind = ? ORDER BY fy DESC LIMIT 1",
                (kind.value,),
            ).fetchone()
            series_year = year if row is None else type(year).from_token(row["fy"])
            series = InvoiceSeries(self._store_code, self._terminal_code, kind, series_year)
            number = next_number(series, 0 if row is None else row["last_number"], on.date())
            conn.execute(
                "INSERT INTO series (kind, fy, last_number) VALUES (?, ?, ?)"
                " ON CONFLICT (kind, fy) DO UPDATE SET last_number = excluded.last_number",
                (kind.value, number.fy.token, number.seq),
            )
            document = build(number.text)
            _insert_document(conn, document)
            self._append_event(conn, payload(document), document.created_at)
            for draft in audits:
                self._append_audit(conn, draft)
            return document

        return self.write(work)  # type: ignore[no-any-return]

    def document_by_number(self, number: str) -> SaleDocument | None:
        """The invoice or credit note with this number (case-insensitive)."""
        row = (
            self._read()
            .execute(
                "SELECT document_json FROM sales WHERE number = ? COLLATE NOCASE",
                (number.strip(),),
            )
            .fetchone()
        )
        return _DOC_DECODER.decode(row[0]) if row else None

    def returned_lines(self, sale_id: str) -> dict[int, list[DocumentLine]]:
        """Original line number -> the credit-note lines already issued against it."""
        returned: dict[int, list[DocumentLine]] = {}
        for row in self._read().execute(
            "SELECT document_json FROM sales WHERE original_sale_id = ? ORDER BY created_at",
            (sale_id,),
        ):
            for line in _DOC_DECODER.decode(row[0]).lines:
                assert line.original_line_no is not None
                returned.setdefault(line.original_line_no, []).append(line)
        return returned

    def recent_documents(self, limit: int = 20) -> list[SaleDocument]:
        """The newest documents, newest first."""
        rows = (
            self._read()
            .execute(
                "SELECT document_json FROM sales ORDER BY created_at DESC, number DESC LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return [_DOC_DECODER.decode(row[0]) for row in rows]

    # ------------------------------------------------------------------ voided sales
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
        """Mark the invoice ``number`` voided, with its event and audit entry, in one write.

        The rules (:func:`desktop.domain.voids.check_voidable`) are checked inside the same
        transaction, so a return or a Z close that just committed is seen.

        Raises:
            SaleNotFound: no document has that number.
            VoidRefused: the rules refuse it; nothing is stored.
        """

        def work(conn: sqlite3.Connection) -> SaleDocument:
            row = conn.execute(
                "SELECT sales.document_json, shifts.closed_at FROM sales"
                " JOIN shifts USING (shift_id) WHERE sales.number = ? COLLATE NOCASE",
                (number.strip(),),
            ).fetchone()
            if row is None:
                raise SaleNotFound(f"No receipt has the number {number.strip()!r}.")
            document = _DOC_DECODER.decode(row[0])
            facts = VoidFacts(
                already_voided=conn.execute(
                    "SELECT 1 FROM voided_sales WHERE sale_id = ?", (document.sale_id,)
                ).fetchone()
                is not None,
                has_returns=conn.execute(
                    "SELECT 1 FROM sales WHERE original_sale_id = ? LIMIT 1", (document.sale_id,)
                ).fetchone()
                is not None,
                shift_closed=row[1] is not None,
            )
            check_voidable(document, facts)
            conn.execute(
                "INSERT INTO voided_sales (sale_id, shift_id, user_id, approved_by, reason,"
                " amount_paise, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    document.sale_id,
                    document.shift_id,
                    user_id,
                    approved_by,
                    reason,
                    document.grand_total.paise,
                    _iso(at),
                ),
            )
            self._append_event(conn, payload(document), at)
            self._append_audit(conn, audit(document))
            return document

        return self.write(work)  # type: ignore[no-any-return]

    def is_voided(self, sale_id: str) -> bool:
        """Whether the sale was voided after completion."""
        row = (
            self._read()
            .execute("SELECT 1 FROM voided_sales WHERE sale_id = ?", (sale_id,))
            .fetchone()
        )
        return row is not None

    def voided_sale_ids(self, shift_id: str) -> frozenset[str]:
        """The ids of the shift's invoices that were voided after completion."""
        rows = self._read().execute(
            "SELECT sale_id FROM voided_sales WHERE shift_id = ?", (shift_id,)
        )
        return frozenset(row[0] for row in rows)

    def document_flags(self, sale_ids: Sequence[str]) -> dict[str, tuple[bool, bool]]:
        """Sale id -> (voided, has returns against it), for the sale history screen."""
        if not sale_ids:
            return {}
        marks = ",".join("?" * len(sale_ids))
        conn = self._read()
        voided = {
            row[0]
            for row in conn.execute(
                f"SELECT sale_id FROM voided_sales WHERE sale_id IN ({marks})",  # noqa: S608
                tuple(sale_ids),
            )
        }
        returned = {
            row[0]
            for row in conn.execute(
                f"SELECT original_sale_id FROM sales WHERE original_sale_id IN ({marks})",  # noqa: S608
                tuple(sale_ids),
            )
        }
        return {sid: (sid in voided, sid in returned) for sid in sale_ids}

    # ------------------------------------------------------------------ holds
    def hold_sale(self, held: HeldSale) -> None:
        """Keep a sale on hold."""
        self.write(
            lambda conn: conn.execute(
                "INSERT INTO held_sales (hold_id, held_at, user_id, label, cart_json)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    held.hold_id,
                    _iso(held.held_at),
                    held.user_id,
                    held.label,
                    held.cart_json.decode(),
                ),
            )
        )

    def held_sales(self) -> list[HeldSale]:
        """Every held sale, oldest first."""
        rows = self._read().execute("SELECT * FROM held_sales ORDER BY held_at").fetchall()
        return [_held(row) for row in rows]

    def take_held_sale(self, hold_id: str) -> HeldSale | None:
        """Remove and return a held sale (``None`` if another recall took it)."""

        def work(conn: sqlite3.Connection) -> HeldSale | None:
            row = conn.execute("SELECT * FROM held_sales WHERE hold_id = ?", (hold_id,)).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM held_sales WHERE hold_id = ?", (hold_id,))
            return _held(row)

        return self.write(work)  # type: ignore[no-any-return]


def _held(row: sqlite3.Row) -> HeldSale:
    return HeldSale(
        hold_id=row["hold_id"],
        held_at=datetime.fromisoformat(row["held_at"]),
        user_id=row["user_id"],
        label=row["label"],
        cart_json=row["cart_json"].encode(),
    )


def _shift(row: sqlite3.Row) -> ShiftRecord:
    return ShiftRecord(
        shift_id=row["shift_id"],
        user_id=row["user_id"],
        opened_at=datetime.fromisoformat(row["opened_at"]),
        opening_float=Money(row["opening_float_paise"]),
        closed_at=_parse(row["closed_at"]),
        z_number=row["z_number"],
    )


def _audit_entry(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        seq=row["seq"],
        event_id=UUID(row["event_id"]),
        occurred_at=datetime.fromisoformat(row["at"]),
        action=row["action"],
        actor_id=UUID(row["user_id"]) if row["user_id"] else None,
        detail=msgspec.json.decode(row["detail"], type=dict[str, str]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def _insert_document(conn: sqlite3.Connection, doc: SaleDocument) -> None:
    conn.execute(
        "INSERT INTO sales (sale_id, number, kind, original_sale_id, shift_id, user_id,"
        " created_at, customer_phone, customer_gstin, total_paise, tax_paise, discount_paise,"
        " round_off_paise, document_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            doc.sale_id,
            doc.number,
            doc.kind.value,
            doc.original_sale_id,
            doc.shift_id,
            doc.cashier_id,
            _iso(doc.created_at),
            doc.customer_phone,
            doc.customer_gstin,
            doc.grand_total.paise,
            doc.tax.paise,
            doc.discount.paise,
            doc.round_off.paise,
            _encode(doc).decode(),
        ),
    )
    conn.executemany(
        "INSERT INTO sale_lines (sale_id, line_no, item_id, name, hsn, rate, quantity,"
        " unit_price_paise, discount_paise, taxable_paise, tax_paise, total_paise,"
        " original_line_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                doc.sale_id,
                line.line_no,
                line.item_id,
                line.name,
                line.hsn,
                str(line.rate),
                str(line.quantity),
                line.unit_price.paise,
                line.discount.paise,
                line.taxable.paise,
                line.tax.paise,
                line.total.paise,
                line.original_line_no,
            )
            for line in doc.lines
        ],
    )
    conn.executemany(
        "INSERT INTO payments (sale_id, seq, method, amount_paise, reference)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (doc.sale_id, seq, p.method.value, p.amount.paise, p.reference)
            for seq, p in enumerate(doc.payments, start=1)
        ],
    )
