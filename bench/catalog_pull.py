"""Catalog pull benchmark: ``./galla bench catalog_pull`` (``bench/catalog_pull.py --products N``).

Seeds a catalog of N products (default 100,000), each with an EAN-13 barcode and a
company-wide price, through the CSV import's set-based writer (so every change is in the
feed, as in production), then starts the real server process (``galla-server serve``) and
has an enrolled till pull the whole feed over loopback HTTP, page after page
(``limit=5000``), the way a fresh till does. In the same run it measures the physical
limit: one plain asyncpg ``SELECT`` of the same stored change JSON, and ``COPY ... TO
STDOUT`` of it.

Prints, for gzip and identity transfers: the full-pull time (median and worst of the runs),
per-page latency p50/p99, pages, bytes on the wire and raw, and the ratio to the baseline;
then gzip level 1 vs 6 on the same pages (the server uses 1) and the till-side strict decode.
The TILLSYNC target is a fresh till pulling 100k items in at most 2 s on loopback, so the
server's share must be well under that.

PostgreSQL: ``TEST_DATABASE_URL`` (a superuser URL) when set, else an embedded one.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import io
import os
import statistics
import time
import uuid

import httpx
from _support import (
    connect,
    percentile,
    scratch_database,
    server_process,
    wait_until_healthy,
)

from shared.barcode import gs1_check_digit
from shared.protocol import PullPage, decode

SECRET = "bench-secret-key-0123456789abcdef"
ADMIN = "admin@pullbench.example"
PASSWORD = "bench password 1"
GSTIN = "27AAPFU0939F1ZV"
PAGE = 5000


# ------------------------------------------------------------------ seeding
async def seed(url: str, products: int) -> tuple[uuid.UUID, uuid.UUID, float]:
    """The company, its store, and ``products`` products through the import writer."""
    from sync_server.db.session import Database
    from sync_server.domain.catalog.imports import CatalogRow, write_catalog
    from sync_server.domain.companies.schemas import AdminCreate, CompanyCreate, StoreCreate
    from sync_server.domain.companies.services import create_company, create_store
    from sync_server.lib.context import AppContext
    from sync_server.lib.principal import COMPANY_ADMIN, Principal
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
                name="Pull Bench",
                slug="pull-bench",
                admin=AdminCreate(full_name="Bench admin", email=ADMIN, password=PASSWORD),
            ),
        )
        admin = Principal(
            account_id=uuid.uuid4(),
            email=ADMIN,
            family_id=uuid.uuid4(),
            platform_admin=False,
            company_id=company.id,
            user_id=None,
            roles=frozenset({(COMPANY_ADMIN, None)}),
        )
        store = await create_store(
            ctx,
            admin,
            StoreCreate(code="PB1", name="Bench store", state_code="27", gstin=GSTIN),
        )
        rows = []
        for n in range(products):
            first12 = f"890{n:09d}"
            rows.append(
                CatalogRow(
                    line=n + 2,
                    sku=f"SKU{n:06d}",
                    name=f"Bench item {n} {'family pack' if n % 3 else 'regular'}",
                    hsn=("1006", "3401", "1905", "2202")[n % 4],
                    unit="pcs",
                    price_includes_tax=True,
                    mrp_paise=500 + (n % 2000) * 25,
                    price_paise=450 + (n % 2000) * 25,
                    barcodes=(first12 + str(gs1_check_digit(first12)),),
                )
            )
        started = time.perf_counter()
        async with ctx.db.tenant(company.id) as session:
            await write_catalog(session, company.id, rows, ctx.clock())
        return company.id, store.id, time.perf_counter() - started
    finally:
        await ctx.db.dispose()


# ------------------------------------------------------------------ pulling
async def enrol(client: httpx.AsyncClient, store: uuid.UUID) -> dict[str, str]:
    tokens = (
        await client.post("/api/v1/auth/login", json={"email": ADMIN, "password": PASSWORD})
    ).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    code = (await client.post(f"/api/v1/stores/{store}/enrolment-codes", headers=auth)).json()
    enrolled = await client.post("/api/v1/terminals/enrol", json={"code": code["code"]})
    if enrolled.status_code != 201:
        raise SystemExit(f"could not enrol: {enrolled.text}")
    return {"Authorization": f"Bearer {enrolled.json()['credential']}"}


async def full_pull(
    client: httpx.AsyncClient, auth: dict[str, str], encoding: str
) -> tuple[float, list[float], int, int, list[bytes]]:
    """Pull every page: (seconds, page latencies, wire bytes, changes, raw page bodies)."""
    headers = {**auth, "Accept-Encoding": encoding}
    cursor: str | None = None
    latencies, bodies = [], []
    wire = changes = 0
    started = time.perf_counter()
    while True:
        params: dict[str, str | int] = {"limit": PAGE}
        if cursor is not None:
            params["cursor"] = cursor
        began = time.perf_counter()
        response = await client.get("/api/v1/sync/pull", params=params, headers=headers)
        latencies.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise SystemExit(f"pull failed: {response.status_code} {response.text[:300]}")
        wire += response.num_bytes_downloaded
        body = response.content
        bodies.append(body)
        # the cursor is all a till needs to go on; a full decode is measured apart below
        tail = body[body.rindex(b'"next_cursor":') :]
        cursor = tail.split(b'"')[3].decode()
        if tail.endswith(b'"has_more":false}'):
            break
    seconds = time.perf_counter() - started
    for body in bodies:
        changes += body.count(b'"entity":')
    return seconds, latencies, wire, changes, bodies


async def in_process(url: str, company: uuid.UUID, store: uuid.UUID) -> tuple[float, int]:
    """The server's share without HTTP: every page through ``read_page``; (seconds, pages)."""
    from sync_server.db.session import Database
    from sync_server.domain.changes.services import read_page

    db = Database(url)
    try:
        cursor, pages = None, 0
        started = time.perf_counter()
        while True:
            async with db.tenant(company) as session:
                page = await read_page(
                    session, SECRET.encode(), company, store, cursor=cursor, limit=PAGE
                )
            pages += 1
            cursor = page.next_cursor
            if not page.has_more:
                return time.perf_counter() - started, pages
    finally:
        await db.dispose()


