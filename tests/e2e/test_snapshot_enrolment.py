"""A fresh till's first pull by snapshot, against the real server process and PostgreSQL:
the same till as paging through the feed, ready at once, then in step by ordinary pulls."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desktop.sync.errors import SyncRefused, SyncUnavailable
from tests.e2e.fault_proxy import FaultProxy
from tests.e2e.harness import Admin, LiveServer, TillHandle

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TABLES = (
    "items",
    "barcodes",
    "tax_rates",
    "sync_products",
    "sync_barcodes",
    "sync_prices",
    "sync_price_boundaries",
    "sync_gst_rates",
    "sync_users",
    "sync_store_settings",
)


def contents(handle: TillHandle) -> dict[str, Any]:
    path = handle.till.store.path
    conn = sqlite3.connect(path)
    try:
        found = {t: sorted(conn.execute(f"SELECT * FROM {t}")) for t in TABLES}
        found["users"] = sorted(
            conn.execute("SELECT user_id, name, role, pin_hash, active FROM users")
        )
        found["search"] = sorted(
            conn.execute("SELECT item_id, name, code, barcodes FROM items_fts")
        )
        return found
    finally:
        conn.close()


def paging_only(handle: TillHandle) -> None:
    """Make this till's client answer the snapshot route as an old server would (404)."""
    make = handle.till.sync._client_factory

    def factory(url: str, credential: str | None) -> Any:
        client = make(url, credential)

        def no_snapshot(**_: Any) -> Any:
            raise SyncRefused("no snapshot here", status=404)
            yield  # pragma: no cover - a generator

        client.fetch_snapshot = no_snapshot
        return client

    handle.till.sync._client_factory = factory


def test_a_snapshot_till_equals_a_paged_till_and_then_follows_price_changes(
    admin: Admin, live_server: LiveServer, proxy: FaultProxy, tmp_path: Path
) -> None:
    admin.company()
    store = admin.store("BLR1")
    admin.staff("Asha", "1111", "cashier", store)
    admin.rates({"1905": "18", "0401": "5", "3401": "18"})
    products = admin.catalog(60, [store])
    snap, paged = TillHandle(tmp_path / "snap"), TillHandle(tmp_path / "paged", page_size=7)
    try:
        paging_only(paged)
        snap.till.sync.enrol(proxy.url, admin.enrolment_code(store))
        paged.till.sync.enrol(live_server.url, admin.enrolment_code(store))
        # ready to sell before its search index exists: a barcode scans at once
        assert snap.till.store.find_by_barcode(products[5].barcode) is not None
        assert snap.till.sync.wait_for_search(60)
        assert paged.till.sync.search_ready()
        assert contents(snap) == contents(paged)
        # a price change after enrolment arrives by the ordinary pull, on both
        now = datetime.now(UTC)
        admin.change_price(products[5], 9999, now - timedelta(seconds=1))
        for handle in (snap, paged):
            assert handle.cycle().error is None
            item = handle.till.store.find_by_barcode(products[5].barcode)
            assert item is not None
            assert item.unit_price.paise == 9999
        assert contents(snap) == contents(paged)
        snap.reopen()
        asha = snap.login("Asha", "1111")
        snap.open_shift(asha)
        doc = snap.sell(asha, [(products[5].barcode, 1)])
        assert doc.lines[0].unit_price.paise == 9999  # the new price (the total rounds)
        assert [i.code for i in snap.till.store.search(products[5].sku)] == [products[5].sku]
    finally:
        snap.close()
        paged.close()


def test_a_snapshot_cut_by_the_network_leaves_nothing_and_the_retry_completes(
    admin: Admin, proxy: FaultProxy, tmp_path: Path
) -> None:
    admin.company()
    store = admin.store("BLR1")
    admin.staff("Asha", "1111", "cashier", store)
    products = admin.catalog(400, [store])
    handle = TillHandle(tmp_path / "till")
    try:
        proxy.plan("/api/v1/sync/snapshot", ["cut_response"])  # half the body, then hang up
        with pytest.raises(SyncUnavailable, match="cut"):
            handle.till.sync.enrol(proxy.url, admin.enrolment_code(store))
        conn = sqlite3.connect(handle.till.store.path)
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM sync_products").fetchone() == (0,)
        assert conn.execute("SELECT pull_cursor FROM sync_state").fetchone() == (None,)
        conn.close()
        handle.till.sync.finish_first_pull()
        assert handle.till.store.find_by_barcode(products[399].barcode) is not None
        assert not handle.till.sync.needs_enrolment()
    finally:
        handle.close()
