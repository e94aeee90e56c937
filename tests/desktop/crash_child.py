"""A till process that sells in a loop until it is killed (used by test_crash.py).

Prints ``committed <number> <sale_id>`` after each sale is committed, flushing at once, so
the parent knows every sale the till reported as complete.
"""

from __future__ import annotations

import sys
from pathlib import Path

from desktop.bootstrap import build
from desktop.demo import DEMO_USERS, ean13, seed_demo
from desktop.domain.tender import Method, Payment
from desktop.services.auth import Argon2PinHasher
from desktop.settings import load_settings
from shared.money import Money


def main(data_dir: str) -> None:
    settings = load_settings(data_dir=Path(data_dir), env={})
    till = build(settings, hasher=Argon2PinHasher(time_cost=1, memory_cost=8, parallelism=1))
    seed_demo(till.store, till.hasher)
    cashier = DEMO_USERS[0][0]
    till.auth.login(cashier.user_id, "1234")
    if till.shifts.current() is None:
        till.shifts.open(cashier, Money(100000))
    print("ready", flush=True)
    serial = 0
    while True:
        serial += 1
        sale = till.new_sale(cashier)
        sale.scan(ean13(1 + serial % 40))
        sale.scan(ean13(1 + (serial * 7) % 40))
        total = sale.invoice().grand_total
        doc = sale.complete([Payment(Method.CASH, total + Money(1000))]).document
        sys.stdout.write(f"committed {doc.number} {doc.sale_id}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
