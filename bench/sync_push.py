"""Push benchmark: ``./galla bench sync_push`` (``bench/sync_push.py --batches N``).

Starts the real server process (``galla-server serve``) on a fresh PostgreSQL database,
enrols 16 terminals, and pushes realistic sale events (4 lines over a 10,000-product
catalog, GST split, one payment) as 100-event batches with 1, 4 and 16 batches in flight
(one terminal per stream, as tills push), then replays the 4-in-flight batches. Two batches
per terminal warm the server up first and are not counted, and the tables are then analysed:
a server that has run a while has prepared its statements on every pooled connection, and
autovacuum has given the planner statistics. In the same
run it COPYs the same rows (sales, lines, payments, stock movements, applied events) straight
into copies of the tables: the physical limit of "rows into PostgreSQL" on this machine.

Prints events/s, p50/p99 latency per batch, and the ratio to COPY. Targets (issue 4): at
least 20,000 events/s and p99 <= 30 ms with 4 in flight; replays at least as fast as fresh.

PostgreSQL: ``TEST_DATABASE_URL`` (a superuser URL) when set, else an embedded one.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from _support import (
    connect,
    percentile,
    scratch_database,
    server_process,
    wait_until_healthy,
)

from shared.protocol import (
    PROTOCOL_VERSION,
    Event,
    Payment,
    PushBatch,
    SaleCompleted,
    SaleLine,
    ShiftOpened,
    TerminalStatus,
    encode,
)
from sync_server.lib.ids import new_id

RATES = (Decimal(18), Decimal(12), Decimal(5), Decimal(28))
T0 = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
SECRET = "bench-secret-key-0123456789abcdef"
ADMIN = "admin@bench.example"
PASSWORD = "bench password 1"


# ------------------------------------------------------------------ catalog and tills
async def seed(
    url: str, company: uuid.UUID, store: uuid.UUID, products: int
) -> list[tuple[uuid.UUID, uuid.UUID, int, Decimal]]:
    """``products`` products with a price and 1,000 in stock, COPYed in as the owner."""
    conn = await connect(url)
    try:
        now = T0 - timedelta(days=1)
        catalog = []
        product_rows, price_rows, level_rows = [], [], []
        for n in range(products):
            pid, price_id = new_id(), new_id()
            paise = 200 * (1 + n % 400)
            catalog.append((pid, price_id, paise, RATES[n % 4]))
            product_rows.append(
                (company, pid, f"SKU{n:06d}", f"Item {n}", "3401", "pcs", False, True, 1, now)
            )
            price_rows.append((company, price_id, pid, None, 0, paise, now, None, 1))
            level_rows.append((company, store, pid, Decimal(1000), Decimal(0), now))
        await conn.copy_records_to_table(
            "products",
            records=product_rows,
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
            "prices",
            records=price_rows,
            columns=[
                "company_id",
                "id",
                "product_id",
                "store_id",
                "mrp_paise",
                "price_paise",
                "effective_from",
                "effective_to",
                "version",
            ],
        )
        await conn.copy_records_to_table(
            "stock_levels",
            records=level_rows,
            columns=["company_id", "store_id", "product_id", "on_hand", "reserved", "updated_at"],
        )
        # a catalog that has been there a while has planner statistics (autovacuum gathers
        # them within a minute of an import); a never-analysed table gets pathological plans
        await conn.execute("ANALYZE products, prices, stock_levels")
        return catalog
    finally:
        await conn.close()


def sale_event(
    rng: random.Random,
    catalog: list[tuple[uuid.UUID, uuid.UUID, int, Decimal]],
    *,
    seq: int,
    at: datetime,
    till: dict[str, object],
    invoice: int,
) -> Event:
    """A realistic sale: 4 distinct products, quantities 1-3, GST split, one payment."""
    lines = []
    for n, (pid, price_id, paise, rate) in enumerate(rng.sample(catalog, 4), start=1):
        qty = rng.randint(1, 3)
        taxable = paise * qty
        half = int(taxable * rate / 200)
        lines.append(
            SaleLine(
                line_no=n,
                product_id=pid,
                hsn="3401",
                description=f"Item {n}",
                quantity=Decimal(qty),
                unit_price_paise=paise,
                price_includes_tax=False,
                price_id=price_id,
                price_version=1,
                gst_rate=rate,
                taxable_paise=taxable,
                cgst_paise=half,
                sgst_paise=half,
                igst_paise=0,
                total_paise=taxable + 2 * half,
            )
        )
    total = sum(x.total_paise for x in lines)
    cash = rng.random() < 0.6
    pay = Payment(
        tender="cash" if cash else "upi",
        amount_paise=total + (5000 if cash else 0),
        change_given_paise=5000 if cash else 0,
        reference=None if cash else f"UPI{invoice:09d}",
    )
    return Event(
        event_id=new_id(),
        seq=seq,
        occurred_at=at,
        payload=SaleCompleted(
            sale_id=new_id(),
            invoice_number=f"{till['code']}/27/{invoice:06d}",
            store_id=till["store_id"],
            terminal_id=till["terminal_id"],  # type: ignore[arg-type]
            shift_id=till["shift_id"],
            cashier_id=till["cashier_id"],  # type: ignore[arg-type]
            place_of_supply="27",
            inter_state=False,
            lines=tuple(lines),
            taxable_paise=sum(x.taxable_paise for x in lines),
            cgst_paise=sum(x.cgst_paise for x in lines),
            sgst_paise=sum(x.sgst_paise for x in lines),
            igst_paise=0,
            total_paise=total,
            payments=(pay,),
        ),
    )


class Till:
    """One enrolled terminal and the batches it will push."""

    def __init__(self, enrolled: dict[str, str], code: str) -> None:
        self.terminal_id = uuid.UUID(enrolled["terminal_id"])
        self.store_id = uuid.UUID(enrolled["store_id"])
        self.headers = {
            "Authorization": f"Bearer {enrolled['credential']}",
            "Content-Type": "application/json",
        }
        self.code = code
        self.seq = 0
        self.invoice = 0
        self.clock = T0
        self.shift_id = new_id()
        self.cashier_id = new_id()

    def batch(self, events: list[Event]) -> bytes:
        return encode(
            PushBatch(
                protocol_version=PROTOCOL_VERSION,
                terminal_id=self.terminal_id,
                status=TerminalStatus(app_version="1.0.0", queue_depth=len(events), printer="ok"),
                events=tuple(events),
            )
        )

    def make(
        self, rng: random.Random, catalog: list, batches: int, size: int
    ) -> list[tuple[bytes, list[Event]]]:  # type: ignore[type-arg]
        out = []
        ident = {
            "code": self.code,
            "store_id": self.store_id,
            "terminal_id": self.terminal_id,
            "shift_id": self.shift_id,
            "cashier_id": self.cashier_id,
        }
        for _ in range(batches):
            events = []
            for _ in range(size):
                self.seq += 1
                if self.seq == 1:
                    events.append(
                        Event(
                            event_id=new_id(),
                            seq=1,
                            occurred_at=self.clock,
                            payload=ShiftOpened(
                                shift_id=self.shift_id,
                                store_id=self.store_id,
                                terminal_id=self.terminal_id,
                                cashier_id=self.cashier_id,
                                opening_float_paise=0,
                            ),
                        )
                    )
                    continue
                self.invoice += 1
                self.clock += timedelta(seconds=3)
                events.append(
                    sale_event(
                        rng, catalog, seq=self.seq, at=self.clock, till=ident, invoice=self.invoice
                    )
                )
            out.append((self.batch(events), events))
        return out


# ------------------------------------------------------------------ pushing
async def run(
    client: httpx.AsyncClient, streams: list[tuple[Till, list[bytes]]]
) -> tuple[float, list[float], int]:
    """Push each stream's batches in order, streams concurrently: (seconds, latencies, events)."""
    latencies: list[float] = []
    events = 0

    async def stream(till: Till, bodies: list[bytes]) -> None:
        nonlocal events
        for body in bodies:
            started = time.perf_counter()
            response = await client.post("/api/v1/sync/push", content=body, headers=till.headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"push failed: {response.status_code} {response.text[:300]}")
            events += len(response.json()["acks"])

    started = time.perf_counter()
    await asyncio.gather(*(stream(t, b) for t, b in streams))
    return time.perf_counter() - started, latencies, events


