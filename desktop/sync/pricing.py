"""Citing the server price a sale line was charged at (``price_id`` + ``price_version``).

The server flags a sale at a superseded price by the price record each line cites
(DESIGN.md, conflict rules). The till's sale engine prices lines from ``items.price_paise``,
which the pull projected from one ``sync_prices`` row; :class:`PriceCitingStore` wraps the
till store so that, inside the very transaction that commits a sale, every line that was not
overridden cites the pulled price record that charges exactly its unit price for this store
at the sale's moment (the one in force then first; else the latest that started before; a
closed record still matches, so a sale rung up just before a price change cites the old
record, and the server sees it was superseded). A line no record explains (an open price, a
price-embedded label) cites none, as the protocol allows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast
from uuid import UUID

import msgspec

from desktop.store.connection import connect
from desktop.sync.apply import utc_text
from shared.protocol import SaleCompleted

__all__ = ("PriceCitingStore", "cite_prices", "citing_prices")

T = TypeVar("T")


def cite_prices(conn: Any, sale: SaleCompleted, *, store_id: str, at: datetime) -> SaleCompleted:
    """``sale`` with each un-overridden line citing the pulled price record it was charged at.

    Args:
        conn: a connection to the till database.
        sale: the sale as the engine built it.
        store_id: this till's store.
        at: the moment of the sale.

    Returns:
        The sale, with ``price_id``/``price_version`` filled where a record matches.
    """
    moment = utc_text(at)
    lines = []
    changed = False
    for line in sale.lines:
        if line.price_id is not None or line.price_override_by is not None:
            lines.append(line)
            continue
        row = conn.execute(
            "SELECT entity_id, version FROM sync_prices WHERE product_id = ?"
            " AND unit_price_paise = ? AND (store_id = ? OR store_id IS NULL)"
            " AND effective_from <= ?"
            " ORDER BY (effective_until IS NOT NULL AND effective_until <= ?),"
            " store_id IS NULL, effective_from DESC LIMIT 1",
            (str(line.product_id), line.unit_price_paise, store_id, moment, moment),
        ).fetchone()
        if row is None:
            lines.append(line)
            continue
        lines.append(msgspec.structs.replace(line, price_id=UUID(row[0]), price_version=row[1]))
        changed = True
    return msgspec.structs.replace(sale, lines=tuple(lines)) if changed else sale


class PriceCitingStore:
    """The till store, with sale events citing their price records.

    Every attribute is the wrapped store's, except :meth:`commit_document`, whose event
    payload gets :func:`cite_prices` applied inside the same transaction.

    Args:
        store: the till store (a :class:`~desktop.store.sqlite_store.SqliteStore`).
        store_id: this till's store.
    """

    def __init__(self, store: Any, store_id: str) -> None:
        self._inner = store
        self._store_id = store_id
        self._path: Path = store.path

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def commit_document(
        self,
        series_kind: str,
        on: datetime,
        build: Callable[[str], Any],
        payload: Callable[[Any], Any],
        audits: Any = (),
    ) -> Any:
        """Commit as the store does, citing price records on a ``SaleCompleted`` payload."""

        def cited(document: Any) -> Any:
            event = payload(document)
            if isinstance(event, SaleCompleted):
                # a connection of its own for the lookup (committed data; WAL lets it read
                # while the writer holds the sale's transaction), closed at once
                conn = connect(self._path)
                try:
                    event = cite_prices(conn, event, store_id=self._store_id, at=on)
                finally:
                    conn.close()
            return event

        return self._inner.commit_document(series_kind, on, build, cited, audits)


def citing_prices(store: T, store_id: str) -> T:
    """``store`` wrapped in a :class:`PriceCitingStore`, typed as the store itself."""
    return cast(T, PriceCitingStore(store, store_id))
