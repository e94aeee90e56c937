"""End-to-end harness: a real ``galla-server`` process, its admin side, and real tills.

- :class:`LiveServer` runs ``galla-server serve`` as a subprocess on a free port against a
  fresh migrated PostgreSQL database (the ``db_url`` fixture), and waits for ``/health``.
- :class:`Admin` does what a company admin does (company, store, staff with PINs, enrolment
  codes, catalog with prices and stock, a price change, revocation) through the server's own
  services on a private event loop, recording every catalog change in the change feed the
  tills pull, and reads the books back with plain SQL as the superuser.
- :class:`TillHandle` is a real till (``desktop.bootstrap.build`` on a temp-file SQLite)
  enrolled through a :class:`~tests.e2e.fault_proxy.FaultProxy`, with helpers to sell.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

SECRET = "e2e-secret-key-0123456789abcdef0123"
CHEAP_ARGON2 = {
    "GALLA_ARGON2_TIME_COST": "1",
    "GALLA_ARGON2_MEMORY_KIB": "8",
    "GALLA_ARGON2_PARALLELISM": "1",
}
GALLA_SERVER = Path(sys.executable).with_name("galla-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """``galla-server serve`` in a subprocess."""

    def __init__(self, db_url: str, log: Path) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log_path = log
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> LiveServer:
        env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "GALLA_SECRET_KEY": SECRET,
            "GALLA_HOST": "127.0.0.1",
            "GALLA_PORT": str(self.port),
            "GALLA_MAX_BODY_BYTES": str(4 * 1024 * 1024),
            **CHEAP_ARGON2,
        }
        self._log = self._log_path.open("wb")
        self._proc = subprocess.Popen(
            [str(GALLA_SERVER), "serve"], env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"galla-server exited: {self._log_path.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"galla-server did not start: {self._log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
            self._log.close()


class Loop:
    """An event loop on a thread of its own, for the admin's service calls."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, make: Callable[[], Awaitable[T]]) -> T:
        async def runner() -> T:
            return await make()

        future: Future[T] = asyncio.run_coroutine_threadsafe(runner(), self._loop)
        return future.result(900)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@dataclass(frozen=True)
class Product:
    """A product the admin made, with what a till needs to sell it."""

    id: uuid.UUID
    sku: str
    barcode: str
    hsn: str
    price_id: uuid.UUID
    price_paise: int