# ------------------------------------------------------------------ COPY baseline
async def copy_baseline(
    url: str, company: uuid.UUID, store: uuid.UUID, batches: list[list[Event]], terminal: uuid.UUID
) -> float:
    """COPY the rows the push path writes for ``batches`` into copies of the tables; seconds."""
    sales, lines, payments, movements, applied = [], [], [], [], []
    now = datetime.now(UTC)
    for events in batches:
        for e in events:
            p = e.payload
            applied.append(
                (company, e.event_id, terminal, e.seq, e.kind, '{"status":"applied"}', now)
            )
            if not isinstance(p, SaleCompleted):
                continue
            sales.append(
                (
                    company,
                    p.sale_id,
                    e.event_id,
                    store,
                    terminal,
                    p.shift_id,
                    p.cashier_id,
                    p.invoice_number,
                    "2026-27",
                    e.occurred_at,
                    now,
                    None,
                    None,
                    None,
                    "27",
                    False,
                    0,
                    p.taxable_paise,
                    p.cgst_paise,
                    p.sgst_paise,
                    0,
                    0,
                    p.cgst_paise + p.sgst_paise,
                    0,
                    p.total_paise,
                    [],
                )
            )
            for ln in p.lines:
                lines.append(
                    (
                        company,
                        p.sale_id,
                        ln.line_no,
                        ln.product_id,
                        None,
                        ln.description,
                        ln.hsn,
                        ln.gst_rate,
                        Decimal(0),
                        ln.quantity,
                        ln.unit_price_paise,
                        False,
                        ln.price_id,
                        1,
                        None,
                        0,
                        0,
                        ln.taxable_paise,
                        ln.cgst_paise,
                        ln.sgst_paise,
                        0,
                        0,
                        ln.total_paise,
                    )
                )
                movements.append(
                    (
                        company,
                        new_id(),
                        store,
                        ln.product_id,
                        -ln.quantity,
                        "sale",
                        p.sale_id,
                        e.occurred_at,
                        now,
                    )
                )
            for n, pay in enumerate(p.payments, start=1):
                payments.append(
                    (
                        company,
                        p.sale_id,
                        n,
                        pay.tender,
                        pay.amount_paise,
                        pay.change_given_paise,
                        pay.reference,
                    )
                )
    tables = {
        "applied_events": applied,
        "sales": sales,
        "sale_lines": lines,
        "payments": payments,
        "stock_movements": movements,
    }
    conn = await connect(url)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS bench_copy CASCADE; CREATE SCHEMA bench_copy")
        columns = {}
        for table in tables:
            await conn.execute(
                f"CREATE TABLE bench_copy.{table} (LIKE public.{table} INCLUDING DEFAULTS "
                "INCLUDING INDEXES INCLUDING CONSTRAINTS)"
            )
            columns[table] = [
                r["attname"]
                for r in await conn.fetch(
                    "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass "
                    "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                    f"public.{table}",
                )
            ]
        started = time.perf_counter()
        async with conn.transaction():
            for table, rows in tables.items():
                await conn.copy_records_to_table(
                    table,
                    schema_name="bench_copy",
                    records=rows,
                    columns=_order(table, columns[table]),
                )
        return time.perf_counter() - started
    finally:
        await conn.close()


