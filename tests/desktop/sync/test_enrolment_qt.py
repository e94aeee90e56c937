"""The enrolment screen and the sync part of the status bar, driven as a person would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import keyring.backends.fail
import pytest
from pytestqt.qtbot import QtBot

from desktop.bootstrap import Till
from desktop.services.auth import Argon2PinHasher
from desktop.store.sqlite_store import SqliteStore
from desktop.sync.client import SyncClient
from desktop.sync.service import TillSync
from desktop.sync.worker import SyncStatus
from desktop.ui.enrolment import EnrolmentDialog, ensure_enrolled, sync_status_text
from desktop.ui.main_window import MainWindow
from desktop.ui.qt import Qt
from shared.protocol import encode
from tests.desktop.sync import factory as f

pytestmark = pytest.mark.qt

HASHER = Argon2PinHasher(time_cost=1, memory_cost=8, parallelism=1)
NOW = datetime(2026, 5, 9, 5, 0, tzinfo=UTC)
ENROLLED = {
    "terminal_id": "0190aaaa-0000-7000-8000-00000000000a",
    "company_id": "0190aaaa-0000-7000-8000-0000000000c0",
    "store_id": f.STORE,
    "terminal_code": "T03",
    "credential": "gtc.c.t.secret",
}


def server(pages: list[bytes], enrol: httpx.Response | None = None) -> Callable[..., SyncClient]:
    """A client factory whose transport answers like the sync server would."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/terminals/enrol":
            return enrol or httpx.Response(201, json=ENROLLED)
        assert request.headers["authorization"] == "Bearer gtc.c.t.secret"
        if request.url.path.endswith("/snapshot"):  # these tests page through the feed
            return httpx.Response(404, json={"detail": "no snapshots here"})
        if not pages:
            raise httpx.ConnectError("cable pulled", request=request)
        return httpx.Response(200, content=pages.pop(0))

    def factory(base_url: str, credential: str | None) -> SyncClient:
        return SyncClient(base_url, credential, transport=httpx.MockTransport(handler))

    return factory


def catalog_pages() -> list[bytes]:
    return [
        encode(f.page([f.product("marie"), f.price("marie", 3000)], "c1", more=True)),
        encode(f.page([f.user("asha", HASHER.hash("1234")), f.store_settings()], "c2")),
    ]


@pytest.fixture
def fresh(tmp_path: Path, store: SqliteStore) -> Iterator[Callable[..., TillSync]]:
    made: list[TillSync] = []

    def make(factory: Callable[..., SyncClient]) -> TillSync:
        sync = TillSync(
            store,
            tmp_path,
            clock=lambda: NOW,
            client_factory=factory,
            keyring_backend=keyring.backends.fail.Keyring(),
        )
        made.append(sync)
        return sync

    yield make
    for sync in made:
        sync.close()


def fill(qtbot: QtBot, dialog: EnrolmentDialog, url: str, code: str) -> None:
    dialog.url.clear()
    qtbot.keyClicks(dialog.url, url)
    qtbot.keyClicks(dialog.code, code)
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)


def test_enrolling_downloads_the_catalog_with_progress(
    qtbot: QtBot, fresh: Callable[..., TillSync], store: SqliteStore, tmp_path: Path
) -> None:
    sync = fresh(server(catalog_pages()))
    dialog = EnrolmentDialog(sync)
    qtbot.addWidget(dialog)
    dialog.show()
    seen: list[tuple[int, int, bool]] = []
    dialog.progressed.connect(lambda *p: seen.append(p))
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        fill(qtbot, dialog, "http://sync.test", "ABCD-EFGH")
    assert [s[0] for s in seen] == [2, 4]
    assert seen[-1][2]
    assert dialog.progress.value() == dialog.progress.maximum() == 1
    assert dialog.progress.format() == "Ready to sell"
    record = sync.enrolment()
    assert record is not None
    assert record.invoice_terminal_code == "03"
    assert record.credential_backend == "file"
    assert (tmp_path / f"credential-{ENROLLED['terminal_id']}").stat().st_mode & 0o077 == 0
    assert store.find_by_code("MARIE") is not None
    assert [u.user.name for u in store.user_records()] == ["asha"]


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            httpx.Response(
                400, json={"detail": "code is unknown", "field": "code", "reason": "unknown"}
            ),
            "not right",
        ),
        (
            httpx.Response(
                400, json={"detail": "code is expired", "field": "code", "reason": "expired"}
            ),
            "expired",
        ),
        (
            httpx.Response(409, json={"detail": "the plan allows 2 active terminals"}),
            "plan allows 2",
        ),
    ],
)
def test_a_refused_code_is_explained_and_can_be_typed_again(
    qtbot: QtBot, fresh: Callable[..., TillSync], answer: httpx.Response, words: str
) -> None:
    sync = fresh(server([], enrol=answer))
    dialog = EnrolmentDialog(sync)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.failed, timeout=10_000):
        fill(qtbot, dialog, "http://sync.test", "WRNG-CODE")
    qtbot.waitUntil(lambda: words in dialog.message.text())
    assert dialog.button.isEnabled()
    assert dialog.code.isEnabled()
    assert sync.enrolment() is None


