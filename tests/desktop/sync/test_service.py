"""Enrolment bookkeeping, the enrolled identity, and sale lines citing their price record."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from desktop.bootstrap import Till
from desktop.errors import SettingsError
from desktop.settings import load_settings
from desktop.store.sqlite_store import SqliteStore
from desktop.sync.client import SyncClient
from desktop.sync.errors import EnrolmentFailed, NotEnrolled
from desktop.sync.ledger import Ledger
from desktop.sync.pricing import cite_prices
from desktop.sync.service import (
    TillSync,
    apply_identity,
    invoice_terminal_code,
    read_identity,
)
from shared.protocol import Payment, SaleCompleted, SaleLine
from tests.desktop.sync import factory as f
from tests.desktop.sync.test_credentials import MemoryKeyring

NOW = datetime(2026, 5, 9, 5, 0, tzinfo=UTC)
ENROLLED = {
    "terminal_id": "0190aaaa-0000-7000-8000-00000000000a",
    "company_id": "0190aaaa-0000-7000-8000-0000000000c0",
    "store_id": f.STORE,
    "terminal_code": "T07",
    "credential": "gtc.c.t.secret",
}


def factory(pages: list[bytes]):  # type: ignore[no-untyped-def]
    from shared.protocol import encode

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/enrol"):
            return httpx.Response(201, json=ENROLLED)
        if request.url.path.endswith("/snapshot"):  # these tests page through the feed
            return httpx.Response(404, json={"detail": "no snapshots here"})
        return httpx.Response(200, content=pages.pop(0) if pages else encode(f.page([], "z")))

    return lambda url, cred: SyncClient(url, cred, transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("server", "invoice"), [("T01", "01"), ("T07", "07"), ("T123", "23"), ("AB", "AB")]
)
def test_server_terminal_codes_become_two_characters(server: str, invoice: str) -> None:
    assert invoice_terminal_code(server) == invoice


def test_a_code_without_two_usable_characters_is_refused() -> None:
    with pytest.raises(EnrolmentFailed):
        invoice_terminal_code("-")


def test_the_credential_goes_to_a_working_keyring_and_the_database_holds_no_secret(
    store: SqliteStore, tmp_path: Path
) -> None:
    ring = MemoryKeyring()
    sync = TillSync(
        store, tmp_path, clock=lambda: NOW, client_factory=factory([]), keyring_backend=ring
    )
    try:
        record = sync.enrol("http://sync.test/", "ABCD-EFGH")
        assert record.credential_backend == "keyring"
        assert record.server_url == "http://sync.test"
        assert sync.credential() == "gtc.c.t.secret"
        assert ring.secrets == {("galla-till", ENROLLED["terminal_id"]): "gtc.c.t.secret"}
        raw = (tmp_path / "till.sqlite3").read_bytes()
        assert b"gtc.c.t.secret" not in raw
    finally:
        sync.close()


def test_a_keyring_that_refuses_falls_back_to_the_private_file(
    store: SqliteStore, tmp_path: Path
) -> None:
    class LockedKeyring(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise RuntimeError("the keyring is locked")

    sync = TillSync(
        store,
        tmp_path,
        clock=lambda: NOW,
        client_factory=factory([]),
        keyring_backend=LockedKeyring(),
    )
    try:
        record = sync.enrol("http://sync.test", "ABCD-EFGH")
        assert record.credential_backend == "file"
        assert Path(record.credential_ref).stat().st_mode & 0o077 == 0
        assert sync.credential() == "gtc.c.t.secret"
    finally:
        sync.close()


def test_a_till_that_already_sold_is_not_enrolled(till: Till, open_till: Till) -> None:
    from desktop.domain.tender import Method, Payment
    from tests.desktop.conftest import DEMO_USERS

    session = open_till.new_sale(DEMO_USERS[0][0])
    item = open_till.store.search("a")[0]
    session.add(item)
    session.complete([Payment(Method.CASH, session.invoice().grand_total)])
    assert open_till.sync is not None
    with pytest.raises(EnrolmentFailed, match="already holds sales"):
        open_till.sync.enrol("http://sync.test", "ABCD-EFGH")
    assert open_till.sync.enrolment() is None


def test_syncing_before_enrolment_is_a_clear_error(store: SqliteStore, tmp_path: Path) -> None:
    sync = TillSync(store, tmp_path, clock=lambda: NOW)
    try:
        with pytest.raises(NotEnrolled):
            sync.worker()
        sync.start()  # no-op
        assert sync.status().state == "stopped"
    finally:
        sync.close()


def test_the_enrolled_identity_and_store_settings_replace_the_toml_ones(
    store: SqliteStore, tmp_path: Path
) -> None:
    from shared.protocol import encode

    pages = [encode(f.page([f.store_settings(code="blr2")], "c1"))]
    sync = TillSync(
        store,
        tmp_path,
        clock=lambda: NOW,
        client_factory=factory(pages),
        keyring_backend=MemoryKeyring(),
    )
    try:
        sync.enrol("http://sync.test", "ABCD-EFGH")
    finally:
        sync.close()
    identity = read_identity(store.path)
    assert identity is not None
    assert identity.catalog_ready
    settings = apply_identity(load_settings(data_dir=tmp_path, env={}), identity)
    assert settings.terminal_id == ENROLLED["terminal_id"]
    assert settings.store_id == f.STORE
    assert settings.terminal_code == "07"
    assert settings.store_code == "BLR2"
    assert settings.store_name == "Galla Indiranagar"
    assert settings.store_address == "100 Feet Road, Bengaluru 560038"
    assert settings.idle_lock_seconds == 120
    assert settings.max_pin_attempts == 3
    assert settings.cashier_discount_percent == Decimal(3)
    assert settings.supervisor_discount_percent == Decimal(20)


def test_a_store_code_too_long_for_invoice_numbers_is_refused_by_name(
    ledger: Ledger, tmp_path: Path
) -> None:
    from tests.desktop.sync.conftest import enrolment_record

    ledger.record_enrolment(enrolment_record())
    ledger.apply(f.page([f.store_settings(code="BLR123")], "c1"), store_id=f.STORE, now=NOW)
    identity = read_identity(tmp_path / "till.sqlite3")
    with pytest.raises(SettingsError, match="store_code"):
        apply_identity(load_settings(data_dir=tmp_path, env={}), identity)


def test_an_unenrolled_database_has_no_identity(tmp_path: Path, store: SqliteStore) -> None:
    assert read_identity(tmp_path / "missing.sqlite3") is None
    assert read_identity(store.path) is None


def _sale(
    product: uuid.UUID, unit_price: int, *, override: uuid.UUID | None = None
) -> SaleCompleted:
    line = SaleLine(
        line_no=1,
        product_id=product,
        hsn="1905",
        description="marie",
        quantity=Decimal(1),
        unit_price_paise=unit_price,
        price_includes_tax=True,
        price_override_by=override,
        gst_rate=Decimal(0),
        taxable_paise=unit_price,
        cgst_paise=0,
        sgst_paise=0,
        igst_paise=0,
        total_paise=unit_price,
    )
    return SaleCompleted(
        sale_id=uuid.uuid4(),
        invoice_number="BLR101/26/000001",
        store_id=uuid.UUID(f.STORE),
        terminal_id=uuid.uuid4(),
        shift_id=uuid.uuid4(),
        cashier_id=uuid.uuid4(),
        place_of_supply="29",
        inter_state=False,
        lines=(line,),
        taxable_paise=unit_price,
        cgst_paise=0,
        sgst_paise=0,
        igst_paise=0,
        total_paise=unit_price,
        payments=(Payment(tender="cash", amount_paise=unit_price),),
    )


def test_a_sale_line_cites_the_price_record_it_was_charged_at(
    store: SqliteStore, enrolled: Ledger
) -> None:
    change_at = NOW + timedelta(hours=1)
    enrolled.apply(
        f.page(
            [
                f.product("marie"),
                f.price("marie", 3000, until=change_at),
                f.price("marie", 3300, key="new", start=change_at),
                f.price("marie", 2900, key="mine", store=f.OTHER_STORE),
            ],
            "c1",
        ),
        store_id=f.STORE,
        now=NOW,
    )
    product = f.uid("p:marie")
    conn = enrolled._read()
    before = cite_prices(conn, _sale(product, 3000), store_id=f.STORE, at=NOW)
    assert before.lines[0].price_id == f.uid("pr:marie")
    assert before.lines[0].price_version == 1
    # rung up at the old price after the change (the till had not heard of it): still the
    # old record, which the server sees has ended
    late = cite_prices(
        conn, _sale(product, 3000), store_id=f.STORE, at=change_at + timedelta(minutes=5)
    )
    assert late.lines[0].price_id == f.uid("pr:marie")
    after = cite_prices(
        conn, _sale(product, 3300), store_id=f.STORE, at=change_at + timedelta(minutes=5)
    )
    assert after.lines[0].price_id == f.uid("pr:new")
    open_price = cite_prices(conn, _sale(product, 1234), store_id=f.STORE, at=NOW)
    assert open_price.lines[0].price_id is None
    overridden = cite_prices(
        conn, _sale(product, 3000, override=uuid.uuid4()), store_id=f.STORE, at=NOW
    )
    assert overridden.lines[0].price_id is None


def test_each_push_reports_the_printer_as_the_dashboard_names_it() -> None:
    from types import SimpleNamespace

    from desktop.sync.wiring import printer_state_of

    def stack(value: str) -> object:
        status = SimpleNamespace(value=value)
        return SimpleNamespace(state=SimpleNamespace(status=status))

    assert printer_state_of(None)() == "not_configured"
    assert printer_state_of(stack("paper_low"))() == "ok"
    assert printer_state_of(stack("paper_out"))() == "paper_out"
    assert printer_state_of(stack("offline"))() == "offline"
    assert printer_state_of(stack("unknown"))() == "not_configured"


def test_the_built_till_reports_its_print_queue(tmp_path: Path) -> None:
    from desktop.bootstrap import build

    till = build(load_settings(data_dir=tmp_path, env={}))
    try:
        assert till.sync is not None
        assert till.sync._printer_state() in {"ok", "not_configured"}
    finally:
        till.close()


def test_pulled_store_settings_take_effect_between_sales_without_a_restart(
    till: Till, tmp_path: Path
) -> None:
    from desktop.sync.wiring import refresh_between_sales
    from tests.desktop.sync.conftest import enrolment_record

    sync = till.sync
    assert sync is not None
    assert not refresh_between_sales(till)  # nothing pulled yet
    sync.ledger.record_enrolment(enrolment_record())
    applied = sync.ledger.apply(
        f.page([f.store_settings(name="Galla Koramangala")], "c1"), store_id=f.STORE, now=NOW
    )
    sync._applied(applied)  # what the sync thread does after a page
    old_context = till.context
    assert refresh_between_sales(till)
    assert till.settings.store_name == "Galla Koramangala"
    assert till.context.store_info.name == "Galla Koramangala"
    assert till.context.store_info.terminal_code == "01"
    assert till.context is not old_context
    assert till.shifts._ctx is till.context  # new shifts, returns and history use it
    assert till.idle.timeout == timedelta(seconds=120)
    assert not refresh_between_sales(till)  # once per change
