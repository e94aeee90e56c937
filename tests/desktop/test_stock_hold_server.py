"""A real till checks, holds and releases stock on a real ``galla-server`` (fresh PostgreSQL).

The server, its database and its admin come from the end-to-end harness (tests/e2e); the
till is built by the composition root and enrolled with a one-time code, so the stock
screen's service talks to the server exactly as it does in a shop.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.services.stock_hold import (
    OFFLINE_MESSAGE,
    Checked,
    Held,
    Offline,
    Refused,
    Released,
    StockHolds,
    quantity_text,
)
from tests.e2e import conftest as e2e
from tests.e2e.harness import Admin, LiveServer, TillHandle

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# the harness's fixtures, reused as they are (template_db and db_url come from tests/conftest.py)
live_server = e2e.live_server
admin = e2e.admin


def level(stock: StockHolds, product_id: str) -> tuple[str, str, str]:
    """(on hand, reserved, available) as the screen shows them."""
    checked = stock.check(product_id)
    assert isinstance(checked, Checked), checked
    lv = checked.level
    return quantity_text(lv.on_hand), quantity_text(lv.reserved), quantity_text(lv.available)


def test_check_hold_availability_drops_release_against_the_real_server(
    admin: Admin, live_server: LiveServer, tmp_path: Path
) -> None:
    admin.company()
    store = admin.store("BLR1")
    admin.rates({"1905": "18", "0401": "5", "3401": "18"})
    [rice, _other] = admin.catalog(2, [store])
    admin.set_stock(store, rice, 5)
    handle = TillHandle(tmp_path / "till")
    try:
        handle.enrol(live_server.url, admin.enrolment_code(store))
        stock = handle.till.stock
        assert isinstance(stock, StockHolds)
        product = str(rice.id)
        assert level(stock, product) == ("5", "0", "5")

        held = stock.hold_for(product, Decimal(3), "Mrs Rao 98450 12345", timedelta(hours=1))
        assert isinstance(held, Held), held
        assert uuid.UUID(held.hold.hold_id).version == 7
        assert held.hold.status == "held"
        assert held.message.startswith("Held 3 for Mrs Rao 98450 12345 until ")
        assert level(stock, product) == ("5", "3", "2")

        refused = stock.hold_for(product, Decimal(3), "Ravi")
        assert isinstance(refused, Refused), refused
        assert refused.available == 2
        assert refused.message == "Only 2 available; cannot hold 3."
        assert level(stock, product) == ("5", "3", "2")

        # the same request sent twice (an answer lost to a timeout) is held once
        retry = stock.request(product, Decimal(1), "Asha")
        first, second = stock.hold(retry), stock.hold(retry)
        assert isinstance(first, Held)
        assert isinstance(second, Held)
        assert first.hold.hold_id == second.hold.hold_id == retry.hold_id
        assert level(stock, product) == ("5", "4", "1")
        listed = stock.holds(product)
        assert isinstance(listed, list)
        assert {h.hold_id for h in listed} == {held.hold.hold_id, retry.hold_id}

        released = stock.release(held.hold.hold_id)
        assert isinstance(released, Released), released
        assert released.hold.status == "released"
        assert level(stock, product) == ("5", "1", "4")
        again = stock.release(held.hold.hold_id)
        assert isinstance(again, Released)
        assert level(stock, product) == ("5", "1", "4")
        [row] = admin.sql(
            "SELECT status, reference FROM reservations WHERE id = $1", uuid.UUID(held.hold.hold_id)
        )
        assert (row["status"], row["reference"]) == ("released", "Mrs Rao 98450 12345")

        unknown = stock.check(str(uuid.uuid4()))
        assert isinstance(unknown, Refused)
        assert "not in this company's catalog" in unknown.message

        live_server.stop()  # the server goes away: the till says so and sells on
        offline = stock.check(product)
        assert isinstance(offline, Offline)
        assert offline.message == OFFLINE_MESSAGE
        assert isinstance(stock.hold_for(product, Decimal(1), "Asha"), Offline)
    finally:
        handle.close()
