"""The sync worker pushes in seq order, keeps what was not acknowledged, backs off, stops on
revocation, and never holds up the till's own writes."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from desktop.services.ports import AuditDraft
from desktop.store.sqlite_store import SqliteStore
from desktop.sync.client import SyncClient
from desktop.sync.errors import SyncRefused, SyncUnavailable, TerminalRevoked
from desktop.sync.ledger import Ledger
from desktop.sync.worker import SyncWorker, backoff_delay
from shared.protocol import PROTOCOL_VERSION, EventAck, PullPage, PushAck, PushBatch, encode
from tests.desktop.sync import factory as f

NOW = datetime(2026, 5, 9, 5, 0, tzinfo=UTC)


class FakeServer:
    """An in-memory sync server for the worker's unit tests (the transport port's fake)."""

    def __init__(self) -> None:
        self.batches: list[PushBatch] = []
        self.booked: dict[object, int] = {}
        self.reject: set[int] = set()  # seqs to reject
        self.forget: set[int] = set()  # seqs to leave out of the ack (a confused server)
        self.failures: list[Exception] = []  # raised by the next calls, in order
        self.pages: list[PullPage] = [f.page([], "c0")]
        self.pulls: list[str | None] = []
        self.gate: threading.Event | None = None

    def push(self, batch: PushBatch) -> PushAck:
        if self.gate is not None:
            self.gate.wait(5)
        if self.failures:
            raise self.failures.pop(0)
        self.batches.append(batch)
        acks = []
        for event in batch.events:
            if event.seq in self.forget:
                continue
            if event.seq in self.reject:
                acks.append(EventAck(event_id=event.event_id, status="rejected", reason="bad"))
                continue
            status = "duplicate" if event.event_id in self.booked else "applied"
            self.booked.setdefault(event.event_id, event.seq)
            acks.append(EventAck(event_id=event.event_id, status=status))  # type: ignore[arg-type]
        return PushAck(protocol_version=PROTOCOL_VERSION, acks=tuple(acks), server_time=NOW)

    def pull(self, cursor: str | None, limit: int) -> tuple[PullPage, int]:
        if self.failures:
            raise self.failures.pop(0)
        self.pulls.append(cursor)
        return (self.pages.pop(0) if len(self.pages) > 1 else self.pages[0]), 100


def make_events(store: SqliteStore, count: int) -> None:
    for n in range(count):
        store.record_audit(AuditDraft("drawer_opened", None, NOW, {"n": str(n)}))


def worker(ledger: Ledger, server: FakeServer, **options: object) -> SyncWorker:
    return SyncWorker(
        ledger, server, store_id=f.STORE, clock=lambda: NOW, rng=lambda: 0.5, **options
    )  # type: ignore[arg-type]


def test_the_outbox_drains_in_seq_order_in_batches(store: SqliteStore, enrolled: Ledger) -> None:
    make_events(store, 12)
    server = FakeServer()
    cycle = worker(enrolled, server, batch_size=5).run_once()
    assert cycle.error is None
    assert cycle.pushed == 12
    assert cycle.batches == 3
    seqs = [e.seq for b in server.batches for e in b.events]
    assert seqs == sorted(seqs)
    assert len(seqs) == 12
    assert [len(b.events) for b in server.batches] == [5, 5, 2]
    assert server.batches[0].status.queue_depth == 12
    assert store.outbox_stats().pending == 0
    assert set(enrolled.acks().values()) == {"applied"}


def test_a_rejected_event_leaves_the_queue_but_stays_visible_with_its_reason(
    store: SqliteStore, enrolled: Ledger
) -> None:
    make_events(store, 3)
    server = FakeServer()
    server.reject = {2}
    cycle = worker(enrolled, server).run_once()
    assert cycle.pushed == 3
    assert cycle.rejected == 1
    [rejected] = enrolled.rejected()
    assert rejected.seq == 2
    assert rejected.reason == "bad"
    assert rejected.kind == "audit_recorded"
    assert worker(enrolled, server).status().rejected == 1


def test_an_event_the_answer_left_out_is_sent_again(store: SqliteStore, enrolled: Ledger) -> None:
    make_events(store, 3)
    server = FakeServer()
    server.forget = {3}
    sync = worker(enrolled, server)
    first = sync.run_once()
    assert first.pushed == 2
    assert store.outbox_stats().pending == 1
    assert isinstance(first.error, SyncUnavailable)  # the last batch got no ack of ours
    server.forget = set()
    assert sync.run_once().pushed == 1
    assert store.outbox_stats().pending == 0


def test_a_lost_answer_costs_a_duplicate_never_a_loss(store: SqliteStore, enrolled: Ledger) -> None:
    make_events(store, 4)
    server = FakeServer()
    sync = worker(enrolled, server)
    # the server books the batch, then the answer is lost on the way back
    real_push = server.push

    def lose_answer(batch: PushBatch) -> PushAck:
        real_push(batch)
        raise SyncUnavailable("connection reset")

    server.push = lose_answer  # type: ignore[method-assign]
    assert isinstance(sync.run_once().error, SyncUnavailable)
    assert store.outbox_stats().pending == 4
    server.push = real_push  # type: ignore[method-assign]
    assert sync.run_once().pushed == 4
    assert set(enrolled.acks().values()) == {"duplicate"}
    assert len(server.booked) == 4


def test_pulling_follows_has_more_and_stores_each_cursor(
    store: SqliteStore, enrolled: Ledger
) -> None:
    server = FakeServer()
    server.pages = [
        f.page([f.product("marie")], "c1", more=True),
        f.page([f.price("marie", 3000)], "c2"),
    ]
    seen: list[int] = []
    sync = worker(enrolled, server, on_applied=lambda applied: seen.append(applied.changes))
    assert sync.run_once().pages == 2
    assert server.pulls == [None, "c1"]
    assert enrolled.cursor() == "c2"
    assert seen == [1, 1]
    assert store.find_by_code("MARIE") is not None


def test_failures_back_off_with_jitter_and_honour_retry_after(
    store: SqliteStore, enrolled: Ledger
) -> None:
    make_events(store, 1)
    server = FakeServer()
    server.failures = [
        SyncUnavailable("down"),
        SyncUnavailable("down"),
        SyncUnavailable("busy", retry_after=120),
    ]
    sync = worker(enrolled, server)
    waits = []
    for _ in range(3):
        cycle = sync.run_once()
        assert cycle.error is not None
        status = sync.status()
        assert status.state == "offline"
        assert status.pending == 1
        waits.append(status.next_try_in)
    assert waits == [0.5, 1.0, 120]
    assert sync.run_once().error is None
    assert sync.status().state == "online"


def test_backoff_is_capped_and_spread() -> None:
    assert backoff_delay(1, lambda: 0.999) < 1.0
    assert backoff_delay(20, lambda: 0.5) == 150.0
    assert backoff_delay(3, lambda: 0.0) == 0.0
    assert backoff_delay(3, lambda: 0.0, retry_after=7) == 7


def test_a_refusal_waits_long_and_keeps_the_events(store: SqliteStore, enrolled: Ledger) -> None:
    make_events(store, 1)
    server = FakeServer()
    server.failures = [SyncRefused("suspended", status=403)]
    sync = worker(enrolled, server)
    sync.run_once()
    assert sync.status().next_try_in == 300
    assert store.outbox_stats().pending == 1


def test_revocation_stops_syncing_keeps_the_data_and_says_why(
    store: SqliteStore, enrolled: Ledger
) -> None:
    make_events(store, 2)
    server = FakeServer()
    server.failures = [TerminalRevoked("This till was revoked.")]
    sync = worker(enrolled, server, idle_seconds=0.01)
    sync.start()
    deadline = time.monotonic() + 5
    while sync.status().state != "revoked" and time.monotonic() < deadline:
        time.sleep(0.01)
    sync.stop()
    status = sync.status()
    assert status.state == "revoked"
    assert "revoked" in status.message
    assert store.outbox_stats().pending == 2
    record = enrolled.enrolment()
    assert record is not None
    assert record.revoked_at
    # a restarted till does not try again
    again = worker(enrolled, FakeServer())
    again.start()
    assert again.status().state == "revoked"
    again.stop()


def test_selling_is_never_held_up_by_a_push_in_flight(store: SqliteStore, enrolled: Ledger) -> None:
    make_events(store, 3)
    server = FakeServer()
    server.gate = threading.Event()  # the server "hangs" until released
    sync = worker(enrolled, server, idle_seconds=30)
    sync.start()
    try:
        time.sleep(0.05)
        started = time.monotonic()
        make_events(store, 5)  # the till keeps committing while the push waits
        assert time.monotonic() - started < 2
        assert store.outbox_stats().pending == 8
    finally:
        server.gate.set()
        sync.stop()
    sync.run_once()
    assert store.outbox_stats().pending == 0


@pytest.mark.parametrize("size", [0, 501])
def test_a_batch_size_outside_the_protocol_is_refused(enrolled: Ledger, size: int) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        worker(enrolled, FakeServer(), batch_size=size)


def test_status_reports_the_age_of_the_oldest_unsent_event(
    store: SqliteStore, enrolled: Ledger
) -> None:
    store.record_audit(AuditDraft("drawer_opened", None, NOW - timedelta(hours=3), {}))
    status = worker(enrolled, FakeServer()).status()
    assert status.pending == 1
    assert status.oldest_pending == NOW - timedelta(hours=3)


def test_batches_stay_under_the_byte_limit_and_shrink_on_413(
    store: SqliteStore, enrolled: Ledger
) -> None:
    make_events(store, 20)
    server = FakeServer()
    sizes = [len(encode(e)) for e in enrolled.outgoing(20).events]
    sync = worker(enrolled, server, max_batch_bytes=max(sizes) * 5)
    assert sync.run_once().pushed == 20
    assert max(len(b.events) for b in server.batches) == 5
    make_events(store, 8)
    server = FakeServer()
    server.failures = [SyncRefused("too large", status=413)]
    sync = worker(enrolled, server)
    cycle = sync.run_once()
    assert cycle.error is None
    assert cycle.pushed == 8
    assert len(server.batches) >= 2


def test_a_first_pull_cut_mid_way_keeps_its_pages_and_cursor_and_finishes_on_resume(
    store: SqliteStore, enrolled: Ledger
) -> None:
    class CutServer(FakeServer):
        cut = True

        def pull(self, cursor: str | None, limit: int) -> tuple[PullPage, int]:
            if cursor == "c2" and self.cut:
                self.cut = False
                raise SyncUnavailable("cable pulled")
            return super().pull(cursor, limit)

    server = CutServer()
    server.pages = [
        f.page([f.product("marie")], "c1", more=True),
        f.page([f.price("marie", 3000), f.barcode("marie", "8901234567897")], "c2", more=True),
        f.page([f.product("oreo"), f.price("oreo", 2000)], "c3"),
    ]
    cycle = worker(enrolled, server).run_once()
    assert isinstance(cycle.error, SyncUnavailable)
    assert enrolled.cursor() == "c2"
    # a first pull builds the sale tables at its end: the pages wait in the mirror, durably
    assert enrolled.catalog_pending()
    assert not enrolled.catalog_ready()
    assert store.find_by_code("MARIE") is None
    # the worker's re-pricing must not project a half-pulled catalog either
    assert enrolled.reprice(store_id=f.STORE, now=NOW) == 0
    assert store.find_by_code("MARIE") is None

    # a restarted till (a new worker over the same database) resumes from the stored cursor
    cycle = worker(enrolled, server).run_once()
    assert cycle.error is None
    assert server.pulls[-1] == "c2"
    assert enrolled.cursor() == "c3"
    assert enrolled.catalog_ready()
    assert not enrolled.catalog_pending()
    marie = store.find_by_code("MARIE")
    assert marie is not None
    assert marie.unit_price.paise == 3000
    assert store.find_by_barcode("8901234567897") == marie
    oreo = store.find_by_code("OREO")
    assert oreo is not None
    assert oreo.unit_price.paise == 2000
    assert [found.code for found in store.search("oreo")] == ["OREO"]


def test_a_refused_push_still_lets_catalog_changes_in(store: SqliteStore, enrolled: Ledger) -> None:
    make_events(store, 1)
    server = FakeServer()
    server.failures = [SyncRefused("bad envelope", status=400)]
    server.pages = [f.page([f.product("marie"), f.price("marie", 100)], "c1")]
    cycle = worker(enrolled, server).run_once()
    assert isinstance(cycle.error, SyncRefused)
    assert cycle.pages == 1
    assert store.find_by_code("MARIE") is not None
    assert store.outbox_stats().pending == 1


def test_the_http_client_fetches_ahead_while_pages_decode_and_a_bad_page_stops_in_order(
    store: SqliteStore, enrolled: Ledger
) -> None:
    pages = {
        None: f.page([f.product("marie"), f.price("marie", 3000)], "c1", more=True),
        "c1": f.page([f.product("oreo"), f.price("oreo", 2000)], "c2", more=True),
        "c2": f.page([f.product("jimjam"), f.price("jimjam", 4000)], "c3", more=True),
        "c3": f.page([f.product("bourbon"), f.price("bourbon", 1000)], "c4"),
    }
    bodies = {cursor: encode(page) for cursor, page in pages.items()}
    # the third page breaks the protocol (version 0) but reads fine for its cursor
    good_c2 = bodies["c2"]
    bodies["c2"] = good_c2.replace(b'"version":1', b'"version":0', 1)
    asked: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/snapshot"):  # this test pages through the feed
            return httpx.Response(404, json={"detail": "no snapshots here"})
        cursor = request.url.params.get("cursor")
        asked.append(cursor)
        return httpx.Response(200, content=bodies[cursor])

    client = SyncClient("http://sync.test", "gtc.x", transport=httpx.MockTransport(handler))
    cycle = worker(enrolled, client).run_once()  # type: ignore[arg-type]
    assert isinstance(cycle.error, SyncUnavailable)
    assert "version" in str(cycle.error)
    assert enrolled.cursor() == "c2"  # the pages before the bad one, each with its cursor
    assert enrolled.catalog_pending()
    assert "c3" in asked or asked[-1] == "c2"  # the next page may have been asked for ahead

    bodies["c2"] = good_c2
    asked.clear()
    cycle = worker(enrolled, client).run_once()  # type: ignore[arg-type]
    assert cycle.error is None
    assert asked == ["c2", "c3"]
    assert enrolled.cursor() == "c4"
    assert enrolled.catalog_ready()
    codes = {"MARIE": 3000, "OREO": 2000, "JIMJAM": 4000, "BOURBON": 1000}
    for code, paise in codes.items():
        item = store.find_by_code(code)
        assert item is not None
        assert item.unit_price.paise == paise