def ean13(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


@dataclass
class Admin:
    """A company and its admin, driven through the server's services."""

    db_url: str
    loop: Loop = field(default_factory=Loop)

    def __post_init__(self) -> None:
        from sync_server.db.session import Database
        from sync_server.lib.context import AppContext
        from sync_server.settings import ServerSettings

        settings = ServerSettings(
            database_url=self.db_url,
            secret_key=SECRET,
            argon2_time_cost=1,
            argon2_memory_kib=8,
            argon2_parallelism=1,
        )
        self.ctx = self.loop.run(lambda: self._context(AppContext, Database, settings))
        self.company_id: uuid.UUID | None = None
        self.principal: Any = None

    async def _context(self, context: Any, database: Any, settings: Any) -> Any:
        return context(settings=settings, db=database(settings.database_url, pool_size=2))

    def close(self) -> None:
        self.loop.run(self.ctx.db.dispose)
        self.loop.close()

    # ------------------------------------------------------------------ tenancy
    def company(self, slug: str = "e2e-kirana") -> uuid.UUID:
        from sync_server.domain.companies.schemas import AdminCreate, CompanyCreate
        from sync_server.domain.companies.services import create_company
        from sync_server.lib.ids import new_id
        from sync_server.lib.principal import COMPANY_ADMIN, Principal

        async def work() -> uuid.UUID:
            view = await create_company(
                self.ctx,
                None,
                CompanyCreate(
                    name="E2E Kirana",
                    slug=slug,
                    plan="standard",
                    max_terminals=50,
                    admin=AdminCreate(
                        full_name="Admin", email=f"admin@{slug}.example", password="x" * 12
                    ),
                ),
            )
            return view.id

        self.company_id = self.loop.run(work)

        async def admin_id() -> uuid.UUID:
            from sqlalchemy import select

            from sync_server.db import models as m

            async with self.ctx.db.tenant(self.company_id) as session:
                found = await session.scalar(
                    select(m.Membership.user_id).where(m.Membership.role == COMPANY_ADMIN).limit(1)
                )
                assert found is not None
                return found

        self.principal = Principal(
            account_id=new_id(),
            email=f"admin@{slug}.example",
            family_id=new_id(),
            platform_admin=False,
            company_id=self.company_id,
            user_id=self.loop.run(admin_id),
            roles=frozenset({(COMPANY_ADMIN, None)}),
        )
        return self.company_id

    def store(self, code: str, state: str = "29") -> uuid.UUID:
        from shared.gstin import gstin_check_character
        from sync_server.domain.companies.schemas import StoreCreate
        from sync_server.domain.companies.services import create_store

        first14 = f"{state}AAPFU0939F1Z"
        gstin = first14 + gstin_check_character(first14)
        body = StoreCreate(
            code=code,
            name=f"Store {code}",
            state_code=state,
            gstin=gstin,
            address=f"{code} Main Road",
        )
        view = self.loop.run(lambda: create_store(self.ctx, self.principal, body))
        return view.id

    def staff(self, name: str, pin: str, role: str, store: uuid.UUID) -> uuid.UUID:
        from sync_server.domain.accounts.schemas import RoleGrant, UserCreate
        from sync_server.domain.accounts.services import create_user

        body = UserCreate(full_name=name, pin=pin, roles=[RoleGrant(role=role, store_id=store)])
        view = self.loop.run(lambda: create_user(self.ctx, self.principal, body))
        return view.id

    def enrolment_code(self, store: uuid.UUID) -> str:
        from sync_server.domain.terminals.services import create_enrolment_code

        view = self.loop.run(lambda: create_enrolment_code(self.ctx, self.principal, store))
        return view.code

    def revoke(self, terminal_id: uuid.UUID) -> None:
        from sync_server.domain.terminals.services import revoke_terminal

        self.loop.run(lambda: revoke_terminal(self.ctx, self.principal, terminal_id))

    # ------------------------------------------------------------------ catalog
    def rates(self, rates: dict[str, str]) -> None:
        """GST rates (HSN -> percent), global, recorded in the global feed."""
        from shared.protocol import GstRateData
        from sync_server.db import models as m
        from sync_server.domain.changes.services import Changed, record_global_changes
        from sync_server.lib.ids import new_id

        async def work() -> None:
            now = datetime.now(UTC)
            async with self.ctx.db.platform() as session:
                changes = []
                for hsn, rate in rates.items():
                    rid = new_id()
                    session.add(
                        m.GstRate(
                            id=rid,
                            hsn_prefix=hsn,
                            rate=Decimal(rate),
                            cess=Decimal(0),
                            effective_from=date(2017, 7, 1),
                            effective_to=None,
                            description=hsn,
                        )
                    )
                    changes.append(
                        Changed(
                            "gst_rate",
                            rid,
                            GstRateData(
                                hsn=hsn, rate=Decimal(rate), effective_from=date(2017, 7, 1)
                            ),
                        )
                    )
                await session.flush()
                await record_global_changes(session, changes, now)

        self.loop.run(work)

    def catalog(
        self,
        count: int,
        stores: Sequence[uuid.UUID],
        *,
        on_hand: int = 1000,
        hsns: Sequence[str] = ("1905", "0401", "3401"),
        start_paise: int = 1000,
        since: datetime | None = None,
    ) -> list[Product]:
        """``count`` products with a barcode, a company-wide price and stock in each store."""
        from shared.protocol import BarcodeData, PriceData, ProductData
        from sync_server.db import models as m
        from sync_server.domain.changes.services import Changed, record_changes
        from sync_server.lib.ids import new_id

        assert self.company_id is not None
        company = self.company_id
        start = since or datetime(2025, 4, 1, tzinfo=UTC)
        made: list[Product] = []
        for n in range(count):
            hsn = hsns[n % len(hsns)]
            made.append(
                Product(
                    new_id(),
                    f"SKU{n:06d}",
                    ean13(f"890{n:09d}"),
                    hsn,
                    new_id(),
                    start_paise + 37 * (n % 50),
                )
            )

        async def work() -> None:
            from sqlalchemy.dialects.postgresql import insert

            now = datetime.now(UTC)
            products, barcodes, prices, levels, changes = [], [], [], [], []
            for p in made:
                products.append(
                    {
                        "company_id": company,
                        "id": p.id,
                        "sku": p.sku,
                        "name": f"Item {p.sku}",
                        "hsn_code": p.hsn,
                        "unit": "pcs",
                        "price_includes_tax": True,
                        "active": True,
                        "version": 1,
                        "updated_at": now,
                    }
                )
                bid = new_id()
                barcodes.append(
                    {"company_id": company, "code": p.barcode, "product_id": p.id, "id": bid}
                )
                prices.append(
                    {
                        "company_id": company,
                        "id": p.price_id,
                        "product_id": p.id,
                        "store_id": None,
                        "mrp_paise": p.price_paise,
                        "price_paise": p.price_paise,
                        "effective_from": start,
                        "effective_to": None,
                    }
                )
                for store in stores:
                    levels.append(
                        {
                            "company_id": company,
                            "store_id": store,
                            "product_id": p.id,
                            "on_hand": Decimal(on_hand),
                            "reserved": Decimal(0),
                            "updated_at": now,
                        }
                    )
                changes += [
                    Changed(
                        "product",
                        p.id,
                        ProductData(
                            code=p.sku,
                            name=f"Item {p.sku}",
                            hsn=p.hsn,
                            unit="pcs",
                            price_includes_tax=True,
                        ),
                        1,
                    ),
                    Changed("barcode", bid, BarcodeData(product_id=p.id, code=p.barcode), 1),
                    Changed(
                        "price",
                        p.price_id,
                        PriceData(
                            product_id=p.id, unit_price_paise=p.price_paise, effective_from=start
                        ),
                        1,
                    ),
                ]
            async with self.ctx.db.tenant(company) as session:
                for model, rows in (
                    (m.Product, products),
                    (m.Barcode, barcodes),
                    (m.Price, prices),
                    (m.StockLevel, levels),
                ):
                    for chunk in range(0, len(rows), 2000):
                        await session.execute(insert(model).values(rows[chunk : chunk + 2000]))
                for chunk in range(0, len(changes), 30000):
                    await record_changes(session, company, changes[chunk : chunk + 30000], now)

        self.loop.run(work)
        return made

    def set_stock(self, store: uuid.UUID, product: Product, on_hand: int) -> None:
        self.sql(
            "UPDATE stock_levels SET on_hand = $1 WHERE company_id = $2 AND store_id = $3"
            " AND product_id = $4",
            Decimal(on_hand),
            self.company_id,
            store,
            product.id,
        )

    def change_price(self, product: Product, paise: int, at: datetime) -> Product:
        """Close the product's price at ``at`` and open a new one (both reach the tills)."""
        from shared.protocol import PriceData
        from sync_server.domain.changes.services import Changed, record_changes
        from sync_server.lib.ids import new_id

        company = self.company_id
        assert company is not None
        new = Product(product.id, product.sku, product.barcode, product.hsn, new_id(), paise)

        async def work() -> None:
            from sqlalchemy import text

            async with self.ctx.db.tenant(company) as session:
                old = (
                    await session.execute(
                        text(
                            "UPDATE prices SET effective_to = :at, version = version + 1"
                            " WHERE company_id = :c AND id = :id RETURNING version, effective_from"
                        ),
                        {"at": at, "c": company, "id": product.price_id},
                    )
                ).one()
                await session.execute(
                    text(
                        "INSERT INTO prices (company_id, id, product_id, store_id, mrp_paise,"
                        " price_paise, effective_from, effective_to, version)"
                        " VALUES (:c, :id, :p, NULL, :amount, :amount, :at, NULL, 1)"
                    ),
                    {"c": company, "id": new.price_id, "p": product.id, "amount": paise, "at": at},
                )
                await record_changes(
                    session,
                    company,
                    [
                        Changed(
                            "price",
                            product.price_id,
                            PriceData(
                                product_id=product.id,
                                unit_price_paise=product.price_paise,
                                effective_from=old.effective_from,
                                effective_until=at,
                            ),
                            old.version,
                        ),
                        Changed(
                            "price",
                            new.price_id,
                            PriceData(
                                product_id=product.id, unit_price_paise=paise, effective_from=at
                            ),
                            1,
                        ),
                    ],
                    datetime.now(UTC),
                )

        self.loop.run(work)
        return new

    # ------------------------------------------------------------------ reading the books
    def sql(self, query: str, *args: Any) -> list[Any]:
        import asyncpg

        from sync_server.db.embedded import asyncpg_connect_args

        async def work() -> list[Any]:
            conn = await asyncpg.connect(**asyncpg_connect_args(self.db_url))
            try:
                return list(await conn.fetch(query, *args))
            finally:
                await conn.close()

        return self.loop.run(work)


# ---------------------------------------------------------------------- tills
class TillHandle:
    """A real till in ``data_dir``: built by the composition root, enrolled through a proxy."""

    def __init__(self, data_dir: Path, *, batch_size: int = 100, page_size: int = 5000) -> None:
        self.data_dir = data_dir
        self.batch_size = batch_size
        self.page_size = page_size
        self.till: Any = None
        self.open()

    def open(self) -> Any:
        from desktop.bootstrap import build
        from desktop.services.auth import Argon2PinHasher
        from desktop.services.fakes import FakeDrawer, FakePrinter
        from desktop.settings import load_settings

        settings = load_settings(data_dir=self.data_dir, env={})
        self.till = build(
            settings,
            printer=FakePrinter(),
            drawer=FakeDrawer(),
            hasher=Argon2PinHasher(time_cost=1, memory_cost=8, parallelism=1),
        )
        assert self.till.sync is not None
        self.till.sync._worker_options.update(
            batch_size=self.batch_size, page_size=self.page_size, idle_seconds=0.2
        )
        return self.till

    def close(self) -> None:
        if self.till is not None:
            self.till.close()
            self.till = None

    def reopen(self) -> Any:
        """Close and start again, as after a restart (the enrolled identity now applies)."""
        self.close()
        return self.open()

    def enrol(self, url: str, code: str) -> Any:
        record = self.till.sync.enrol(url, code)
        self.reopen()
        return record

    @property
    def sync(self) -> Any:
        return self.till.sync

    def cycle(self) -> Any:
        return self.till.sync.worker().run_once()

    def drain(self, attempts: int = 200) -> int:
        """Sync until a cycle ends cleanly with nothing left to send; returns cycles run."""
        for n in range(1, attempts + 1):
            cycle = self.cycle()
            if cycle.error is None and self.till.store.outbox_stats().pending == 0:
                return n
        raise AssertionError(f"the till did not drain in {attempts} cycles: {cycle.error}")

    # ------------------------------------------------------------------ people
    def user(self, name_part: str) -> Any:
        [user] = [u for u in self.till.auth.users() if name_part in u.name]
        return user

    def login(self, name_part: str, pin: str) -> Any:
        return self.till.auth.login(self.user(name_part).user_id, pin)

    # ------------------------------------------------------------------ selling
    def sell(self, cashier: Any, lines: Sequence[tuple[str, int]], tender: str = "cash") -> Any:
        from desktop.domain.tender import Method, Payment

        session = self.till.new_sale(cashier)
        for code, quantity in lines:
            session.scan(code, Decimal(quantity))
        total = session.invoice().grand_total
        method = Method(tender)
        reference = None if method is Method.CASH else f"REF{uuid.uuid4().hex[:8]}"
        amount = total
        if method is Method.CASH:
            amount = type(total)(((total.paise + 9999) // 10000) * 10000)  # round note up
        return session.complete([Payment(method, amount, reference)]).document

    def refund(self, cashier: Any, approver: Any, number: str, quantities: dict[int, int]) -> Any:
        return self.till.returns.issue(
            number,
            {k: Decimal(v) for k, v in quantities.items()},
            cashier=cashier,
            approver=approver,
            reason="damaged pack",
        ).document

    def void(self, cashier: Any, approver: Any, number: str) -> Any:
        return self.till.history.void(
            number, cashier=cashier, approver=approver, reason="customer changed mind"
        )

    def open_shift(self, cashier: Any, float_rupees: int = 2000) -> Any:
        from shared.money import Money

        return self.till.shifts.open(cashier, Money.of_rupees(float_rupees))

    def close_shift(self, cashier: Any) -> Any:
        expected = self.till.shifts.report().expected_cash.paise // 100
        counts = {500: expected // 500, 1: expected % 500}
        return self.till.shifts.close(cashier, counts)

    # ------------------------------------------------------------------ the till's own books
    def books(self) -> dict[str, Any]:
        """What this till recorded, read straight from its SQLite file."""
        import sqlite3

        conn = sqlite3.connect(self.data_dir / "till.sqlite3")
        try:
            one = lambda q: conn.execute(q).fetchone()  # noqa: E731
            voided = {r[0] for r in conn.execute("SELECT sale_id FROM voided_sales")}
            sales = conn.execute(
                "SELECT sale_id, total_paise, tax_paise FROM sales WHERE kind = 'sale'"
            ).fetchall()
            credit = one(
                "SELECT count(*), coalesce(sum(total_paise), 0) FROM sales WHERE kind = 'return'"
            )
            moved: dict[str, Decimal] = {}
            for sale_id, kind, item, qty in conn.execute(
                "SELECT s.sale_id, s.kind, l.item_id, l.quantity FROM sale_lines l"
                " JOIN sales s USING (sale_id)"
            ):
                sign = Decimal(-1) if kind == "sale" else Decimal(1)
                if kind == "sale" and sale_id in voided:
                    continue  # a voided sale puts its stock back
                moved[item] = moved.get(item, Decimal(0)) + sign * Decimal(qty)
            payments: dict[str, int] = {}
            # every test sale has one tender, so its net is the sale's total
            for method, amount in conn.execute(
                "SELECT method, total_paise FROM payments JOIN sales USING (sale_id)"
                " WHERE kind = 'sale'"
            ):
                payments[method] = payments.get(method, 0) + amount
            return {
                "sales": len(sales),
                "sales_total": sum(r[1] for r in sales),
                "sales_tax": sum(r[2] for r in sales),
                "voided": len(voided),
                "credit_notes": credit[0],
                "credit_total": credit[1],
                "stock_moves": moved,
                "payments": payments,
                "shifts_closed": one("SELECT count(*) FROM shifts WHERE closed_at IS NOT NULL")[0],
                "events": one("SELECT count(*) FROM outbox WHERE ack IS NOT NULL")[0],
            }
        finally:
            conn.close()
