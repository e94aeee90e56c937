"""A fresh till's first pull by snapshot: one transaction, nothing half-written, search after.

The server is an httpx mock transport answering the snapshot and pull routes with real
protocol bytes; the till database is a real temp-file SQLite.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
import pytest

from desktop.store.sqlite_store import SqliteStore
from desktop.sync.client import SyncClient
from desktop.sync.errors import SyncUnavailable
from desktop.sync.ledger import Ledger
from desktop.sync.worker import SyncWorker
from shared.protocol import PROTOCOL_VERSION, Change, encode
from tests.desktop.sync import factory as f

NOW = datetime(2026, 5, 9, 10, 0, tzinfo=UTC)
HASH = "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


def catalog() -> list[Change]:
    changes: list[Change] = [f.rate("1905", "18"), f.store_settings(), f.user("asha", HASH)]
    for n, name in enumerate(["marie", "bourbon", "goodday"]):
        changes += [
            f.product(name),
            f.barcode(name, f"890123400001{n}"),
            f.price(name, 3000 + n),
        ]
    return changes


def body(
    changes: list[Change], cursor: str = "c1", *, per_batch: int = 4, end: int | None = None
) -> bytes:
    """A snapshot body: head, batches of ``per_batch`` changes, end (``end``: its count)."""
    lines = [encode_json({"protocol_version": PROTOCOL_VERSION, "cursor": cursor})]
    for start in range(0, len(changes), per_batch):
        lines.append(b"[" + b",".join(encode(c) for c in changes[start : start + per_batch]) + b"]")
    count = len(changes) if end is None else end
    lines.append(encode_json({"protocol_version": PROTOCOL_VERSION, "end": True, "changes": count}))
    return b"\n".join(lines) + b"\n"


def encode_json(value: Any) -> bytes:
    return msgspec.json.encode(value)


class Server:
    """Answers the snapshot with the bodies given, one per request, and empty pull pages."""

    def __init__(self, *snapshots: bytes, pages: list[bytes] | None = None) -> None:
        self.snapshots = list(snapshots)
        self.pages = pages or []
        self.asked: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(f"{request.url.path}?{request.url.query.decode()}")
        if request.url.path.endswith("/snapshot"):
            return httpx.Response(
                200,
                content=gzip.compress(self.snapshots.pop(0)),
                headers={"Content-Encoding": "gzip", "Content-Type": "application/x-ndjson"},
            )
        cursor = request.url.params.get("cursor")
        if self.pages:
            return httpx.Response(200, content=self.pages.pop(0))
        return httpx.Response(200, content=encode(f.page([], cursor or "c1")))


def make_worker(
    ledger: Ledger, server: Server, on_applied: Callable[[Any], None] | None = None
) -> SyncWorker:
    client = SyncClient("http://sync.test", "gtc.x", transport=httpx.MockTransport(server))
    return SyncWorker(
        ledger, client, store_id=f.STORE, clock=lambda: NOW, rng=lambda: 0.5, on_applied=on_applied
    )


def tables(store: SqliteStore) -> dict[str, list[tuple[Any, ...]]]:
    read = store._read()
    names = [
        "items",
        "barcodes",
        "tax_rates",
        "users",
        "sync_products",
        "sync_barcodes",
        "sync_prices",
        "sync_gst_rates",
        "sync_users",
        "sync_store_settings",
    ]
    return {
        name: sorted(tuple(row) for row in read.execute(f"SELECT * FROM {name}")) for name in names
    }


def test_a_snapshot_makes_the_till_ready_with_its_cursor_and_the_same_tables_as_paging(
    store: SqliteStore, enrolled: Ledger, tmp_path: Any
) -> None:
    server = Server(body(catalog()))
    seen: list[tuple[int, int, bool]] = []
    _, changes = make_worker(enrolled, server).pull_all(lambda *p: seen.append(p))
    assert enrolled.cursor() == "c1"
    assert enrolled.catalog_ready()
    assert enrolled.search_pending()
    assert changes == len(catalog())
    assert seen[-1][2] is True
    assert [s[0] for s in seen[:-1]] == [4, 8, 12]  # rows applied, batch by batch
    assert all(s[1] > 0 for s in seen)  # bytes downloaded
    assert server.asked[0].startswith("/api/v1/sync/snapshot")
    assert server.asked[1] == "/api/v1/sync/pull?limit=5000&cursor=c1"  # catch-up
    # the same till as pulling the feed page by page (search built for the comparison)
    enrolled.build_search()
    by_snapshot = tables(store)
    from tests.desktop.sync.conftest import enrolment_record

    other = SqliteStore(
        tmp_path / "paged.sqlite3", ids=store._ids, store_code="B", terminal_code="1"
    )
    paged = Ledger(other)
    try:
        paged.record_enrolment(enrolment_record())
        paged.apply(f.page(catalog(), "c1"), store_id=f.STORE, now=NOW)
        assert tables(other) == by_snapshot
        fts = "SELECT rowid, item_id, name, code, barcodes FROM items_fts ORDER BY rowid"
        assert other._read().execute(fts).fetchall() == store._read().execute(fts).fetchall()
    finally:
        paged.close()
        other.close()


def test_barcodes_sell_at_once_and_search_works_once_its_index_is_built(
    store: SqliteStore, enrolled: Ledger
) -> None:
    make_worker(enrolled, Server(body(catalog()))).pull_all()
    item = store.find_by_barcode("8901234000011")
    assert item is not None
    assert (item.name, item.unit_price.paise) == ("bourbon biscuits", 3001)
    assert enrolled.search_pending()
    assert store.search("bourbon") == []  # not built yet: the till says so
    assert enrolled.build_search(chunk=1)  # a transaction per item
    assert not enrolled.search_pending()
    assert [i.name for i in store.search("bour")] == ["bourbon biscuits"]
    assert [i.name for i in store.search("8901234000012")] == ["goodday biscuits"]


def test_a_price_change_after_the_snapshot_arrives_by_the_ordinary_pull(
    store: SqliteStore, enrolled: Ledger
) -> None:
    later = f.page([f.price("marie", 3500, version=2)], "c2")
    worker = make_worker(enrolled, Server(body(catalog()), pages=[encode(later)]))
    worker.pull_all()
    item = store.find_by_barcode("8901234000010")
    assert item is not None
    assert item.unit_price.paise == 3500
    assert enrolled.cursor() == "c2"
    # re-projected while the index builds: indexed once, never twice
    enrolled.build_search()
    rows = store._read().execute("SELECT count(*) FROM items_fts").fetchone()[0]
    assert rows == 3
    assert [i.unit_price.paise for i in store.search("marie")] == [3500]


def test_the_snapshot_is_announced_only_once_the_pages_after_it_are_in(
    store: SqliteStore, enrolled: Ledger
) -> None:
    # what the announcement starts (the search build, a writer of its own) must not hold up
    # the catch-up pages that make the till ready
    later = f.page([f.price("marie", 3500, version=2)], "c2")
    seen: list[tuple[dict[str, int], str | None, bool]] = []
    worker = make_worker(
        enrolled,
        Server(body(catalog()), pages=[encode(later)]),
        on_applied=lambda a: seen.append((a.kinds, enrolled.cursor(), a.search_pending)),
    )
    worker.pull_all()
    assert seen[0] == ({"price": 1}, "c2", False)  # the page first
    kinds, cursor, search_pending = seen[1]  # then the snapshot, still to be indexed
    assert kinds == {
        "product": 3,
        "barcode": 3,
        "price": 3,
        "gst_rate": 1,
        "user": 1,
        "store_settings": 1,
    }
    assert cursor == "c2"
    assert search_pending
    assert len(seen) == 2


def test_a_snapshot_is_announced_even_when_the_pull_after_it_fails(
    store: SqliteStore, enrolled: Ledger
) -> None:
    seen: list[dict[str, int]] = []
    worker = make_worker(
        enrolled,
        Server(body(catalog()), pages=[b"not a page"]),
        on_applied=lambda applied: seen.append(applied.kinds),
    )
    with pytest.raises(SyncUnavailable):
        worker.pull_all()
    assert enrolled.cursor() == "c1"
    assert enrolled.catalog_ready()
    assert [kinds["product"] for kinds in seen] == [3]


def test_search_built_half_way_starts_over_and_a_reprojection_in_between_is_kept(
    store: SqliteStore, enrolled: Ledger
) -> None:
    make_worker(enrolled, Server(body(catalog()))).pull_all()
    calls = iter([False, True])  # stop after the first chunk
    assert not enrolled.build_search(chunk=1, stop=lambda: next(calls))
    assert enrolled.search_pending()
    enrolled.apply(f.page([f.product("marie", version=2)], "c2"), store_id=f.STORE, now=NOW)
    assert enrolled.build_search(chunk=2)
    assert store._read().execute("SELECT count(*) FROM items_fts").fetchone()[0] == 3
    assert len(store.search("biscuits")) == 3


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        (lambda b: b[: len(b) // 2], "cut"),  # the connection dropped mid-body
        (lambda b: b.rsplit(b"\n", 2)[0] + b"\n", "cut before its end"),  # no end line
        (lambda b: body(catalog(), end=99), "says 99"),  # a count that does not match
        (lambda b: b.replace(b'"8901234000011"', b'"89012\\u000034"'), "printable barcode"),
        (lambda b: b.replace(b'"hsn":"1905","unit"', b'"hsn":"19x5","unit"', 1), "HSN"),
        (lambda b: b.replace(b'"unit_price_paise":3002', b'"unit_price_paise":30.5'), "int"),
        (lambda b: b.replace(b"[", b"{", 1), "could not be read"),
    ],
)
def test_a_broken_snapshot_is_refused_whole_and_the_next_try_starts_clean(
    store: SqliteStore, enrolled: Ledger, broken: Callable[[bytes], bytes], says: str
) -> None:
    good = body(catalog())
    worker = make_worker(enrolled, Server(broken(good), good))
    with pytest.raises(SyncUnavailable, match=says):
        worker.pull_all()
    assert enrolled.cursor() is None
    assert not enrolled.catalog_ready()
    assert all(rows == [] for name, rows in tables(store).items() if name != "users")
    assert store._read().execute("SELECT count(*) FROM users WHERE active = 1").fetchone()[0] == 0
    worker.pull_all()  # retried: from nothing, and whole
    assert enrolled.cursor() == "c1"
    assert len(tables(store)["items"]) == 3


def test_a_cycle_that_fails_on_the_snapshot_reports_it_and_keeps_nothing(
    store: SqliteStore, enrolled: Ledger
) -> None:
    good = body(catalog())
    worker = make_worker(enrolled, Server(good[:-30], good))
    cycle = worker.run_once()
    assert isinstance(cycle.error, SyncUnavailable)
    assert enrolled.cursor() is None
    assert worker.run_once().error is None
    assert enrolled.catalog_ready()


def test_enrolment_returns_ready_and_the_index_builds_in_the_background(
    store: SqliteStore, tmp_path: Any
) -> None:
    import keyring.backends.fail

    from desktop.sync.service import TillSync
    from tests.desktop.sync.test_enrolment_qt import ENROLLED

    server = Server(body(catalog()))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/enrol"):
            return httpx.Response(201, json={**ENROLLED, "store_id": f.STORE})
        return server(request)

    sync = TillSync(
        store,
        tmp_path,
        clock=lambda: NOW,
        client_factory=lambda url, cred: SyncClient(
            url, cred, transport=httpx.MockTransport(handler)
        ),
        keyring_backend=keyring.backends.fail.Keyring(),
    )
    try:
        sync.enrol("http://sync.test", "ABCD-1234")
        assert not sync.needs_enrolment()
        assert store.find_by_barcode("8901234000012") is not None  # sells at once
        assert sync.wait_for_search(30)
        assert [i.name for i in store.search("goodday")] == ["goodday biscuits"]
        # the snapshot's commit skipped the WAL checkpoint; the build turned it back on
        pages = store.write(lambda c: c.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        assert pages == 1000
    finally:
        sync.close()