async def baseline(url: str, company: uuid.UUID) -> tuple[float, float, int]:
    """Plain SELECT and COPY TO of the same stored change JSON: (select s, copy s, bytes)."""
    conn = await connect(url)
    try:
        query = f"SELECT change::text FROM change_log WHERE company_id = '{company}' ORDER BY seq"
        started = time.perf_counter()
        rows = await conn.fetch(query)
        select_seconds = time.perf_counter() - started
        size = sum(len(r[0]) for r in rows)
        sink = io.BytesIO()
        started = time.perf_counter()
        await conn.copy_from_query(query, output=sink)
        copy_seconds = time.perf_counter() - started
        return select_seconds, copy_seconds, size
    finally:
        await conn.close()


# ------------------------------------------------------------------ main
async def bench(args: argparse.Namespace, url: str) -> None:
    company, store, seed_seconds = await seed(url, args.products)
    print(
        f"seeded {args.products:,} products + barcodes + prices ({3 * args.products:,} feed "
        f"changes) through the import writer in {seed_seconds:.1f} s",
        flush=True,
    )
    with server_process(url, SECRET) as base:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            await wait_until_healthy(client)
            auth = await enrol(client, store)
            await full_pull(client, auth, "gzip")  # warm up caches and the connection
            runs: dict[str, list[tuple[float, list[float], int, int, list[bytes]]]] = {}
            for encoding in ("gzip", "identity"):
                runs[encoding] = [await full_pull(client, auth, encoding) for _ in range(args.runs)]
        select_s, copy_s, stored = await baseline(url, company)
        inside = [(await in_process(url, company, store))[0] for _ in range(args.runs)]
        print(
            f"\n{'full pull':<16}{'median s':>9}{'worst s':>9}{'pages':>7}{'changes':>9}"
            f"{'page p50':>10}{'page p99':>10}{'wire MB':>9}{'raw MB':>8}{'vs SELECT':>10}"
        )
        for encoding, results in runs.items():
            totals = [r[0] for r in results]
            pages = [lat for r in results for lat in r[1]]
            _, _, wire, changes, bodies = results[0]
            raw = sum(len(b) for b in bodies)
            print(
                f"{encoding:<16}{statistics.median(totals):>9.3f}{max(totals):>9.3f}"
                f"{len(bodies):>7}{changes:>9,}{statistics.median(pages) * 1000:>8.1f}ms"
                f"{percentile(pages, 0.99) * 1000:>8.1f}ms{wire / 1e6:>9.2f}{raw / 1e6:>8.2f}"
                f"{statistics.median(totals) / select_s:>9.1f}x"
            )
        print(
            f"{'baseline SELECT':<16}{select_s:>9.3f}   (asyncpg fetch of the same "
            f"{stored / 1e6:.1f} MB of stored change JSON, one query)"
        )
        print(f"{'baseline COPY':<16}{copy_s:>9.3f}   (COPY (same query) TO STDOUT)")
        print(
            f"{'server share':<16}{statistics.median(inside):>9.3f}{max(inside):>9.3f}   "
            f"(every page through read_page in-process, no HTTP, no gzip; "
            f"{statistics.median(inside) / select_s:.1f}x SELECT)"
        )
        bodies = runs["identity"][0][4]
        print(f"\n{'gzip of all pages':<20}{'seconds':>9}{'MB':>8}{'ratio':>7}")
        raw = sum(len(b) for b in bodies)
        for level in (1, 6):
            started = time.perf_counter()
            size = sum(len(gzip.compress(b, compresslevel=level, mtime=0)) for b in bodies)
            print(
                f"{'level ' + str(level):<20}{time.perf_counter() - started:>9.3f}"
                f"{size / 1e6:>8.2f}{size / raw:>7.1%}"
            )
        started = time.perf_counter()
        decoded = sum(len(decode(b, PullPage).changes) for b in bodies)
        print(
            f"\ntill-side strict decode of {decoded:,} changes (shared.protocol.decode, "
            f"PullPage): {time.perf_counter() - started:.3f} s"
        )
        load = os.getloadavg()
        print(
            f"load average during the run {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} "
            "CPUs (server, client and PostgreSQL share them)"
        )
        print("target: a fresh till pulls 100k items in <= 2 s on loopback (server share above)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="full pulls per encoding")
    args = parser.parse_args()
    with scratch_database("pull") as url:
        asyncio.run(bench(args, url))


if __name__ == "__main__":
    main()
