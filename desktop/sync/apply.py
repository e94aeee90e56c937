"""Applying a pull page to the till database: mirror what the server sent, then project it.

:func:`apply_page` runs inside the single writer's transaction (``store.write``), together
with the new cursor, so a page is applied completely or not at all. It works in two steps:

1. **Mirror.** Each change updates the ``sync_*`` row of its entity, unless the till has
   already seen a newer version (an upsert arriving after a newer upsert or after a delete
   is skipped), so re-applying a page, or pages overlapping, changes nothing.
2. **Project.** The products, barcodes and prices touched are re-derived, set-based, into the
   tables the sale engine reads (``items``, ``barcodes``, ``items_fts``); GST rates into
   ``tax_rates``; users into ``users`` (manager becomes the till's supervisor role, a user not
   allowed in this store is inactive, a changed PIN hash clears a lockout).

A first pull (a till with no catalog yet) skips step 2 page by page:
:meth:`~desktop.sync.ledger.Ledger.apply` passes ``project=False`` and, with the last page,
:func:`project_catalog` builds the sale tables and the search index once from the whole
mirror, in key order (the same rows per-page projection would build, for less work, and off
the path where fetching and applying overlap).

Price in force: the store's own price beats the company-wide one, the later
``effective_from`` beats the earlier, and only a span containing "now" counts; a product with
no price in force cannot be sold (``active = 0``). A span that opens or closes later leaves
its moment in ``sync_price_boundaries``, and :func:`reprice_due` re-projects the product on
the sync worker's first cycle after it.

Catalog data changes between sales, never inside one: a cart line keeps the price it was
added at, so only new lines and new sales see a new price.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec

from shared.barcode import DEFAULT_NOMENCLATURE, parse_scanned
from shared.errors import BarcodeError
from shared.protocol import (
    BarcodeChange,
    Change,
    GstRateChange,
    PriceChange,
    ProductChange,
    SnapshotBatch,
    StoreSettingsChange,
    UserChange,
)

__all__ = (
    "Applied",
    "Connection",
    "SnapshotRows",
    "apply_page",
    "apply_snapshot_batch",
    "index_search",
    "lookup_key",
    "prepare_snapshot_batch",
    "project_catalog",
    "reprice_due",
    "utc_text",
)

#: Units sold by measure, whose quantities may have three decimals.
WEIGHED_UNITS = ("kg", "l", "m")
_CHUNK = 500


class Connection(Protocol):
    """The part of a DB-API connection the sync code uses (the writer's sqlite3 connection)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any:
        """Run one statement."""
        ...

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any:
        """Run one statement for every parameter row."""
        ...


@dataclass
class Applied:
    """What a page changed, so the till can refresh only what it must.

    Attributes:
        changes: changes in the page.
        skipped: changes skipped because a newer version was already applied.
        products: products touched (their items were re-projected).
        rates_changed: GST rates changed (the store's cached rate table must be dropped).
        users_changed: users changed (the login list must be redrawn).
        store_settings: the new settings of this till's store, if they changed (protocol JSON).
        kinds: changes by entity, named as on the wire (``product``, ``gst_rate``, ...).
        search_pending: a snapshot replaced the catalog; its search index is still to build.
    """

    changes: int = 0
    skipped: int = 0
    products: int = 0
    rates_changed: bool = False
    users_changed: bool = False
    store_settings: bytes | None = None
    kinds: dict[str, int] = field(default_factory=dict)
    search_pending: bool = False


def utc_text(moment: datetime) -> str:
    """``moment`` in UTC as fixed-width text, so comparing the text compares the time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_MOMENTS: dict[datetime, str] = {}


def _moment(moment: datetime) -> str:
    # a catalog's prices share few start times: format each one once per process
    text = _MOMENTS.get(moment)
    if text is None:
        if len(_MOMENTS) > 10_000:
            _MOMENTS.clear()
        text = _MOMENTS[moment] = utc_text(moment)
    return text


def lookup_key(code: str) -> str:
    """The till's catalog key of a barcode as the server sent it.

    Numeric GS1 codes are canonicalised the way a scan is (:func:`shared.barcode.parse_scanned`,
    so a weighed-item code is stored with its value zeroed); anything else is kept as it is.
    """
    if len(code) == 13 and code[0] != "2" and code.isdigit():
        return code  # an EAN-13 outside the in-store range is its own key (the common case)
    if code.isdigit() and len(code) in (8, 12, 13, 14):
        try:
            return parse_scanned(code, DEFAULT_NOMENCLATURE).lookup_key
        except BarcodeError:
            return code
    return code


_UUID_TEXT = msgspec.json.Decoder(list[str])


def _texts(ids: Sequence[Any]) -> list[str]:
    """UUIDs as canonical text, in one C call (``str(uuid)`` costs microseconds each)."""
    return _UUID_TEXT.decode(msgspec.json.encode(ids)) if ids else []


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _tombstones(conn: Connection, entity: str, ids: Sequence[str]) -> dict[str, int]:
    if not ids or conn.execute("SELECT 1 FROM sync_tombstones LIMIT 1").fetchone() is None:
        return {}
    found: dict[str, int] = {}
    for part in _chunks(ids):
        marks = ",".join("?" * len(part))
        for row in conn.execute(
            f"SELECT entity_id, version FROM sync_tombstones WHERE entity = ?"  # noqa: S608
            f" AND entity_id IN ({marks})",
            (entity, *part),
        ):
            found[row[0]] = row[1]
    return found


def _split(
    conn: Connection, entity: str, changes: list[Any], table: str
) -> tuple[list[Any], list[Any], int]:
    """Upserts and deletes that are newer than what the till has, and how many were stale.

    Each returned change comes as ``(key, change)``, ``key`` being its entity id as text.
    """
    # within one page an entity may change twice; only its newest version matters
    keys = _texts([c.entity_id for c in changes])
    newest: dict[str, Any] = dict(zip(keys, changes, strict=True))
    if len(newest) != len(changes):  # some entity repeats: keep its highest version
        newest = {}
        for key, change in zip(keys, changes, strict=True):
            kept = newest.get(key)
            if kept is None or change.version > kept.version:
                newest[key] = change
    ids = list(newest)
    dead = _tombstones(conn, entity, ids)
    current: dict[str, int] = {}
    if ids and conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:  # noqa: S608
        # one statement for the whole page: the ids go in as one JSON array
        current = dict(
            conn.execute(
                f"SELECT entity_id, version FROM {table}"  # noqa: S608 - fixed table names
                " WHERE entity_id IN (SELECT value FROM json_each(?))",
                (msgspec.json.encode(ids).decode(),),
            ).fetchall()
        )
    if not current and not dead:  # none of these is known yet (a first pull): all are new
        deletes = [(key, c) for key, c in newest.items() if c.op == "delete"]
        if not deletes:
            return list(newest.items()), [], 0
        return [(key, c) for key, c in newest.items() if c.op != "delete"], deletes, 0
    upserts, deletes, stale = [], [], 0
    for key, change in newest.items():
        seen = max(current.get(key, 0), dead.get(key, 0))
        if change.version <= seen:
            stale += 1
        elif change.op == "delete":
            deletes.append((key, change))
        else:
            upserts.append((key, change))
    return upserts, deletes, stale


def _bury(conn: Connection, entity: str, table: str, deletes: list[Any]) -> None:
    if not deletes:
        return
    conn.executemany(
        "INSERT INTO sync_tombstones (entity, entity_id, version) VALUES (?, ?, ?)"
        " ON CONFLICT (entity, entity_id) DO UPDATE SET version = excluded.version",
        [(entity, key, c.version) for key, c in deletes],
    )
    conn.executemany(
        f"DELETE FROM {table} WHERE entity_id = ?",  # noqa: S608
        [(key,) for key, _ in deletes],
    )


def _owner_ids(conn: Connection, table: str, ids: Sequence[str]) -> set[str]:
    owners: set[str] = set()
    for part in _chunks(ids):
        marks = ",".join("?" * len(part))
        owners.update(
            row[0]
            for row in conn.execute(
                f"SELECT product_id FROM {table} WHERE entity_id IN ({marks})",  # noqa: S608
                tuple(part),
            )
        )
    return owners


def apply_page(
    conn: Connection,
    changes: Sequence[Change],
    *,
    store_id: str,
    now: datetime,
    project: bool = True,
) -> Applied:
    """Apply one page of changes inside the caller's transaction.

    Args:
        conn: the writer's connection, inside ``BEGIN IMMEDIATE``.
        changes: the page's changes, oldest first.
        store_id: this till's store (decides store prices, store settings, user access).
        now: the moment prices are resolved for.
        project: whether to re-project the products touched into the sale tables now.
            ``False`` during a first pull: only the mirror is written, and
            :func:`project_catalog` builds the sale tables once at its end (GST rates, users
            and store settings are small and always take effect at once).

    Returns:
        What changed.
    """
    applied = Applied(changes=len(changes))
    by_kind: dict[type[Any], list[Any]] = {}
    for change in changes:
        by_kind.setdefault(type(change), []).append(change)
    applied.kinds = {kind.__struct_config__.tag: len(items) for kind, items in by_kind.items()}
    dirty: set[str] = set()

    # ---------------------------------------------------------------- products
    ups, dels, stale = _split(conn, "product", by_kind.get(ProductChange, []), "sync_products")
    applied.skipped += stale
    conn.executemany(
        "INSERT INTO sync_products (entity_id, version, code, name, hsn, unit,"
        " price_includes_tax, mrp_paise, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (entity_id) DO UPDATE SET version = excluded.version,"
        " code = excluded.code, name = excluded.name, hsn = excluded.hsn, unit = excluded.unit,"
        " price_includes_tax = excluded.price_includes_tax, mrp_paise = excluded.mrp_paise,"
        " active = excluded.active",
        [
            (
                key,
                c.version,
                c.data.code,
                c.data.name,
                c.data.hsn,
                c.data.unit,
                int(c.data.price_includes_tax),
                c.data.mrp_paise,
                int(c.data.active),
            )
            for key, c in ups
        ],
    )
    _bury(conn, "product", "sync_products", dels)
    if project:
        dirty.update(key for key, _ in ups)
        dirty.update(key for key, _ in dels)

    # ---------------------------------------------------------------- barcodes
    ups, dels, stale = _split(conn, "barcode", by_kind.get(BarcodeChange, []), "sync_barcodes")
    applied.skipped += stale
    if project:
        dirty |= _owner_ids(conn, "sync_barcodes", [key for key, _ in ups + dels])
    owners = _texts([c.data.product_id for _, c in ups])
    conn.executemany(
        "INSERT INTO sync_barcodes (entity_id, version, product_id, code, lookup_key, quantity)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (entity_id) DO UPDATE SET"
        " version = excluded.version, product_id = excluded.product_id, code = excluded.code,"
        " lookup_key = excluded.lookup_key, quantity = excluded.quantity",
        [
            (key, c.version, owner, c.data.code, lookup_key(c.data.code), str(c.data.quantity))
            for (key, c), owner in zip(ups, owners, strict=True)
        ],
    )
    _bury(conn, "barcode", "sync_barcodes", dels)
    if project:
        dirty.update(owners)

    # ---------------------------------------------------------------- prices
    ups, dels, stale = _split(conn, "price", by_kind.get(PriceChange, []), "sync_prices")
    applied.skipped += stale
    if project:
        dirty |= _owner_ids(conn, "sync_prices", [key for key, _ in ups + dels])
    owners = _texts([c.data.product_id for _, c in ups])
    conn.executemany(
        "INSERT INTO sync_prices (entity_id, version, product_id, store_id, unit_price_paise,"
        " effective_from, effective_until) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (entity_id) DO UPDATE SET version = excluded.version,"
        " product_id = excluded.product_id, store_id = excluded.store_id,"
        " unit_price_paise = excluded.unit_price_paise,"
        " effective_from = excluded.effective_from, effective_until = excluded.effective_until",
        [
            (
                key,
                c.version,
                owner,
                str(c.data.store_id) if c.data.store_id else None,
                c.data.unit_price_paise,
                _moment(c.data.effective_from),
                _moment(c.data.effective_until) if c.data.effective_until else None,
            )
            for (key, c), owner in zip(ups, owners, strict=True)
        ],
    )
    _bury(conn, "price", "sync_prices", dels)
    if project:
        dirty.update(owners)
    moment = utc_text(now)
    later = []
    for (_, c), owner in zip(ups, owners, strict=True):
        for edge in (c.data.effective_from, c.data.effective_until):
            if edge is not None and (text := _moment(edge)) > moment:
                later.append((text, owner))
    conn.executemany(
        "INSERT OR IGNORE INTO sync_price_boundaries (at, product_id) VALUES (?, ?)", later
    )

    if dirty:
        _project_items(conn, sorted(dirty), store_id=store_id, now=now)
    applied.products = len(dirty)

    # ---------------------------------------------------------------- GST rates
    ups, dels, stale = _split(conn, "gst_rate", by_kind.get(GstRateChange, []), "sync_gst_rates")
    applied.skipped += stale
    if ups or dels:
        hsns = {
            row[0]
            for part in _chunks([key for key, _ in dels])
            for row in conn.execute(
                f"SELECT hsn FROM sync_gst_rates WHERE entity_id IN ({','.join('?' * len(part))})",  # noqa: S608
                tuple(part),
            )
        } | {c.data.hsn for _, c in ups}
        conn.executemany(
            "INSERT INTO sync_gst_rates (entity_id, version, hsn, rate, cess_rate,"
            " effective_from, effective_to) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (entity_id) DO UPDATE SET version = excluded.version,"
            " hsn = excluded.hsn, rate = excluded.rate, cess_rate = excluded.cess_rate,"
            " effective_from = excluded.effective_from, effective_to = excluded.effective_to",
            [
                (
                    key,
                    c.version,
                    c.data.hsn,
                    str(c.data.rate),
                    str(c.data.cess_rate),
                    c.data.effective_from.isoformat(),
                    c.data.effective_to.isoformat() if c.data.effective_to else None,
                )
                for key, c in ups
            ],
        )
        _bury(conn, "gst_rate", "sync_gst_rates", dels)
        conn.executemany("DELETE FROM tax_rates WHERE hsn = ?", [(h,) for h in sorted(hsns)])
        conn.executemany(
            "INSERT OR REPLACE INTO tax_rates (hsn, effective_from, rate)"
            " SELECT hsn, effective_from, rate FROM sync_gst_rates WHERE hsn = ?",
            [(h,) for h in sorted(hsns)],
        )
        applied.rates_changed = True

    # ---------------------------------------------------------------- users
    ups, dels, stale = _split(conn, "user", by_kind.get(UserChange, []), "sync_users")
    applied.skipped += stale
    if ups or dels:
        conn.executemany(
            "INSERT INTO sync_users (entity_id, version, code, name, role, pin_hash, store_ids,"
            " active) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entity_id) DO UPDATE SET"
            " version = excluded.version, code = excluded.code, name = excluded.name,"
            " role = excluded.role, pin_hash = excluded.pin_hash,"
            " store_ids = excluded.store_ids, active = excluded.active",
            [
                (
                    key,
                    c.version,
                    c.data.code,
                    c.data.name,
                    c.data.role,
                    c.data.pin_hash,
                    msgspec.json.encode(c.data.store_ids).decode(),
                    int(c.data.active),
                )
                for key, c in ups
            ],
        )
        _bury(conn, "user", "sync_users", dels)
        conn.executemany(
            # a changed PIN hash is an admin's reset: it also lifts a lockout
            "INSERT INTO users (user_id, name, role, pin_hash, active) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, role = excluded.role,"
            " failed_attempts = CASE WHEN users.pin_hash = excluded.pin_hash"
            "   THEN users.failed_attempts ELSE 0 END,"
            " locked_until = CASE WHEN users.pin_hash = excluded.pin_hash"
            "   THEN users.locked_until ELSE NULL END,"
            " pin_hash = excluded.pin_hash, active = excluded.active",
            [
                (
                    key,
                    c.data.name,
                    "cashier" if c.data.role == "cashier" else "supervisor",
                    c.data.pin_hash,
                    int(c.data.active and any(str(s) == store_id for s in c.data.store_ids)),
                )
                for key, c in ups
            ],
        )
        conn.executemany(
            "UPDATE users SET active = 0 WHERE user_id = ?", [(key,) for key, _ in dels]
        )
        applied.users_changed = True

    # ---------------------------------------------------------------- store settings
    ups, dels, stale = _split(
        conn, "store_settings", by_kind.get(StoreSettingsChange, []), "sync_store_settings"
    )
    applied.skipped += stale
    conn.executemany(
        "INSERT INTO sync_store_settings (entity_id, version, data) VALUES (?, ?, ?)"
        " ON CONFLICT (entity_id) DO UPDATE SET version = excluded.version, data = excluded.data",
        [(key, c.version, msgspec.json.encode(c.data).decode()) for key, c in ups],
    )
    _bury(conn, "store_settings", "sync_store_settings", dels)
    for key, c in ups:
        if key == store_id:
            applied.store_settings = msgspec.json.encode(c.data)
    return applied


def _project_items(
    conn: Connection, product_ids: Sequence[str], *, store_id: str, now: datetime
) -> None:
    """Re-derive ``items``, ``barcodes`` and ``items_fts`` for these products, set-based."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS sync_dirty (product_id TEXT PRIMARY KEY)")
    conn.execute("DELETE FROM temp.sync_dirty")
    conn.execute(
        "INSERT OR IGNORE INTO temp.sync_dirty (product_id) SELECT value FROM json_each(?)",
        (msgspec.json.encode(list(product_ids)).decode(),),
    )
    moment = utc_text(now)
    # CROSS JOIN fixes the loop order: the page's few dirty products drive index lookups
    # into the big tables (left to the planner, a temp table without statistics can end up
    # as the inner loop, and every page would scan the whole catalog)
    conn.execute(
        "DELETE FROM items_fts WHERE rowid IN (SELECT items.rowid FROM temp.sync_dirty d"
        " CROSS JOIN items ON items.item_id = d.product_id)"
    )
    # deleting cascades to the item's barcodes; both are rebuilt from the mirror below
    conn.execute("DELETE FROM items WHERE item_id IN (SELECT product_id FROM temp.sync_dirty)")
    conn.execute(
        "INSERT INTO items (item_id, code, name, hsn, price_paise, tax_inclusive, unit,"
        " weighed, active)"
        " SELECT entity_id, code, name, hsn, coalesce(price, 0), price_includes_tax, unit,"
        "  unit IN ('kg', 'l', 'm'), active AND price IS NOT NULL"
        " FROM (SELECT p.*, (SELECT s.unit_price_paise FROM sync_prices s"
        "   WHERE s.product_id = d.product_id"
        "   AND (s.store_id = :store OR s.store_id IS NULL) AND s.effective_from <= :now"
        "   AND (s.effective_until IS NULL OR s.effective_until > :now)"
        "   ORDER BY s.store_id IS NULL, s.effective_from DESC LIMIT 1) AS price"
        "  FROM temp.sync_dirty d CROSS JOIN sync_products p ON p.entity_id = d.product_id)",
        {"store": store_id, "now": moment},
    )
    conn.execute(
        "INSERT OR REPLACE INTO barcodes (barcode, item_id)"
        " SELECT s.lookup_key, s.product_id FROM temp.sync_dirty d"
        " CROSS JOIN sync_barcodes s ON s.product_id = d.product_id"
        " CROSS JOIN items ON items.item_id = s.product_id"
    )
    conn.execute(
        "INSERT INTO items_fts (rowid, item_id, name, code, barcodes)"
        " SELECT items.rowid, items.item_id, items.name, items.code,"
        "  coalesce((SELECT group_concat(barcode, ' ') FROM barcodes"
        "   WHERE barcodes.item_id = items.item_id), '')"
        " FROM temp.sync_dirty d CROSS JOIN items ON items.item_id = d.product_id"
    )
    conn.execute("DELETE FROM temp.sync_dirty")