_COLUMNS = {
    "applied_events": ["company_id", "event_id", "terminal_id", "seq", "kind", "ack", "applied_at"],
    "sales": [
        "company_id",
        "id",
        "event_id",
        "store_id",
        "terminal_id",
        "shift_id",
        "cashier_id",
        "invoice_number",
        "financial_year",
        "occurred_at",
        "received_at",
        "customer_phone",
        "customer_gstin",
        "customer_name",
        "place_of_supply",
        "inter_state",
        "bill_discount_paise",
        "taxable_paise",
        "cgst_paise",
        "sgst_paise",
        "igst_paise",
        "cess_paise",
        "tax_paise",
        "round_off_paise",
        "total_paise",
        "flags",
    ],
    "sale_lines": [
        "company_id",
        "sale_id",
        "line_no",
        "product_id",
        "barcode",
        "description",
        "hsn_code",
        "gst_rate",
        "cess_rate",
        "quantity",
        "unit_price_paise",
        "price_includes_tax",
        "price_id",
        "price_version",
        "price_override_by",
        "discount_paise",
        "bill_discount_paise",
        "taxable_paise",
        "cgst_paise",
        "sgst_paise",
        "igst_paise",
        "cess_paise",
        "total_paise",
    ],
    "payments": [
        "company_id",
        "sale_id",
        "line_no",
        "method",
        "amount_paise",
        "change_given_paise",
        "reference",
    ],
    "stock_movements": [
        "company_id",
        "id",
        "store_id",
        "product_id",
        "quantity",
        "reason",
        "reference_id",
        "occurred_at",
        "recorded_at",
    ],
}


def _order(table: str, existing: list[str]) -> list[str]:
    wanted = _COLUMNS[table]
    missing = set(wanted) - set(existing)
    if missing:
        raise SystemExit(f"bench_copy.{table} lacks {sorted(missing)}: update the benchmark")
    return wanted


