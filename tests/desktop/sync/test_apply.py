"""Pulled pages land in the till's own tables, exactly once, atomically with their cursor."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.services.auth import Argon2PinHasher
from desktop.store.sqlite_store import SqliteStore
from desktop.sync.apply import lookup_key
from desktop.sync.ledger import Ledger
from tests.desktop.sync import factory as f
from tests.desktop.sync.conftest import enrolment_record

NOW = datetime(2026, 5, 9, 5, 0, tzinfo=UTC)
HASHER = Argon2PinHasher(time_cost=1, memory_cost=8, parallelism=1)
EAN = "8901234000017"


def catalog_page() -> list:
    return [
        f.product("marie"),
        f.barcode("marie", EAN),
        f.price("marie", 3000),
        f.rate("1905", "18", end=date(2025, 9, 21)),
        f.rate("1905", "5", start=date(2025, 9, 22)),
        f.user("asha", HASHER.hash("1234")),
        f.store_settings(),
    ]


def test_a_first_page_makes_items_sellable_searchable_and_taxed(
    store: SqliteStore, enrolled: Ledger
) -> None:
    applied = enrolled.apply(f.page(catalog_page(), "c1"), store_id=f.STORE, now=NOW)
    assert applied.changes == 7
    assert applied.skipped == 0
    assert applied.rates_changed
    assert applied.users_changed
    assert applied.store_settings
    item = store.find_by_barcode(EAN)
    assert item is not None
    assert item.unit_price.paise == 3000
    assert item.code == "MARIE"
    assert item.tax_inclusive
    assert [i.item_id for i in store.search("mari")] == [item.item_id]
    assert store.find_by_code("marie") == item
    store.upsert_rates(())  # what the till does after rates change: drop the cached table
    assert store.rate_table().rate_for("1905", date(2026, 5, 9)).rate == Decimal(5)
    assert store.rate_table().rate_for("1905", date(2025, 1, 1)).rate == Decimal(18)
    [asha] = store.user_records()
    assert asha.user.name == "asha"
    assert HASHER.verify(asha.pin_hash, "1234")
    assert enrolled.cursor() == "c1"
    assert enrolled.catalog_ready()
    settings = enrolled.store_settings(f.STORE)
    assert settings is not None
    assert settings.code == "BLR1"


def test_the_catalog_is_not_ready_until_the_last_page(enrolled: Ledger) -> None:
    enrolled.apply(f.page(catalog_page()[:2], "c1", more=True), store_id=f.STORE, now=NOW)
    assert not enrolled.catalog_ready()
    assert enrolled.cursor() == "c1"
    enrolled.apply(f.page(catalog_page()[2:], "c2"), store_id=f.STORE, now=NOW)
    assert enrolled.catalog_ready()
    assert enrolled.cursor() == "c2"


def test_reapplying_a_page_or_an_older_version_changes_nothing(
    store: SqliteStore, enrolled: Ledger
) -> None:
    enrolled.apply(f.page(catalog_page(), "c1"), store_id=f.STORE, now=NOW)
    enrolled.apply(f.page([f.price("marie", 3500, version=2)], "c2"), store_id=f.STORE, now=NOW)
    again = enrolled.apply(f.page(catalog_page(), "c1"), store_id=f.STORE, now=NOW)
    assert again.skipped == 7
    item = store.find_by_barcode(EAN)
    assert item is not None
    assert item.unit_price.paise == 3500


def test_a_tombstone_removes_the_item_and_an_older_upsert_cannot_revive_it(
    store: SqliteStore, enrolled: Ledger
) -> None:
    enrolled.apply(f.page(catalog_page(), "c1"), store_id=f.STORE, now=NOW)
    enrolled.apply(f.page([f.delete(f.product("marie"), 2)], "c2"), store_id=f.STORE, now=NOW)
    assert store.find_by_barcode(EAN) is None
    assert store.search("marie") == []
    late = enrolled.apply(f.page([f.product("marie")], "c3"), store_id=f.STORE, now=NOW)
    assert late.skipped == 1
    assert store.find_by_code("marie") is None
    enrolled.apply(f.page([f.product("marie", version=3)], "c4"), store_id=f.STORE, now=NOW)
    assert store.find_by_barcode(EAN) is not None  # a newer upsert brings it back


def test_deleting_a_barcode_stops_it_scanning(store: SqliteStore, enrolled: Ledger) -> None:
    enrolled.apply(f.page(catalog_page(), "c1"), store_id=f.STORE, now=NOW)
    enrolled.apply(f.page([f.delete(f.barcode("marie", EAN), 2)], "c2"), store_id=f.STORE, now=NOW)
    assert store.find_by_barcode(EAN) is None
    assert store.find_by_code("MARIE") is not None


def test_a_product_without_a_price_in_force_cannot_be_sold(
    store: SqliteStore, enrolled: Ledger
) -> None:
    enrolled.apply(
        f.page([f.product("oreo"), f.barcode("oreo", "8901234000024")], "c1"),
        store_id=f.STORE,
        now=NOW,
    )
    assert store.find_by_barcode("8901234000024") is None


def test_the_store_price_beats_the_company_price_and_other_stores_do_not_count(
    store: SqliteStore, enrolled: Ledger
) -> None:
    changes = [
        f.product("marie"),
        f.price("marie", 3000),
        f.price("marie", 2900, key="mine", store=f.STORE),
        f.price("marie", 2500, key="theirs", store=f.OTHER_STORE),
    ]
    enrolled.apply(f.page(changes, "c1"), store_id=f.STORE, now=NOW)
    item = store.find_by_code("MARIE")
    assert item is not None
    assert item.unit_price.paise == 2900


def test_a_price_that_starts_later_takes_effect_when_its_time_comes(
    store: SqliteStore, enrolled: Ledger
) -> None:
    change_at = NOW + timedelta(hours=2)
    changes = [
        f.product("marie"),
        f.price("marie", 3000, until=change_at),
        f.price("marie", 3300, key="new", start=change_at),
    ]
    enrolled.apply(f.page(changes, "c1"), store_id=f.STORE, now=NOW)
    assert store.find_by_code("MARIE").unit_price.paise == 3000  # type: ignore[union-attr]
    assert enrolled.reprice(store_id=f.STORE, now=NOW + timedelta(hours=1)) == 0
    assert store.find_by_code("MARIE").unit_price.paise == 3000  # type: ignore[union-attr]
    assert enrolled.reprice(store_id=f.STORE, now=change_at + timedelta(seconds=1)) == 1
    assert store.find_by_code("MARIE").unit_price.paise == 3300  # type: ignore[union-attr]


def test_users_get_the_tills_roles_and_a_new_pin_lifts_a_lockout(
    store: SqliteStore, enrolled: Ledger
) -> None:
    old = HASHER.hash("1111")
    changes = [
        f.user("asha", old),
        f.user("meera", HASHER.hash("2222"), role="manager"),
        f.user("vikram", HASHER.hash("3333"), stores=(f.OTHER_STORE,)),
    ]
    enrolled.apply(f.page(changes, "c1"), store_id=f.STORE, now=NOW)
    roles = {r.user.name: r.user.role.value for r in store.user_records()}
    assert roles == {"asha": "cashier", "meera": "supervisor"}  # vikram works elsewhere
    asha = f.user("asha", old).entity_id
    store.set_login_state(str(asha), 5, NOW + timedelta(hours=1), None)
    enrolled.apply(f.page([f.user("asha", old, version=2)], "c2"), store_id=f.STORE, now=NOW)
    [record] = [r for r in store.user_records() if r.user.name == "asha"]
    assert record.failed_attempts == 5  # same PIN: the lockout stands
    enrolled.apply(
        f.page([f.user("asha", HASHER.hash("4444"), version=3)], "c3"), store_id=f.STORE, now=NOW
    )
    [record] = [r for r in store.user_records() if r.user.name == "asha"]
    assert record.failed_attempts == 0
    assert record.locked_until is None
    assert HASHER.verify(record.pin_hash, "4444")
    enrolled.apply(f.page([f.delete(f.user("asha", old), 4)], "c4"), store_id=f.STORE, now=NOW)
    assert "asha" not in {r.user.name for r in store.user_records()}


def test_a_page_that_fails_leaves_data_and_cursor_as_they_were(
    store: SqliteStore, enrolled: Ledger
) -> None:
    enrolled.apply(f.page(catalog_page(), "c1"), store_id=f.STORE, now=NOW)
    clash = [
        f.price("marie", 9999, version=5),
        f.product("oreo", code="SAME"),
        f.product("bourbon", code="SAME"),  # two items with one code: the page cannot apply
        f.price("oreo", 100),
        f.price("bourbon", 100),
    ]
    with pytest.raises(sqlite3.IntegrityError):
        enrolled.apply(f.page(clash, "c2"), store_id=f.STORE, now=NOW)
    assert enrolled.cursor() == "c1"
    assert store.find_by_barcode(EAN).unit_price.paise == 3000  # type: ignore[union-attr]
    assert store.find_by_code("SAME") is None


def test_weighed_codes_are_stored_under_the_key_a_scan_looks_up() -> None:
    # a weight-embedded label (prefix 21) is looked up with its value zeroed
    assert lookup_key("2112345015002") == "2112345000008"
    assert lookup_key("ABC-123") == "ABC-123"
    assert lookup_key(EAN) == EAN


def test_a_price_that_ends_without_a_successor_stops_the_item_selling_once_it_ends(
    store: SqliteStore, enrolled: Ledger
) -> None:
    ends = NOW + timedelta(minutes=30)
    enrolled.apply(
        f.page([f.product("marie"), f.price("marie", 3000, until=ends)], "c1"),
        store_id=f.STORE,
        now=NOW,
    )
    assert store.find_by_code("MARIE") is not None
    assert enrolled.reprice(store_id=f.STORE, now=ends) == 1
    assert store.find_by_code("MARIE") is None
    assert enrolled.reprice(store_id=f.STORE, now=ends + timedelta(hours=1)) == 0


def test_within_one_page_the_newest_version_of_an_entity_wins(
    store: SqliteStore, enrolled: Ledger
) -> None:
    changes = [f.product("marie"), f.price("marie", 3300, version=2), f.price("marie", 3000)]
    enrolled.apply(f.page(changes, "c1"), store_id=f.STORE, now=NOW)
    assert store.find_by_code("MARIE").unit_price.paise == 3300  # type: ignore[union-attr]


def _bootstrap_pages() -> list:
    later = NOW + timedelta(days=2)
    return [
        f.page([f.product("marie"), f.product("oreo"), f.product("bourbon")], "b1", more=True),
        f.page(
            [
                f.barcode("marie", EAN),
                f.barcode("oreo", "8901234000024"),
                f.price("marie", 3000),
                f.price("oreo", 2000),
                f.price("oreo", 2500, key="oreo-later", start=later),
                f.product("oreo", version=2, code="OREO2"),  # renamed while the pull runs
            ],
            "b2",
            more=True,
        ),
        f.page(
            [
                f.delete(f.product("bourbon"), 2),
                f.price("bourbon", 1000),  # a price of a deleted product: nothing to sell
                f.price("marie", 3100, store=f.STORE, key="marie-store"),
                f.product("marie"),  # a stale repeat, skipped
            ],
            "b3",
        ),
    ]


def _sale_tables(store: SqliteStore) -> tuple[list, list, list]:
    conn = store._read()
    items = [tuple(r) for r in conn.execute("SELECT * FROM items ORDER BY item_id")]
    codes = [tuple(r) for r in conn.execute("SELECT * FROM barcodes ORDER BY barcode")]
    search = [
        tuple(r)
        for r in conn.execute("SELECT item_id, name, code, barcodes FROM items_fts ORDER BY 1")
    ]
    return items, codes, search


def test_a_first_pull_builds_at_its_end_what_page_by_page_projection_builds(
    store: SqliteStore, enrolled: Ledger, tmp_path: Path
) -> None:
    pages = _bootstrap_pages()
    for number, page in enumerate(pages):
        applied = enrolled.apply(page, store_id=f.STORE, now=NOW)
        if page.has_more:
            assert enrolled.catalog_pending()
            assert store.find_by_code("MARIE") is None  # mirrored, not yet sellable
            assert applied.products == 0
        else:
            assert applied.products == 2
            assert applied.skipped == 1
            assert number == 2
    assert not enrolled.catalog_pending()
    assert enrolled.catalog_ready()
    marie, oreo = store.find_by_barcode(EAN), store.find_by_barcode("8901234000024")
    assert marie is not None
    assert marie.unit_price.paise == 3100  # the store's price beats the company's
    assert oreo is not None
    assert (oreo.code, oreo.unit_price.paise) == ("OREO2", 2000)
    assert store.find_by_code("BOURBON") is None
    assert [i.code for i in store.search("oreo2")] == ["OREO2"]

    # the same changes on a till that already had a cursor (projected page by page)
    other = SqliteStore(
        tmp_path / "other.sqlite3", ids=store._ids, store_code="BLR1", terminal_code="01"
    )
    ledger = Ledger(other)
    try:
        ledger.record_enrolment(enrolment_record())
        ledger.apply(f.page([], "b0"), store_id=f.STORE, now=NOW)
        for page in pages:
            ledger.apply(page, store_id=f.STORE, now=NOW)
        assert _sale_tables(other) == _sale_tables(store)
        # the later price waits for its moment in both, and takes effect in both
        due = NOW + timedelta(days=3)
        assert enrolled.reprice(store_id=f.STORE, now=due) == 1
        assert ledger.reprice(store_id=f.STORE, now=due) == 1
        assert _sale_tables(other) == _sale_tables(store)
        oreo = store.find_by_code("OREO2")
        assert oreo is not None
        assert oreo.unit_price.paise == 2500
    finally:
        ledger.close()
        other.close()


def test_pulls_after_a_first_pull_apply_updates_and_deletes_at_once(
    store: SqliteStore, enrolled: Ledger
) -> None:
    for page in _bootstrap_pages():
        enrolled.apply(page, store_id=f.STORE, now=NOW)
    applied = enrolled.apply(
        f.page(
            [
                f.price("marie", 3300, store=f.STORE, key="marie-store", version=2),
                f.delete(f.barcode("oreo", "8901234000024"), 2),
                f.product("oreo", version=3, code="OREO3"),
                f.product("jimjam"),
                f.price("jimjam", 4000),
            ],
            "c1",
        ),
        store_id=f.STORE,
        now=NOW,
    )
    assert not enrolled.catalog_pending()
    assert applied.products == 3
    marie = store.find_by_barcode(EAN)
    assert marie is not None
    assert marie.unit_price.paise == 3300
    assert store.find_by_barcode("8901234000024") is None
    assert [i.code for i in store.search("oreo3")] == ["OREO3"]
    assert store.search("oreo2") == []
    jimjam = store.find_by_code("JIMJAM")
    assert jimjam is not None
    assert jimjam.unit_price.paise == 4000
    enrolled.apply(f.page([f.delete(f.product("marie"), 2)], "c2"), store_id=f.STORE, now=NOW)
    assert store.find_by_barcode(EAN) is None
    assert store.search("marie") == []


def test_enrolling_again_forgets_a_first_pull_under_way(
    store: SqliteStore, enrolled: Ledger
) -> None:
    enrolled.apply(_bootstrap_pages()[0], store_id=f.STORE, now=NOW)
    assert enrolled.catalog_pending()
    enrolled.record_enrolment(enrolment_record())
    assert not enrolled.catalog_pending()
    assert enrolled.cursor() is None
    enrolled.apply(
        f.page([f.product("marie"), f.price("marie", 900)], "c1"), store_id=f.STORE, now=NOW
    )
    assert [i.code for i in store.search("marie")] == ["MARIE"]
    assert store.find_by_code("OREO") is None


def test_a_delete_of_an_entity_never_seen_still_buries_it(
    store: SqliteStore, enrolled: Ledger
) -> None:
    page = [f.delete(f.product("marie"), 2), f.product("oreo"), f.price("oreo", 2000)]
    applied = enrolled.apply(f.page(page, "c1"), store_id=f.STORE, now=NOW)
    assert applied.skipped == 0
    late = enrolled.apply(
        f.page([f.product("marie"), f.price("marie", 3000)], "c2"), store_id=f.STORE, now=NOW
    )
    assert late.skipped == 1  # the product's older upsert arrives after its delete
    assert store.find_by_code("MARIE") is None
    assert store.find_by_code("OREO") is not None
