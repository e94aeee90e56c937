"""The SQLite store on real temp files: migrations, the writer, search, outbox, numbering."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from desktop.bootstrap import Till, build
from desktop.demo import DEMO_USERS, demo_items, ean13
from desktop.domain.audit import verify_chain
from desktop.domain.catalog import Item
from desktop.domain.tender import Method, Payment
from desktop.errors import MigrationFailed, SchemaTooNew
from desktop.services.fakes import FakeClock, FakePrinter
from desktop.settings import Settings
from desktop.store.connection import connect
from desktop.store.migrate import Migration, current_version, load_migrations, upgrade
from desktop.store.sqlite_store import SqliteStore
from desktop.store.writer import Writer
from shared.gst import GstRate
from shared.money import Money

from .conftest import CHEAP_HASHER, IST

MIGRATIONS = load_migrations()
LATEST = MIGRATIONS[-1].version
CASHIER = DEMO_USERS[0][0]


# ------------------------------------------------------------------ pragmas and writer
def test_the_database_runs_in_wal_with_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    conn = connect(tmp_path / "t.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_new_database_has_16k_pages_and_an_existing_one_keeps_its_own(tmp_path: Path) -> None:
    conn = connect(tmp_path / "new.db")
    upgrade(conn, MIGRATIONS)
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 16384
    old = tmp_path / "old.db"
    raw = sqlite3.connect(old)
    raw.execute("CREATE TABLE t (x INTEGER)")
    raw.execute("INSERT INTO t VALUES (7)")
    raw.commit()
    raw.close()
    conn = connect(old)
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert conn.execute("SELECT x FROM t").fetchone()[0] == 7


def test_the_writer_runs_on_its_own_thread_and_rolls_back_on_error(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    connect(path).execute("CREATE TABLE t (x INTEGER)")
    writer = Writer(path)
    names: list[str] = []

    def insert(conn: sqlite3.Connection) -> None:
        names.append(threading.current_thread().name)
        conn.execute("INSERT INTO t VALUES (1)")

    writer.run(insert)

    def fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        writer.run(fail)
    writer.close()
    writer.close()  # closing twice is harmless
    assert names[0].startswith("galla-writer")
    assert names[0] != threading.current_thread().name
    assert [tuple(r) for r in connect(path).execute("SELECT x FROM t")] == [(1,)]
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(insert)


def test_a_redoable_write_skips_the_wait_for_the_disk_and_every_other_write_waits(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.db"
    connect(path).execute("CREATE TABLE t (x INTEGER)")
    writer = Writer(path)
    level = "PRAGMA synchronous"

    def insert(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO t VALUES (1)")
        return int(conn.execute(level).fetchone()[0])

    assert writer.run(insert, durable=False) == 1  # NORMAL: no fsync at its commit
    assert writer.run(insert) == 2  # FULL again for the next one (a sale)

    def fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        writer.run(fail, durable=False)
    assert writer.run(lambda conn: conn.execute(level).fetchone()[0]) == 2
    rows = writer.run(lambda conn: conn.execute("SELECT x FROM t").fetchall())
    assert [tuple(row) for row in rows] == [(1,), (1,)]  # the failed one left nothing
    writer.close()


# ------------------------------------------------------------------ migrations
def seed_v1(conn: sqlite3.Connection) -> None:
    """Rows a version-1 till would have: a user, an item, a shift."""
    conn.execute(
        "INSERT INTO users (user_id, name, role, pin_hash) VALUES ('u1', 'Asha', 'cashier', 'h')"
    )
    conn.execute(
        "INSERT INTO items (item_id, code, name, hsn, price_paise) "
        "VALUES ('i1', 'MILK', 'Milk', '0401', 2700)"
    )
    conn.execute(
        "INSERT INTO shifts (shift_id, user_id, opened_at, opening_float_paise) "
        "VALUES ('s1', 'u1', '2026-05-09T10:00:00+05:30', 100000)"
    )


@pytest.mark.parametrize("start", range(LATEST))
def test_a_database_of_every_earlier_version_upgrades_and_keeps_its_rows(
    tmp_path: Path, start: int
) -> None:
    path = tmp_path / f"v{start}.db"
    conn = connect(path)
    upgrade(conn, MIGRATIONS, target=start)
    assert current_version(conn) == start
    if start >= 1:
        seed_v1(conn)
    conn.close()
    conn = connect(path)
    assert upgrade(conn, MIGRATIONS) == LATEST
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"held_sales", "outbox", "audit_log", "items_fts"} <= tables
    columns = {r[1] for r in conn.execute("PRAGMA table_info(users)")}
    assert "last_login_at" in columns
    if start >= 1:
        assert [tuple(r) for r in conn.execute("SELECT name FROM users")] == [("Asha",)]
        assert conn.execute("SELECT opening_float_paise FROM shifts").fetchone()[0] == 100000


def test_the_mirror_tables_move_to_their_keys_with_every_row_and_index(tmp_path: Path) -> None:
    path = tmp_path / "v6.db"
    conn = connect(path)
    upgrade(conn, MIGRATIONS, target=6)
    conn.execute(
        "INSERT INTO sync_products VALUES ('p1', 3, 'C1', 'Soap', '3401', 'pcs', 1, 4500, 1)"
    )
    conn.execute(
        "INSERT INTO sync_barcodes VALUES ('b1', 2, 'p1', '8901234567894', '08901234567894', '1')"
    )
    conn.execute(
        "INSERT INTO sync_prices VALUES"
        " ('r1', 1, 'p1', NULL, 4000, '2026-01-01T00:00:00.000000Z', NULL)"
    )
    before = {
        table: [tuple(r) for r in conn.execute(f"SELECT * FROM {table}")]
        for table in ("sync_products", "sync_barcodes", "sync_prices")
    }
    assert upgrade(conn, MIGRATIONS) == LATEST
    for table, rows in before.items():
        assert [tuple(r) for r in conn.execute(f"SELECT * FROM {table}")] == rows
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        assert "WITHOUT ROWID" in sql, table
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"sync_barcodes_product", "sync_prices_product"} <= indexes
    plan = " ".join(
        str(r[3])
        for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM sync_prices WHERE product_id = 'p1'"
        )
    )
    assert "sync_prices_product" in plan


def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    conn = connect(tmp_path / "t.db")
    assert upgrade(conn, MIGRATIONS) == LATEST
    assert upgrade(conn, MIGRATIONS) == LATEST


def test_a_database_from_a_newer_till_is_refused(tmp_path: Path) -> None:
    conn = connect(tmp_path / "t.db")
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(SchemaTooNew, match="Update the till software"):
        upgrade(conn, MIGRATIONS)


def test_a_failing_step_leaves_the_previous_version(tmp_path: Path) -> None:
    conn = connect(tmp_path / "t.db")
    broken = (*MIGRATIONS, Migration(LATEST + 1, "broken", "CREATE TABLE x (a);\nNOT SQL;"))
    with pytest.raises(MigrationFailed, match="broken"):
        upgrade(conn, broken)
    assert current_version(conn) == LATEST
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'x'").fetchone() is None


def test_migration_files_must_be_numbered_in_order(tmp_path: Path) -> None:
    (tmp_path / "0002_second.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationFailed, match="out of order"):
        load_migrations(tmp_path)
    (tmp_path / "notes.sql").write_text("")
    with pytest.raises(MigrationFailed, match="NNNN_name"):
        load_migrations(tmp_path)


# ------------------------------------------------------------------ catalog
def test_search_finds_items_by_name_prefix_code_and_barcode(till: Till) -> None:
    store = till.store
    assert [i.code for i in store.search("cream bisc")] == ["BISC250"]
    assert {i.code for i in store.search("BISC")} == {"BISC100", "BISC250"}
    assert [i.code for i in store.search(ean13(1))] == ["MILK500"]
    assert store.search('"  ') == []
    assert store.search("zzzz") == []


def test_lookups_by_barcode_and_code(till: Till) -> None:
    assert till.store.find_by_barcode(ean13(2)).code == "MILK1L"  # type: ignore[union-attr]
    assert till.store.find_by_code("milk1l").name == "Full cream milk 1 l"  # type: ignore[union-attr]
    assert till.store.find_by_barcode("0000000000000") is None
    assert till.store.find_by_code("NOPE") is None


def test_upserting_an_item_replaces_its_barcodes_and_search_text(till: Till) -> None:
    item, _ = demo_items()[0]
    renamed = Item(item.item_id, item.code, "Buffalo milk", item.hsn, Money(3000))
    till.store.upsert_items([(renamed, ("12345670",))])
    assert till.store.find_by_barcode(ean13(1)) is None
    assert till.store.find_by_barcode("12345670") == renamed
    assert [i.name for i in till.store.search("buffalo")] == ["Buffalo milk"]
    assert till.store.search("toned") == []


def test_the_rate_table_ends_a_period_the_day_before_the_next_starts(till: Till) -> None:
    table = till.store.rate_table()
    assert table.rate_for("3401", date(2025, 9, 21)).rate == Decimal(18)
    assert table.rate_for("3401", date(2025, 9, 22)).rate == Decimal(5)
    till.store.upsert_rates(
        [GstRate(hsn="9999", rate=Decimal(12), effective_from=date(2020, 1, 1))]
    )
    assert till.store.rate_table().rate_for("9999", date(2024, 1, 1)).rate == Decimal(12)


# ------------------------------------------------------------------ sales, outbox, crash
def sell(till: Till, code: str = ean13(1)) -> str:
    sale = till.new_sale(CASHIER)
    sale.scan(code)
    total = sale.invoice().grand_total
    return sale.complete([Payment(Method.CASH, total)]).document.number


def test_invoice_numbers_are_consecutive_and_outbox_seq_only_grows(open_till: Till) -> None:
    numbers = [sell(open_till) for _ in range(3)]
    assert numbers == ["DEMOT1/27/000001", "DEMOT1/27/000002", "DEMOT1/27/000003"]
    seqs = [e.seq for e in open_till.store.outbox_events()]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    assert seqs[0] == 1
    ids = [e.event_id for e in open_till.store.outbox_events()]
    assert all(UUID(str(i)).version == 7 for i in ids)


def test_a_new_financial_year_restarts_the_series(open_till: Till, clock: FakeClock) -> None:
    assert sell(open_till) == "DEMOT1/27/000001"
    clock._now = datetime(2027, 4, 1, 9, tzinfo=IST)  # FY 2027-28
    assert sell(open_till) == "DEMOT1/28/000001"


def test_a_printer_failure_after_the_commit_loses_nothing(
    settings: Settings, clock: FakeClock, printer: FakePrinter, drawer
) -> None:
    till = build(settings, clock=clock, printer=printer, drawer=drawer, hasher=CHEAP_HASHER)
    from desktop.demo import seed_demo

    seed_demo(till.store, till.hasher)
    till.shifts.open(CASHIER, Money(0))
    printer.offline = True
    sale = till.new_sale(CASHIER)
    sale.scan(ean13(1))
    result = sale.complete([Payment(Method.CASH, Money(2700))])
    assert not result.printed
    assert "did not print" in (result.print_error or "")
    till.close()  # "crash" after the commit

    reopened = build(settings, clock=clock, printer=FakePrinter(), hasher=CHEAP_HASHER)
    try:
        doc = reopened.store.document_by_number(result.document.number)
        assert doc == result.document
        kinds = [e.kind for e in reopened.store.outbox_events()]
        assert kinds.count("sale_completed") == 1
        again = reopened.new_sale(CASHIER).reprint(result.document.number)
        assert again.printed
        assert again.document == doc
        assert reopened.context.printer.receipts == [(doc, True)]  # type: ignore[attr-defined]
    finally:
        reopened.close()


def test_a_failing_write_stores_no_half_sale(open_till: Till) -> None:
    sale = open_till.new_sale(CASHIER)
    sale.scan(ean13(1))

    def explode(number: str):
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        open_till.store.commit_document(
            "invoice", open_till.context.clock.now(), explode, lambda d: None
        )  # type: ignore[arg-type,return-value]
    assert open_till.store.recent_documents() == []
    assert sell(open_till) == "DEMOT1/27/000001"  # the number was not used up


def test_the_audit_chain_in_the_database_verifies_and_detects_tampering(open_till: Till) -> None:
    sell(open_till)
    open_till.auth.login(CASHIER.user_id, "1234")
    entries = open_till.store.audit_entries()
    assert len(entries) >= 2
    assert verify_chain(entries) is None

    def tamper(conn: sqlite3.Connection) -> None:
        conn.execute('UPDATE audit_log SET detail = \'{"x":"1"}\' WHERE seq = 1')

    open_till.store.write(tamper)
    assert verify_chain(open_till.store.audit_entries()) == 1


def test_outbox_stats_count_waiting_events_and_their_age(open_till: Till) -> None:
    stats = open_till.store.outbox_stats()
    assert stats.pending == len(open_till.store.outbox_events()) >= 2
    assert stats.oldest == datetime(2026, 5, 9, 10, tzinfo=IST)


def test_reads_work_while_the_writer_is_busy(open_till: Till) -> None:
    started = threading.Event()
    release = threading.Event()

    def slow(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO settings VALUES ('k', 'v')")
        started.set()
        release.wait(5)

    future = open_till.store._writer.submit(slow)
    started.wait(5)
    assert open_till.store.find_by_code("MILK500") is not None  # WAL: not blocked
    release.set()
    future.result()


def test_an_empty_store_opens_in_a_fresh_folder(tmp_path: Path) -> None:
    store = SqliteStore(
        tmp_path / "deep" / "till.sqlite3",
        ids=lambda: UUID(int=1),
        store_code="S1",
        terminal_code="T1",
    )
    try:
        assert store.current_shift() is None
        assert store.held_sales() == []
        assert store.take_held_sale("nope") is None
        assert store.document_by_number("X") is None
    finally:
        store.close()


def test_search_puts_code_and_name_prefix_matches_first(till: Till) -> None:
    assert [i.code for i in till.store.search("bisc")] == ["BISC250", "BISC100"]
    assert till.store.search("milk", 2)[0].code.startswith("MILK")
    assert [i.code for i in till.store.search("cola")][:2] == ["COLA2L", "COLA600"]
