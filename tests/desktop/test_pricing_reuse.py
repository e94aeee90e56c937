"""The sale reuses its last pricing only while cart, GST rates and day are all unchanged."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from desktop.bootstrap import Till
from desktop.demo import ean13
from desktop.domain.catalog import User
from desktop.services.fakes import FakeClock
from shared.gst import GstRate


def test_pricing_is_reused_for_the_same_cart_and_redone_when_anything_changes(
    open_till: Till, cashier: User, clock: FakeClock
) -> None:
    sale = open_till.new_sale(cashier)
    sale.scan(ean13(9))  # rice, HSN 1006 at 5 %
    first = sale.invoice()
    assert sale.invoice() is first, "the screen's repeated pricing costs nothing"
    sale.scan(ean13(1))
    second = sale.invoice()
    assert second is not first
    assert second.grand_total > first.grand_total

    today = clock.now().date()
    open_till.store.upsert_rates([GstRate(hsn="1006", rate=Decimal(18), effective_from=today)])
    repriced = sale.invoice()
    assert repriced is not second, "new rates from the server are used at once"
    assert repriced.totals.tax > second.totals.tax

    clock.advance(timedelta(days=1))
    assert sale.invoice() is not repriced, "a new day prices afresh"
