"""Reservation benchmark: ``./galla bench stock_reservations`` (``--count N --rounds R``).

Runs the reservation service (``sync_server.domain.stock.services.reserve``: one pool
checkout and one ``stock_reserve`` statement, its own transaction under row-level security:
the reservation row by client id, its lines, the conditional take on each level row) against
a fresh PostgreSQL database, in process (no HTTP), with 1, 8 and 32 requests in flight:

* **hot**: every reservation takes 1 unit of the same product in the same store;
* **spread**: each takes 1 unit of one of 10,000 products; **spread x3** takes 3 products at
  once (locked in key order), the case that would deadlock without a fixed lock order.

Deadlocks are counted from ``pg_stat_database`` over each run. The physical-limit baseline,
measured in the same run and concurrency, is the bare statement a reservation cannot do
without: one autocommitted conditional ``UPDATE stock_levels SET reserved = reserved + 1
WHERE ... AND on_hand - reserved >= 1`` through asyncpg.

The reservation rows above call the service in process (no HTTP): what the database path
costs. The **hot over HTTP** rows then start the real server (``galla-server serve``) and
POST the same hot reservations to ``/api/v1/reservations`` as an enrolled till (its
credential authenticated on every request, as in production), 8 and 32 in flight, against
the same bare-UPDATE baseline. The hot target is judged on the service rows.

Then it times the cleanup (``expire_reservations``) of 10,000 expired reservations, against
the baseline of one ``UPDATE`` flipping their 10,000 lines.

Prints medians over the rounds (rates, p50/p99 per request) and the ratio to the baseline.
Targets (issue 8): at least 1,000 reservations/s on the hot product, zero deadlocks, and the
cleanup of 10,000 expired reservations in at most 1 s.

PostgreSQL: ``TEST_DATABASE_URL`` (a superuser URL) when set, else an embedded one.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import httpx
import msgspec
from _support import (
    connect,
    percentile,
    scratch_database,
    server_process,
    wait_until_healthy,
)

from sync_server.db.embedded import asyncpg_connect_args
from sync_server.db.session import Database
from sync_server.domain.companies.schemas import AdminCreate, CompanyCreate
from sync_server.domain.companies.services import create_company
from sync_server.domain.stock.schemas import ReservationCreate, ReservationLineIn
from sync_server.domain.stock.services import expire_reservations, reserve
from sync_server.lib.context import AppContext
from sync_server.lib.ids import new_id
from sync_server.lib.principal import COMPANY_ADMIN, Principal
from sync_server.settings import ServerSettings

T0 = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
PRODUCTS = 10_000
HOT_STOCK = 10**9
SPREAD_STOCK = 10**6


async def seed(url: str) -> tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    """A company, one store, 10,000 products with stock (the first is the hot one)."""
    company, store = new_id(), new_id()
    products = [new_id() for _ in range(PRODUCTS)]
    conn = await connect(url)
    try:
        await conn.execute(
            "INSERT INTO companies (id, name, slug, status, plan, max_stores, max_terminals, "
            "max_users, created_at, updated_at) VALUES ($1, 'Bench', 'bench', 'active', "
            "'standard', 10, 10, 10, $2, $2)",
            company,
            T0,
        )
        await conn.execute(
            "INSERT INTO stores (company_id, id, code, name, gstin, state_code, address, active,"
            " created_at, updated_at) VALUES ($1, $2, 'S1', 'Store', NULL, '27', '', true, $3, $3)",
            company,
            store,
            T0,
        )
        await conn.copy_records_to_table(
            "products",
            records=[
                (company, p, f"SKU{i:05d}", f"Product {i}", "1905", "pcs", True, True, 1, T0)
                for i, p in enumerate(products)
            ],
            columns=[
                "company_id",
                "id",
                "sku",
                "name",
                "hsn_code",
                "unit",
                "price_includes_tax",
                "active",
                "version",
                "updated_at",
            ],
        )
        await conn.copy_records_to_table(
            "stock_levels",
            records=[
                (company, store, p, Decimal(HOT_STOCK if i == 0 else SPREAD_STOCK), Decimal(0), T0)
                for i, p in enumerate(products)
            ],
            columns=["company_id", "store_id", "product_id", "on_hand", "reserved", "updated_at"],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return company, store, products


async def deadlocks(url: str) -> int:
    """Deadlocks PostgreSQL has counted in this database so far."""
    conn = await connect(url)
    try:
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        return int(
            await conn.fetchval(
                "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
            )
        )
    finally:
        await conn.close()


async def drive(
    calls: list[Callable[[], Awaitable[object]]], in_flight: int
) -> tuple[float, list[float]]:
    """Run ``calls`` with ``in_flight`` at a time; returns (calls per second, latencies)."""
    latencies: list[float] = []
    queue = iter(calls)

    async def worker() -> None:
        for call in queue:
            began = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return len(calls) / (time.perf_counter() - began), latencies


class Bench:
    """The world one run needs: settings, a company, its store and products."""

    def __init__(
        self, url: str, company: uuid.UUID, store: uuid.UUID, products: list[uuid.UUID]
    ) -> None:
        self.url = url
        self.company = company
        self.store = store
        self.products = products
        self.actor = Principal(
            account_id=new_id(),
            email="admin@bench.example",
            family_id=new_id(),
            platform_admin=False,
            company_id=company,
            user_id=None,
            roles=frozenset({(COMPANY_ADMIN, None)}),
        )
        self.rng = random.Random(7)

    def body(self, products: list[uuid.UUID]) -> ReservationCreate:
        return ReservationCreate(
            id=uuid.uuid4(),
            store_id=self.store,
            reference="bench",
            ttl_seconds=900,
            lines=[ReservationLineIn(product_id=p, quantity=Decimal(1)) for p in products],
        )

    def bodies(self, kind: str, count: int) -> list[ReservationCreate]:
        if kind == "hot":
            return [self.body([self.products[0]]) for _ in range(count)]
        width = 3 if kind == "spread x3" else 1
        return [self.body(self.rng.sample(self.products[1:], width)) for _ in range(count)]

    async def reservations(
        self, kind: str, count: int, in_flight: int
    ) -> tuple[float, list[float], int]:
        """Reservations per second, latencies and deadlocks for one run."""
        settings = ServerSettings(database_url=self.url)
        db = Database(self.url, pool_size=in_flight)
        ctx = AppContext(settings=settings, db=db, clock=lambda: T0)
        bodies = self.bodies(kind, count)
        await reserve(ctx, self.actor, self.body([self.products[0]]))  # warm the pool's path
        before = await deadlocks(self.url)
        try:
            rate, latencies = await drive(
                [lambda b=b: reserve(ctx, self.actor, b) for b in bodies], in_flight
            )
        finally:
            await db.dispose()  # backends exit and flush their statistics
        await asyncio.sleep(0.2)
        return rate, latencies, await deadlocks(self.url) - before

    async def baseline(self, kind: str, count: int, in_flight: int) -> float:
        """Bare autocommitted conditional UPDATEs per second (the physical limit)."""
        pool = await asyncpg.create_pool(
            **asyncpg_connect_args(self.url), min_size=in_flight, max_size=in_flight
        )
        assert pool is not None
        sql = (
            "UPDATE stock_levels SET reserved = reserved + 1 WHERE company_id = $1 "
            "AND store_id = $2 AND product_id = $3 AND on_hand - reserved >= 1"
        )
        targets = [
            self.products[0] if kind == "hot" else self.rng.choice(self.products[1:])
            for _ in range(count)
        ]
        try:
            rate, _ = await drive(
                [lambda p=p: pool.execute(sql, self.company, self.store, p) for p in targets],
                in_flight,
            )
        finally:
            await pool.close()
        return rate

    async def expired(self, count: int) -> None:
        """Make ``count`` held reservations (1 line each, spread) that expired at T0."""
        conn = await connect(self.url)
        try:
            ids = [new_id() for _ in range(count)]
            products = [self.rng.choice(self.products[1:]) for _ in range(count)]
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "reservations",
                    records=[
                        (
                            self.company,
                            r,
                            self.store,
                            "hold",
                            "bench",
                            "held",
                            "0" * 64,
                            T0 - timedelta(minutes=1),
                            T0 - timedelta(minutes=16),
                            T0 - timedelta(minutes=16),
                        )
                        for r in ids
                    ],
                    columns=[
                        "company_id",
                        "id",
                        "store_id",
                        "kind",
                        "reference",
                        "status",
                        "fingerprint",
                        "expires_at",
                        "created_at",
                        "updated_at",
                    ],
                )
                await conn.copy_records_to_table(
                    "reservation_lines",
                    records=[
                        (
                            self.company,
                            r,
                            p,
                            self.store,
                            Decimal(1),
                            True,
                            T0 - timedelta(minutes=1),
                        )
                        for r, p in zip(ids, products, strict=True)
                    ],
                    columns=[
                        "company_id",
                        "reservation_id",
                        "product_id",
                        "store_id",
                        "quantity",
                        "held",
                        "expires_at",
                    ],
                )
                await conn.execute(
                    "UPDATE stock_levels AS s SET reserved = s.reserved + c.n FROM ("
                    " SELECT product_id, count(*) AS n FROM unnest($1::uuid[]) AS product_id"
                    " GROUP BY product_id) AS c"
                    " WHERE s.company_id = $2 AND s.store_id = $3 AND s.product_id = c.product_id",
                    products,
                    self.company,
                    self.store,
                )
            await conn.execute("ANALYZE reservations, reservation_lines")
        finally:
            await conn.close()

    async def cleanup(self, count: int) -> tuple[float, float, int]:
        """Seconds to clean ``count`` expired reservations, and the bare-UPDATE baseline."""
        await self.expired(count)
        conn = await connect(self.url)
        try:  # baseline: flip the lines in one statement, then take that back
            undo = conn.transaction()
            await undo.start()
            began = time.perf_counter()
            await conn.execute(
                "UPDATE reservation_lines SET held = false WHERE company_id = $1 AND held",
                self.company,
            )
            floor = time.perf_counter() - began
            await undo.rollback()
        finally:
            await conn.close()
        db = Database(self.url, pool_size=2)
        try:
            began = time.perf_counter()
            done = await expire_reservations(db, T0)
            seconds = time.perf_counter() - began
        finally:
            await db.dispose()
        return seconds, floor, done.expired


SECRET = "bench-secret-key-0123456789abcdef"
ADMIN = "admin@stock-bench.example"
PASSWORD = "bench password 1"


async def http_world(url: str, client: httpx.AsyncClient) -> tuple[Bench, dict[str, str]]:
    """A second company made the server's way (admin, store, an enrolled till) with one hot
    product; returns its bench world and the till's ``Authorization`` header."""
    settings = ServerSettings(
        database_url=url,
        secret_key=SECRET,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
    )
    ctx = AppContext(settings=settings, db=Database(url))
    try:
        company = await create_company(
            ctx,
            None,
            CompanyCreate(
                name="Bench HTTP",
                slug="bench-http",
                admin=AdminCreate(full_name="Bench admin", email=ADMIN, password=PASSWORD),
            ),
        )
    finally:
        await ctx.db.dispose()
    tokens = await client.post("/api/v1/auth/login", json={"email": ADMIN, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    made = await client.post(
        "/api/v1/stores", json={"code": "H1", "name": "Hot store", "state_code": "27"}, headers=auth
    )
    if made.status_code != 201:
        raise SystemExit(f"could not make the store: {made.text}")
    store, product = uuid.UUID(made.json()["id"]), new_id()
    code = await client.post(f"/api/v1/stores/{store}/enrolment-codes", headers=auth)
    enrolled = await client.post("/api/v1/terminals/enrol", json={"code": code.json()["code"]})
    if enrolled.status_code != 201:
        raise SystemExit(f"could not enrol a till: {enrolled.text}")
    till = {"Authorization": f"Bearer {enrolled.json()['credential']}"}
    conn = await connect(url)
    try:
        await conn.execute(
            "INSERT INTO products (company_id, id, sku, name, hsn_code, unit, "
            "price_includes_tax, active, version, updated_at) "
            "VALUES ($1, $2, 'HOT', 'Hot product', '1905', 'pcs', true, true, 1, $3)",
            company.id,
            product,
            T0,
        )
        await conn.execute(
            "INSERT INTO stock_levels (company_id, store_id, product_id, on_hand, reserved, "
            "updated_at) VALUES ($1, $2, $3, $4, 0, $5)",
            company.id,
            store,
            product,
            Decimal(HOT_STOCK),
            T0,
        )
    finally:
        await conn.close()
    return Bench(url, company.id, store, [product]), till


async def over_http(
    url: str, count: int, rounds: int
) -> list[tuple[int, float, float, float, int, float]]:
    """(in flight, res/s, p50 ms, p99 ms, deadlocks, bare UPDATE/s): hot holds over HTTP."""
    rows = []
    with server_process(url, SECRET) as base:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
            await wait_until_healthy(client)
            bench, auth = await http_world(url, client)

            async def post(body: ReservationCreate) -> None:
                answer = await client.post(
                    "/api/v1/reservations",
                    content=msgspec.json.encode(body),
                    headers={**auth, "Content-Type": "application/json"},
                )
                if answer.status_code != 201:
                    raise SystemExit(f"reservation refused: {answer.text}")

            await post(bench.body(bench.products))  # warm the server's pool
            for in_flight in (8, 32):
                rates, p50s, p99s, floors = [], [], [], []
                before = await deadlocks(url)
                for _ in range(rounds):
                    bodies = bench.bodies("hot", count)
                    rate, latencies = await drive([lambda b=b: post(b) for b in bodies], in_flight)
                    rates.append(rate)
                    p50s.append(percentile(latencies, 0.5) * 1000)
                    p99s.append(percentile(latencies, 0.99) * 1000)
                    floors.append(await bench.baseline("hot", count, in_flight))
                await asyncio.sleep(1.2)  # the server's backends flush their statistics
                rows.append(
                    (
                        in_flight,
                        statistics.median(rates),
                        statistics.median(p50s),
                        statistics.median(p99s),
                        await deadlocks(url) - before,
                        statistics.median(floors),
                    )
                )
    return rows


async def run(args: argparse.Namespace, url: str) -> None:
    company, store, products = await seed(url)
    bench = Bench(url, company, store, products)
    print(f"reservations: {args.count} per run, {args.rounds} rounds, medians shown")
    print(
        f"{'case':<11} {'in flight':>9} {'res/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'deadlocks':>9} {'bare UPDATE/s':>14} {'ratio':>6}"
    )
    hot_best = 0.0
    total_deadlocks = 0
    for kind in ("hot", "spread", "spread x3"):
        for in_flight in (1, 8, 32):
            rates, p50s, p99s, floors, dead_here = [], [], [], [], 0
            for _ in range(args.rounds):
                rate, latencies, dead = await bench.reservations(kind, args.count, in_flight)
                rates.append(rate)
                p50s.append(percentile(latencies, 0.5) * 1000)
                p99s.append(percentile(latencies, 0.99) * 1000)
                dead_here += dead
                floors.append(await bench.baseline(kind, args.count, in_flight))
            total_deadlocks += dead_here
            rate, floor = statistics.median(rates), statistics.median(floors)
            if kind == "hot":
                hot_best = max(hot_best, rate)
            print(
                f"{kind:<11} {in_flight:>9} {rate:>9.0f} {statistics.median(p50s):>8.2f} "
                f"{statistics.median(p99s):>8.2f} {dead_here:>9} {floor:>14.0f} "
                f"{rate / floor:>6.2f}"
            )
    for in_flight, rate, p50, p99, dead, floor in await over_http(url, args.count, args.rounds):
        total_deadlocks += dead
        print(
            f"{'hot HTTP':<11} {in_flight:>9} {rate:>9.0f} {p50:>8.2f} {p99:>8.2f} "
            f"{dead:>9} {floor:>14.0f} {rate / floor:>6.2f}"
        )
    seconds, floors, counts = [], [], []
    for _ in range(args.rounds):
        took, floor, cleaned = await bench.cleanup(args.expired)
        seconds.append(took)
        floors.append(floor)
        counts.append(cleaned)
    took, floor = statistics.median(seconds), statistics.median(floors)
    print(
        f"cleanup of {statistics.median(counts):.0f} expired reservations: {took:.3f} s "
        f"(bare UPDATE of their lines: {floor:.3f} s, ratio {took / floor:.1f})"
    )
    verdicts = [
        ("hot reservations/s >= 1000", hot_best >= 1000),
        ("zero deadlocks", total_deadlocks == 0),
        ("cleanup of 10,000 <= 1 s", took <= 1.0),
    ]
    for name, ok in verdicts:
        print(f"target {name}: {'ok' if ok else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="reservations per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per case (median shown)")
    parser.add_argument("--expired", type=int, default=10_000, help="expired reservations")
    args = parser.parse_args()
    with scratch_database("reserve") as url:
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()