def project_catalog(conn: Connection, *, store_id: str, now: datetime, search: bool = True) -> int:
    """Build ``items``, ``barcodes`` and ``items_fts`` from the whole mirror, in one pass.

    The end of a first pull: instead of re-deriving each page's products as it arrives
    (every row written, then found and replaced, and the search index grown page by page),
    the sale tables are emptied and filled from ``sync_*`` with one statement each, in key
    order. The result is the same as projecting every product with :func:`apply_page`.

    Args:
        conn: the writer's connection, inside a transaction.
        store_id: this till's store.
        now: the moment prices are resolved for; boundaries up to it are settled.
        search: also fill the search index (``False``: :func:`index_search` does it later,
            a chunk at a time, and until then name search finds nothing).

    Returns:
        How many products were projected.
    """
    moment = utc_text(now)
    conn.execute("DELETE FROM items_fts")
    conn.execute("DELETE FROM barcodes")
    conn.execute("DELETE FROM items")
    conn.execute(
        "INSERT INTO items (item_id, code, name, hsn, price_paise, tax_inclusive, unit,"
        " weighed, active)"
        " SELECT entity_id, code, name, hsn, coalesce(price, 0), price_includes_tax, unit,"
        "  unit IN ('kg', 'l', 'm'), active AND price IS NOT NULL"
        " FROM (SELECT p.*, (SELECT s.unit_price_paise FROM sync_prices s"
        "   WHERE s.product_id = p.entity_id"
        "   AND (s.store_id = :store OR s.store_id IS NULL) AND s.effective_from <= :now"
        "   AND (s.effective_until IS NULL OR s.effective_until > :now)"
        "   ORDER BY s.store_id IS NULL, s.effective_from DESC LIMIT 1) AS price"
        "  FROM sync_products p ORDER BY p.entity_id)",
        {"store": store_id, "now": moment},
    )
    conn.execute(
        "INSERT OR REPLACE INTO barcodes (barcode, item_id)"
        " SELECT s.lookup_key, s.product_id FROM sync_barcodes s"
        " WHERE EXISTS (SELECT 1 FROM items WHERE items.item_id = s.product_id)"
        " ORDER BY s.lookup_key, s.entity_id"
    )
    if search:
        index_search(conn, 0, None)
    conn.execute("DELETE FROM sync_price_boundaries WHERE at <= ?", (moment,))
    return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])


