"""Shared steps of the end-to-end scenarios: a company with two stores, tills, a business day,
and the comparison of what the tills recorded with what the server booked."""

from __future__ import annotations

import os
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from desktop.errors import TillError
from tests.e2e.harness import Admin, Product, TillHandle

#: Sales per till during the offline day; ``GALLA_E2E_SALES`` makes the scenarios bigger.
OFFLINE_SALES = int(os.environ.get("GALLA_E2E_SALES", "200"))
CATALOG_SIZE = 40
SCARCE_ON_HAND = 5
RATES = {"1905": "18", "0401": "5", "3401": "18"}


@dataclass
class Shop:
    """The company the scenarios run in."""

    admin: Admin
    stores: dict[str, uuid.UUID]
    products: list[Product]
    scarce: Product
    pins: dict[str, str] = field(default_factory=dict)


def open_shop(admin: Admin) -> Shop:
    """A company with stores S1 (Karnataka) and S2 (Maharashtra), staff and a catalog.

    Every product has 1,000 on hand in both stores, except the scarce one: 5 in S1.
    """
    admin.company()
    stores = {"S1": admin.store("S1", "29"), "S2": admin.store("S2", "27")}
    pins = {}
    for code, store in stores.items():
        admin.staff(f"Cashier {code}", f"11{code[-1]}1", "cashier", store)
        admin.staff(f"Manager {code}", f"99{code[-1]}9", "store_manager", store)
        pins[f"Cashier {code}"] = f"11{code[-1]}1"
        pins[f"Manager {code}"] = f"99{code[-1]}9"
    admin.rates(RATES)
    products = admin.catalog(CATALOG_SIZE, list(stores.values()))
    scarce = products[-1]
    admin.set_stock(stores["S1"], scarce, SCARCE_ON_HAND)
    return Shop(admin, stores, products[:-1], scarce, pins)


def enrolled_till(shop: Shop, store: str, url: str, data_dir: Path, **options: Any) -> TillHandle:
    """A fresh till enrolled into ``store`` through ``url``."""
    handle = TillHandle(data_dir, **options)
    handle.enrol(url, shop.admin.enrolment_code(shop.stores[store]))
    return handle


@dataclass
class Day:
    """One till's trading, remembered so returns and voids pick real documents."""

    handle: TillHandle
    store: str
    rng: random.Random
    shop: Shop
    invoices: list[Any] = field(default_factory=list)
    returned: set[str] = field(default_factory=set)
    voided: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.cashier = self.handle.login(
            f"Cashier {self.store}", self.shop.pins[f"Cashier {self.store}"]
        )
        self.manager = self.handle.login(
            f"Manager {self.store}", self.shop.pins[f"Manager {self.store}"]
        )

    def start_shift(self) -> None:
        self.handle.open_shift(self.cashier)

    def end_shift(self) -> None:
        self.handle.close_shift(self.cashier)

    def sale(self, extra: list[tuple[str, int]] | None = None) -> Any:
        lines = [
            (self.rng.choice(self.shop.products).barcode, self.rng.randint(1, 3))
            for _ in range(self.rng.randint(1, 4))
        ]
        tender = self.rng.choice(["cash", "cash", "upi", "card"])
        doc = self.handle.sell(self.cashier, lines + (extra or []), tender)
        self.invoices.append(doc)
        return doc

    def refund_one(self) -> Any | None:
        candidates = [
            d
            for d in self.invoices
            if d.number not in self.returned and d.number not in self.voided
        ]
        if not candidates:
            return None
        doc = self.rng.choice(candidates)
        self.returned.add(doc.number)
        return self.handle.refund(self.cashier, self.manager, doc.number, {1: 1})

    def void_last(self) -> Any | None:
        doc = self.invoices[-1]
        if doc.number in self.returned or doc.number in self.voided:
            return None
        try:
            voided = self.handle.void(self.cashier, self.manager, doc.number)
        except TillError:
            return None
        self.voided.add(doc.number)
        return voided

    def trade(self, sales: int, *, scarce_units: int = 0) -> None:
        """``sales`` sales with a refund every 25th, a void every 40th and a shift change
        half-way; ``scarce_units`` of the scarce product go in the first sale."""
        for n in range(1, sales + 1):
            extra = [(self.shop.scarce.barcode, scarce_units)] if n == 1 and scarce_units else None
            self.sale(extra)
            if n % 25 == 0:
                self.refund_one()
            if n % 40 == 0:
                self.void_last()
            if n == sales // 2:
                self.end_shift()
                self.start_shift()


def server_books(admin: Admin, terminal_id: uuid.UUID) -> dict[str, Any]:
    """What the server booked for one terminal, in the shape of :meth:`TillHandle.books`."""
    sales = admin.sql(
        "SELECT count(*) AS n, coalesce(sum(total_paise), 0) AS total,"
        " coalesce(sum(tax_paise), 0) AS tax, count(voided_at) AS voided,"
        " count(DISTINCT invoice_number) AS numbers FROM sales WHERE terminal_id = $1",
        terminal_id,
    )[0]
    credit = admin.sql(
        "SELECT count(*) AS n, coalesce(sum(total_paise), 0) AS total FROM credit_notes"
        " WHERE terminal_id = $1",
        terminal_id,
    )[0]
    payments = {
        r["method"]: int(r["net"])
        for r in admin.sql(
            "SELECT p.method, sum(p.amount_paise - p.change_given_paise) AS net FROM payments p"
            " JOIN sales s ON s.company_id = p.company_id AND s.id = p.sale_id"
            " WHERE s.terminal_id = $1 GROUP BY p.method",
            terminal_id,
        )
    }
    shifts = admin.sql(
        "SELECT count(*) AS n FROM shifts WHERE terminal_id = $1 AND closed_at IS NOT NULL",
        terminal_id,
    )[0]
    assert sales["numbers"] == sales["n"], "an invoice number was booked twice"
    return {
        "sales": sales["n"],
        "sales_total": int(sales["total"]),
        "sales_tax": int(sales["tax"]),
        "voided": sales["voided"],
        "credit_notes": credit["n"],
        "credit_total": int(credit["total"]),
        "payments": payments,
        "shifts_closed": shifts["n"],
    }


def assert_books_match(admin: Admin, handles: list[tuple[str, TillHandle]], shop: Shop) -> None:
    """Sales, payments, GST, credit notes, voids and shifts per till; stock per store."""
    moves: dict[str, dict[str, Decimal]] = {}
    for store, handle in handles:
        mine = handle.books()
        theirs = server_books(admin, uuid.UUID(handle.till.settings.terminal_id))
        for key in (
            "sales",
            "sales_total",
            "sales_tax",
            "voided",
            "credit_notes",
            "credit_total",
            "payments",
            "shifts_closed",
        ):
            assert theirs[key] == mine[key], f"{store} {key}: server {theirs[key]} till {mine[key]}"
        bucket = moves.setdefault(store, {})
        for item, quantity in mine["stock_moves"].items():
            bucket[item] = bucket.get(item, Decimal(0)) + quantity
    for store, bucket in moves.items():
        levels = {
            str(r["product_id"]): Decimal(r["on_hand"])
            for r in admin.sql(
                "SELECT product_id, on_hand FROM stock_levels WHERE store_id = $1",
                shop.stores[store],
            )
        }
        for product in [*shop.products, shop.scarce]:
            start = Decimal(SCARCE_ON_HAND if (product is shop.scarce and store == "S1") else 1000)
            expected = start + bucket.get(str(product.id), Decimal(0))
            assert levels[str(product.id)] == expected, f"{store} {product.sku}"
