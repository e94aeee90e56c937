"""Issue 7's "done when": real tills, a real server process, real PostgreSQL, a bad network.

The size of the offline day is ``GALLA_E2E_SALES`` sales per till (default 200).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.sync.errors import SyncUnavailable
from tests.e2e.fault_proxy import FAULT_KINDS, Fault, FaultProxy
from tests.e2e.harness import Admin, TillHandle
from tests.e2e.scenarios import OFFLINE_SALES, Day, assert_books_match, enrolled_till, open_shop

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CHAOS = [
    Fault(kind, seconds=0.05, status=503, retry_after=1)
    for kind in FAULT_KINDS
    if kind not in ("delay", "delay_response")
] + [Fault("delay", seconds=0.05), Fault("delay_response", seconds=0.05)]


def drain_all(handles: list[TillHandle], rounds: int = 400) -> None:
    """Sync every till, interleaved, until each has nothing left to send."""
    pending = list(handles)
    for _ in range(rounds):
        if not pending:
            return
        for handle in list(pending):
            cycle = handle.cycle()
            if cycle.error is None and handle.till.store.outbox_stats().pending == 0:
                pending.remove(handle)
    raise AssertionError("the tills did not drain through the faulty network")


def test_three_tills_trade_offline_for_a_day_and_the_books_match_exactly(
    admin: Admin, proxy: FaultProxy, tmp_path: Path
) -> None:
    shop = open_shop(admin)
    handles = [
        ("S1", enrolled_till(shop, "S1", proxy.url, tmp_path / "a", batch_size=50)),
        ("S1", enrolled_till(shop, "S1", proxy.url, tmp_path / "b", batch_size=50)),
        ("S2", enrolled_till(shop, "S2", proxy.url, tmp_path / "c", batch_size=50)),
    ]
    try:
        days = [Day(h, store, random.Random(n), shop) for n, (store, h) in enumerate(handles)]
        for day in days:  # online: sales go straight up
            day.start_shift()
            day.trade(5)
        drain_all([h for _, h in handles])
        assert admin.sql("SELECT count(*) AS n FROM sales")[0]["n"] == 15

        proxy.offline = True  # the store's internet goes down for the day
        for n, day in enumerate(days):
            day.trade(OFFLINE_SALES, scarce_units=4 if n < 2 else 0)
            day.end_shift()
        cycle = handles[0][1].cycle()
        assert isinstance(cycle.error, SyncUnavailable)
        status = handles[0][1].sync.status()
        assert status.state == "offline"
        assert status.pending > OFFLINE_SALES

        proxy.offline = False  # back, but through a very bad network: every fault once, on
        proxy.plan("/api/v1/sync/push", CHAOS)  # pushes, then a third of all requests hit
        proxy.chaos(0.35, seed=7, faults=CHAOS, path_prefix="/api/v1/sync")
        drain_all([h for _, h in handles])
        proxy.calm()
        for _, handle in handles:  # delivers any request the proxy still held back
            assert handle.cycle().error is None
        assert set(proxy.applied) == set(FAULT_KINDS), proxy.applied

        assert_books_match(admin, handles, shop)
        exceptions = admin.sql("SELECT kind, status, entity_id, store_id FROM sync_exceptions")
        oversells = [e for e in exceptions if e["kind"] == "oversell"]
        assert [(e["entity_id"], e["store_id"]) for e in oversells] == [
            (shop.scarce.id, shop.stores["S1"])
        ]
        open_gaps = [e for e in exceptions if e["kind"] == "seq_gap" and e["status"] == "open"]
        assert open_gaps == []
        assert admin.sql("SELECT count(*) AS n FROM quarantined_events")[0]["n"] == 0
        for _, handle in handles:
            assert handle.sync.ledger.rejected() == []
    finally:
        for _, handle in handles:
            handle.close()


CHILD = Path(__file__).with_name("till_child.py")


def test_a_till_killed_mid_push_and_restarted_books_everything_once(
    admin: Admin, proxy: FaultProxy, tmp_path: Path
) -> None:
    shop = open_shop(admin)
    handle = enrolled_till(shop, "S1", proxy.url, tmp_path / "till", batch_size=40)
    try:
        day = Day(handle, "S1", random.Random(3), shop)
        day.start_shift()
        proxy.offline = True
        day.trade(OFFLINE_SALES, scarce_units=7)
        expected_events = handle.till.store.outbox_stats().pending
    finally:
        handle.close()

    # every push is booked by the server at once but answered only after a while, so the
    # kill lands while the till waits for an answer the server already committed
    proxy.offline = False
    proxy.plan("/api/v1/sync/push", [Fault("delay_response", seconds=0.6)] * 1000)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    log = tmp_path / "child.log"
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(tmp_path / "till"), "40"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            booked = admin.sql("SELECT count(*) AS n FROM sales")[0]["n"]
            if booked >= 60:
                break
            assert child.poll() is None, log.read_text()
            time.sleep(0.05)
        time.sleep(0.2)  # inside the next answer's delay
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert 0 < booked < OFFLINE_SALES

    proxy.calm()
    restarted = TillHandle(tmp_path / "till", batch_size=40)
    try:
        pending = restarted.till.store.outbox_stats().pending
        assert 0 < pending < expected_events  # some acks were stored before the kill
        restarted.drain()
        acks = restarted.sync.ledger.acks()
        assert "duplicate" in acks.values()  # the batch in flight was sent again, booked once
        assert_books_match(admin, [("S1", restarted)], shop)
        oversell = admin.sql("SELECT entity_id FROM sync_exceptions WHERE kind = 'oversell'")
        assert [r["entity_id"] for r in oversell] == [shop.scarce.id]
    finally:
        restarted.close()


def test_an_offline_till_sells_at_old_prices_which_are_flagged_then_sells_at_new_ones(
    admin: Admin, proxy: FaultProxy, tmp_path: Path
) -> None:
    shop = open_shop(admin)
    handle = enrolled_till(shop, "S1", proxy.url, tmp_path / "till")
    try:
        day = Day(handle, "S1", random.Random(5), shop)
        day.start_shift()
        product = shop.products[0]
        proxy.offline = True
        raised = admin.change_price(product, product.price_paise + 500, datetime.now(UTC))
        old_sale = handle.sell(day.cashier, [(product.barcode, 1)])
        assert old_sale.lines[0].unit_price.paise == product.price_paise

        proxy.offline = False
        handle.drain()  # pushes the old-price sale first, then pulls the new price
        assert handle.till.store.find_by_barcode(product.barcode).unit_price.paise == (
            raised.price_paise
        )
        new_sale = handle.sell(day.cashier, [(product.barcode, 1)])
        assert new_sale.lines[0].unit_price.paise == raised.price_paise
        handle.drain()

        flags = {
            r["invoice_number"]: list(r["flags"])
            for r in admin.sql("SELECT invoice_number, flags FROM sales")
        }
        assert "superseded_price" in flags[old_sale.number]
        assert "superseded_price" not in flags[new_sale.number]
        [finding] = admin.sql(
            "SELECT entity_id FROM sync_exceptions WHERE kind = 'superseded_price'"
        )
        assert finding["entity_id"] == uuid.UUID(old_sale.sale_id)
        cited = admin.sql(
            "SELECT s.invoice_number, l.price_id FROM sale_lines l"
            " JOIN sales s ON s.company_id = l.company_id AND s.id = l.sale_id"
        )
        by_number = {r["invoice_number"]: r["price_id"] for r in cited}
        assert by_number[old_sale.number] == product.price_id
        assert by_number[new_sale.number] == raised.price_id
    finally:
        handle.close()


def test_a_revoked_till_stops_syncing_keeps_selling_and_says_so(
    admin: Admin, proxy: FaultProxy, tmp_path: Path
) -> None:
    shop = open_shop(admin)
    handle = enrolled_till(shop, "S1", proxy.url, tmp_path / "till")
    try:
        day = Day(handle, "S1", random.Random(9), shop)
        day.start_shift()
        day.sale()
        handle.drain()
        admin.revoke(uuid.UUID(handle.till.settings.terminal_id))
        kept = day.sale()
        cycle = handle.cycle()
        assert cycle.error is not None
        status = handle.sync.status()
        assert status.state == "revoked"
        assert "enrol" in status.message
        assert handle.till.store.outbox_stats().pending > 0  # nothing thrown away
        day.sale()  # the till still sells
        assert handle.till.store.document_by_number(kept.number) is not None
        restarted = handle.reopen()
        assert restarted.sync.status().state == "revoked"
    finally:
        handle.close()