def index_search(conn: Connection, after: int, upto: int | None) -> int:
    """Add the items with ``after < rowid <= upto`` (all after ``after`` if ``None``) to search.

    Returns:
        How many items were indexed.
    """
    cursor = conn.execute(
        "INSERT INTO items_fts (rowid, item_id, name, code, barcodes)"
        " SELECT items.rowid, items.item_id, items.name, items.code,"
        "  coalesce((SELECT group_concat(barcode, ' ') FROM barcodes"
        "   WHERE barcodes.item_id = items.item_id), '')"
        " FROM items WHERE items.rowid > :after AND items.rowid <= :upto ORDER BY items.rowid",
        {"after": after, "upto": 2**63 - 1 if upto is None else upto},
    )
    return int(cursor.rowcount)


_SNAPSHOT_PRODUCTS = (
    "INSERT INTO sync_products (entity_id, version, code, name, hsn, unit,"
    " price_includes_tax, mrp_paise, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (entity_id) DO UPDATE SET version = excluded.version,"
    " code = excluded.code, name = excluded.name, hsn = excluded.hsn, unit = excluded.unit,"
    " price_includes_tax = excluded.price_includes_tax, mrp_paise = excluded.mrp_paise,"
    " active = excluded.active WHERE excluded.version > sync_products.version"
)
_SNAPSHOT_BARCODES = (
    "INSERT INTO sync_barcodes (entity_id, version, product_id, code, lookup_key, quantity)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (entity_id) DO UPDATE SET"
    " version = excluded.version, product_id = excluded.product_id, code = excluded.code,"
    " lookup_key = excluded.lookup_key, quantity = excluded.quantity"
    " WHERE excluded.version > sync_barcodes.version"
)
_SNAPSHOT_PRICES = (
    "INSERT INTO sync_prices (entity_id, version, product_id, store_id, unit_price_paise,"
    " effective_from, effective_until) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (entity_id) DO UPDATE SET version = excluded.version,"
    " product_id = excluded.product_id, store_id = excluded.store_id,"
    " unit_price_paise = excluded.unit_price_paise,"
    " effective_from = excluded.effective_from, effective_until = excluded.effective_until"
    " WHERE excluded.version > sync_prices.version"
)