# ------------------------------------------------------------------ main
async def bench(args: argparse.Namespace, url: str) -> None:
    with server_process(url, SECRET) as base:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
            await wait_until_healthy(client)
            company, store, auth = await company_and_store(url, client)
            catalog = await seed(url, company, store, args.products)
            tills = [Till(await enrol(client, store, auth), f"B1T{n:02d}") for n in range(16)]
            rng = random.Random(42)
            print(
                f"catalog {args.products:,} products; {args.size}-event batches; "
                f"{args.batches} batches per run",
                flush=True,
            )
            # warm-up, not counted: every pooled connection prepares its statements once, the
            # first pushes fill the server's caches, and autovacuum has analysed the tables of
            # a server that has run a while (never-analysed tables get pathological plans)
            warm = [(t, [b for b, _ in t.make(rng, catalog, 2, args.size)]) for t in tills]
            await run(client, warm)
            await analyse(url)
            rows = []
            plans = {}
            for inflight in (1, 4, 16):
                per = max(1, args.batches // inflight)
                plan = [(t, t.make(rng, catalog, per, args.size)) for t in tills[:inflight]]
                plans[inflight] = plan
                seconds, lat, events = await run(
                    client, [(t, [b for b, _ in bs]) for t, bs in plan]
                )
                rows.append((f"fresh, {inflight:>2} in flight", events, seconds, lat))
            seconds, lat, events = await run(
                client, [(t, [b for b, _ in bs]) for t, bs in plans[4]]
            )
            rows.append(("replay, 4 in flight", events, seconds, lat))
        copy_batches = [evs for _, bs in plans[4] for _, evs in bs]
        copy_events = sum(len(b) for b in copy_batches)
        copy_seconds = await copy_baseline(url, company, store, copy_batches, tills[0].terminal_id)
        copy_rate = copy_events / copy_seconds
        print(f"\n{'run':<22}{'events':>8}{'events/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'vs COPY':>9}")
        for name, events, seconds, lat in rows:
            rate = events / seconds
            print(
                f"{name:<22}{events:>8}{rate:>11,.0f}{statistics.median(lat) * 1000:>9.1f}"
                f"{percentile(lat, 0.99) * 1000:>9.1f}{rate / copy_rate:>8.1%}"
            )
        print(
            f"{'COPY same rows':<22}{copy_events:>8}{copy_rate:>11,.0f}   (the physical limit:"
            f" {copy_seconds * 1000:.0f} ms for the rows of the 4-in-flight run)"
        )
        print("\ntargets: >= 20,000 events/s and p99 <= 30 ms at 4 in flight; replay >= fresh")


async def analyse(url: str) -> None:
    """ANALYZE the database, as autovacuum does on a server that has been running."""
    conn = await connect(url)
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def company_and_store(
    url: str, client: httpx.AsyncClient
) -> tuple[uuid.UUID, uuid.UUID, dict[str, str]]:
    """Make the company with the server's own service, then its store through the API."""
    from sync_server.db.session import Database
    from sync_server.domain.companies.schemas import AdminCreate, CompanyCreate
    from sync_server.domain.companies.services import create_company
    from sync_server.lib.context import AppContext
    from sync_server.settings import ServerSettings

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
                name="Bench",
                slug="bench",
                max_terminals=100,
                admin=AdminCreate(full_name="Bench admin", email=ADMIN, password=PASSWORD),
            ),
        )
    finally:
        await ctx.db.dispose()
    tokens = (
        await client.post("/api/v1/auth/login", json={"email": ADMIN, "password": PASSWORD})
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    made = await client.post(
        "/api/v1/stores",
        json={"code": "B1", "name": "Bench store", "state_code": "27"},
        headers=auth,
    )
    if made.status_code != 201:
        raise SystemExit(f"could not make the store: {made.text}")
    return company.id, uuid.UUID(made.json()["id"]), auth


async def enrol(
    client: httpx.AsyncClient, store: uuid.UUID, auth: dict[str, str]
) -> dict[str, str]:
    """Enrol a terminal the way a till does: a one-time code from the admin, then /enrol."""
    code = (await client.post(f"/api/v1/stores/{store}/enrolment-codes", headers=auth)).json()[
        "code"
    ]
    enrolled = await client.post("/api/v1/terminals/enrol", json={"code": code})
    if enrolled.status_code != 201:
        raise SystemExit(f"could not enrol: {enrolled.text}")
    return dict(enrolled.json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=160, help="batches per run (default 160)")
    parser.add_argument("--size", type=int, default=100, help="events per batch (default 100)")
    parser.add_argument("--products", type=int, default=10_000)
    args = parser.parse_args()
    with scratch_database("push") as url:
        asyncio.run(bench(args, url))


if __name__ == "__main__":
    main()
