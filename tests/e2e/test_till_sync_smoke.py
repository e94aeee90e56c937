"""A till enrols against the real server, pulls its catalog and users, sells, and the server
books the sale: the two halves meet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.fault_proxy import FaultProxy
from tests.e2e.harness import Admin, TillHandle

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_a_till_enrols_sells_and_the_server_books_it(
    admin: Admin, proxy: FaultProxy, tmp_path: Path
) -> None:
    admin.company()
    store = admin.store("BLR1")
    admin.staff("Asha", "1111", "cashier", store)
    admin.staff("Ravi", "9999", "store_manager", store)
    admin.rates({"1905": "18", "0401": "5", "3401": "18"})
    products = admin.catalog(30, [store])
    handle = TillHandle(tmp_path / "till")
    try:
        progress: list[tuple[int, int, bool]] = []
        handle.till.sync.enrol(
            proxy.url, admin.enrolment_code(store), progress=lambda *p: progress.append(p)
        )
        assert progress[-1][2]
        handle.reopen()
        till = handle.till
        assert till.settings.store_code == "BLR1"
        assert till.settings.terminal_code == "01"
        asha = handle.login("Asha", "1111")
        handle.open_shift(asha)
        doc = handle.sell(asha, [(products[0].barcode, 2), (products[1].barcode, 1)])
        assert doc.number.startswith("BLR101/")
        handle.drain()
        [row] = admin.sql("SELECT invoice_number, total_paise FROM sales")
        assert row["invoice_number"] == doc.number
        assert row["total_paise"] == doc.grand_total.paise
        lines = admin.sql("SELECT price_id, price_version FROM sale_lines ORDER BY line_no")
        assert [r["price_id"] for r in lines] == [products[0].price_id, products[1].price_id]
    finally:
        handle.close()