@dataclass
class SnapshotRows:
    """A snapshot batch turned into the mirror's rows, ready to bind (made off the writer).

    Attributes:
        changes: how many changes the batch held.
        products: ``sync_products`` rows.
        barcodes: ``sync_barcodes`` rows (with their lookup keys).
        prices: ``sync_prices`` rows.
        boundaries: ``(moment, product)`` of prices that start or end after ``now``.
        others: GST rates, users and store settings, for :func:`apply_page`.
    """

    changes: int
    products: list[tuple[Any, ...]]
    barcodes: list[tuple[Any, ...]]
    prices: list[tuple[Any, ...]]
    boundaries: list[tuple[str, str]]
    others: list[Any]


def prepare_snapshot_batch(batch: SnapshotBatch, *, now: datetime) -> SnapshotRows:
    """Turn a checked snapshot batch into mirror rows (pure: no database).

    The till calls it on the thread that downloads and decodes, so the writer thread only
    binds rows while the next batch is being prepared.

    Args:
        batch: a checked batch (:func:`shared.protocol.decode_snapshot_batch`).
        now: the moment later price boundaries are measured from.
    """
    moment = utc_text(now)
    boundaries = []
    prices = []
    for c in batch.prices:
        d = c.data
        start = _moment(d.effective_from)
        until = _moment(d.effective_until) if d.effective_until else None
        prices.append(
            (c.entity_id, c.version, d.product_id, d.store_id, d.unit_price_paise, start, until)
        )
        if start > moment:
            boundaries.append((start, d.product_id))
        if until is not None and until > moment:
            boundaries.append((until, d.product_id))
    return SnapshotRows(
        changes=len(batch),
        products=[
            (
                c.entity_id,
                c.version,
                c.data.code,
                c.data.name,
                c.data.hsn,
                c.data.unit,
                c.data.price_includes_tax,
                c.data.mrp_paise,
                c.data.active,
            )
            for c in batch.products
        ],
        barcodes=[
            (
                c.entity_id,
                c.version,
                c.data.product_id,
                c.data.code,
                lookup_key(c.data.code),
                c.data.quantity,
            )
            for c in batch.barcodes
        ],
        prices=prices,
        boundaries=boundaries,
        others=list(batch.others),
    )


