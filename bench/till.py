"""Till benchmark: ``./galla bench till`` (``bench/till.py --items N --sales N``).

Prints p50/p99 of barcode lookup + add-to-cart, search-as-you-type, sale commit (with fsync:
WAL + synchronous=FULL), cold start to a usable login screen, and a Z report over N sales.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from desktop.bootstrap import build
from desktop.demo import DEMO_USERS, demo_rates, seed_demo
from desktop.domain.catalog import Item
from desktop.domain.tender import Method, Payment
from desktop.services.auth import Argon2PinHasher
from desktop.services.fakes import FakeClock
from desktop.settings import load_settings
from shared.barcode import gs1_check_digit
from shared.money import Money

IST = timezone(timedelta(hours=5, minutes=30))
WORDS = [
    "rice",
    "atta",
    "dal",
    "oil",
    "soap",
    "salt",
    "tea",
    "milk",
    "biscuit",
    "juice",
    "shampoo",
    "paste",
    "chips",
    "sugar",
]
HSNS = sorted({r.hsn for r in demo_rates()})


os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # headless machines have no display


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report(name: str, samples: list[float], target_ms: float) -> None:
    p50, p99 = pct(samples, 0.5), pct(samples, 0.99)
    verdict = "ok" if p99 <= target_ms else "OVER TARGET"
    print(
        f"{name:<34} p50 {p50:7.3f} ms  p99 {p99:7.3f} ms  (target p99 <= {target_ms} ms) {verdict}"
    )


def barcode(n: int) -> str:
    body = f"890{5000000 + n:09d}"
    return body + str(gs1_check_digit(body))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--sales", type=int, default=10_000)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="galla-bench-"))
    settings = load_settings(data_dir=data, env={})
    clock = FakeClock(datetime(2026, 5, 9, 9, tzinfo=IST))
    till = build(settings, clock=clock, hasher=Argon2PinHasher(1, 8, 1))
    seed_demo(till.store, till.hasher)
    started = time.perf_counter()
    batch = []
    for n in range(args.items):
        name = f"{WORDS[n % len(WORDS)]} {WORDS[(n // 7) % len(WORDS)]} pack {n}"
        item = Item(
            str(uuid.UUID(int=n + 1)),
            f"B{n:06d}",
            name,
            HSNS[n % len(HSNS)],
            Money(1000 + n % 50000),
        )
        batch.append((item, (barcode(n),)))
        if len(batch) == 5000:
            till.store.upsert_items(batch)
            batch = []
    if batch:
        till.store.upsert_items(batch)
    print(f"catalog of {args.items:,} items loaded in {time.perf_counter() - started:.1f} s")

    cashier = DEMO_USERS[0][0]
    till.shifts.open(cashier, Money(0))
    sale = till.new_sale(cashier)
    lookups = []
    for n in range(0, args.items, max(1, args.items // 2000)):
        t0 = time.perf_counter()
        sale.scan(barcode(n))
        sale.invoice()
        lookups.append(time.perf_counter() - t0)
        if len(sale.cart.lines) >= 30:
            sale = till.new_sale(cashier)
    report("barcode lookup + add to cart", lookups, 16)

    searches = []
    for word in WORDS * 20:
        for prefix in (word[:2], word[:3], word, f"{word} pa"):
            t0 = time.perf_counter()
            till.store.search(prefix, 8)
            searches.append(time.perf_counter() - t0)
    report("search-as-you-type (8 results)", searches, 30)

    commits = []
    for n in range(args.sales):
        sale = till.new_sale(cashier)
        sale.scan(barcode(n % args.items))
        sale.scan(barcode((n * 13) % args.items))
        total = sale.invoice().grand_total
        t0 = time.perf_counter()
        sale.complete([Payment(Method.CASH, total)])
        commits.append(time.perf_counter() - t0)
        clock.advance(timedelta(seconds=1))
    report("sale commit (fsync, incl. print)", commits, 10)

    t0 = time.perf_counter()
    z = till.shifts.report()
    elapsed = time.perf_counter() - t0
    print(
        f"{'Z report over ' + format(z.sales_count, ',') + ' sales':<34} "
        f"{elapsed * 1000:9.1f} ms (target <= 1000 ms)"
    )
    till.close()

    code = (
        "import time; t=time.perf_counter();"
        "from pathlib import Path;"
        "from desktop.settings import load_settings; from desktop.bootstrap import build;"
        "from desktop.ui.qt import QApplication; from desktop.ui.main_window import MainWindow;"
        f"till=build(load_settings(data_dir=Path({str(data)!r}), env={{}}));"
        "app=QApplication([]); w=MainWindow(till); w.show(); app.processEvents();"
        "assert w.login.users.count() >= 2;"
        "print(time.perf_counter()-t)"
    )
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    print(
        f"{'cold start to login screen':<34} {wall * 1000:9.1f} ms wall, "
        f"{float(out.stdout.strip()) * 1000:.1f} ms in-process (target <= 1500 ms)"
    )
    print(
        f"samples: {len(lookups)} lookups, {len(searches)} searches, {len(commits)} commits; "
        f"median commit {statistics.median(commits) * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