def test_an_unreachable_server_says_so_and_nothing_is_stored(
    qtbot: QtBot, fresh: Callable[..., TillSync]
) -> None:
    def refuse(base_url: str, credential: str | None) -> SyncClient:
        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        return SyncClient(base_url, credential, transport=httpx.MockTransport(handler))

    sync = fresh(refuse)
    dialog = EnrolmentDialog(sync)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.failed, timeout=10_000):
        fill(qtbot, dialog, "http://sync.test", "ABCD-EFGH")
    qtbot.waitUntil(lambda: "cannot be reached" in dialog.message.text())
    assert sync.enrolment() is None


def test_a_bad_address_is_refused_before_any_request(
    qtbot: QtBot, fresh: Callable[..., TillSync]
) -> None:
    dialog = EnrolmentDialog(fresh(server([])))
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.failed, timeout=10_000):
        fill(qtbot, dialog, "sync.test", "ABCD-EFGH")
    qtbot.waitUntil(lambda: "https://" in dialog.message.text())


def test_a_cut_first_download_resumes_where_it_stopped(
    qtbot: QtBot, fresh: Callable[..., TillSync], store: SqliteStore
) -> None:
    pages = catalog_pages()
    first = [pages[0]]  # the second page never arrives: the cable is pulled
    sync = fresh(server(first))
    dialog = EnrolmentDialog(sync)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.failed, timeout=10_000):
        fill(qtbot, dialog, "http://sync.test", "ABCD-EFGH")
    qtbot.waitUntil(lambda: dialog.button.text() == "Resume the download")
    assert sync.needs_enrolment()
    assert sync.ledger.cursor() == "c1"
    sync.close()

    again = fresh(server([pages[1]]))
    resumed = EnrolmentDialog(again)
    qtbot.addWidget(resumed)
    resumed.show()
    assert not resumed.code.isEnabled()
    with qtbot.waitSignal(resumed.accepted, timeout=10_000):
        qtbot.mouseClick(resumed.button, Qt.MouseButton.LeftButton)
    assert not again.needs_enrolment()
    assert [u.user.name for u in store.user_records()] == ["asha"]


def test_closing_the_screen_leaves_the_till_unenrolled(qtbot: QtBot, till: Till) -> None:
    from desktop.ui.qt import QApplication, QTimer

    def close_it() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, EnrolmentDialog):
                widget.reject()

    QTimer.singleShot(200, close_it)
    assert ensure_enrolled(till, lambda: pytest.fail("no rebuild without enrolment")) is None


def test_an_enrolled_till_skips_the_screen(till: Till, tmp_path: Path) -> None:
    assert till.sync is not None
    till.sync.ledger.record_enrolment(_record(tmp_path))
    till.sync.ledger.apply(f.page([], "c0"), store_id=f.STORE, now=NOW)
    assert ensure_enrolled(till, lambda: pytest.fail("already enrolled")) is till


def _record(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.desktop.sync.conftest import enrolment_record

    path = tmp_path / "credential-x"
    path.write_text("gtc.c.t.secret")
    return enrolment_record(url="http://127.0.0.1:9", ref=str(path))


def test_the_status_bar_shows_online_offline_queue_and_age() -> None:
    now = NOW
    online = SyncStatus(state="online", pending=0)
    assert sync_status_text(online, now) == "Online · 0 waiting"
    offline = SyncStatus(
        state="offline",
        pending=42,
        oldest_pending=now - timedelta(hours=3),
        next_try_in=30.5,
        rejected=2,
    )
    assert sync_status_text(offline, now) == (
        "Offline, retry in 30 s · 42 waiting, oldest 3 h · 2 rejected by the server"
    )
    revoked = SyncStatus(state="revoked", pending=1, oldest_pending=now - timedelta(minutes=5))
    assert sync_status_text(revoked, now).startswith("Sync stopped: the server revoked")
    assert "1 waiting, oldest 5 min" in sync_status_text(revoked, now)


def test_the_window_reports_an_unreachable_server_as_offline(
    qtbot: QtBot, till: Till, tmp_path: Path
) -> None:
    assert till.sync is not None
    till.sync.ledger.record_enrolment(_record(tmp_path))
    window = MainWindow(till, idle_check_ms=50)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "Offline" in window.status.text(), timeout=10_000)
    assert "waiting" in window.status.text()
    assert "Cannot reach" in window.status.toolTip()