def apply_snapshot_batch(
    conn: Connection, rows: SnapshotRows, *, store_id: str, now: datetime
) -> Applied:
    """Write one prepared snapshot batch into the mirror, inside the caller's transaction.

    Products, barcodes and prices go straight into ``sync_*`` (the snapshot holds live
    entities only, each once; a repeat keeps the higher version); the sale tables are built
    from the whole mirror by :func:`project_catalog` once the last batch is in. GST rates,
    users and store settings take the ordinary path (:func:`apply_page`), which projects
    them at once.

    Args:
        conn: the writer's connection, inside the snapshot's transaction.
        rows: the batch, prepared (:func:`prepare_snapshot_batch`).
        store_id: this till's store.
        now: the moment prices are resolved for.

    Returns:
        What changed (``products`` counts the products written to the mirror).
    """
    if rows.others:
        applied = apply_page(conn, rows.others, store_id=store_id, now=now, project=False)
    else:
        applied = Applied()
    applied.changes = rows.changes
    if rows.products:
        conn.executemany(_SNAPSHOT_PRODUCTS, rows.products)
    if rows.barcodes:
        conn.executemany(_SNAPSHOT_BARCODES, rows.barcodes)
    if rows.prices:
        conn.executemany(_SNAPSHOT_PRICES, rows.prices)
    if rows.boundaries:
        conn.executemany(
            "INSERT OR IGNORE INTO sync_price_boundaries (at, product_id) VALUES (?, ?)",
            rows.boundaries,
        )
    applied.products = len(rows.products)
    applied.kinds = {
        kind: n
        for kind, n in (
            ("product", len(rows.products)),
            ("barcode", len(rows.barcodes)),
            ("price", len(rows.prices)),
            *applied.kinds.items(),
        )
        if n
    }
    return applied


def reprice_due(conn: Connection, *, store_id: str, now: datetime) -> int:
    """Re-project the products whose price in force changed by ``now`` (a start or an end).

    Args:
        conn: the writer's connection, inside a transaction.
        store_id: this till's store.
        now: the moment to resolve prices for.

    Returns:
        How many products were re-projected.
    """
    moment = utc_text(now)
    rows = conn.execute(
        "SELECT DISTINCT product_id FROM sync_price_boundaries WHERE at <= ?", (moment,)
    ).fetchall()
    ids = [row[0] for row in rows]
    if ids:
        _project_items(conn, ids, store_id=store_id, now=now)
        conn.execute("DELETE FROM sync_price_boundaries WHERE at <= ?", (moment,))
    return len(ids)
