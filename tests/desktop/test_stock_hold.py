"""The stock-hold service against the fake server: checks, holds, refusals, offline, retries."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from desktop.services.fakes import FakeClock
from desktop.services.stock_hold import (
    OFFLINE_MESSAGE,
    Checked,
    FakeStockServer,
    Held,
    InvalidHold,
    Offline,
    Refused,
    Released,
    StockHolds,
    quantity_text,
)
from shared.ids import IdFactory

STORE = "01890000-0000-7000-8000-000000000001"
RICE = "01890000-0000-7000-8000-0000000000a1"
SALT = "01890000-0000-7000-8000-0000000000a2"
D0, D5 = Decimal(0), Decimal(5)


@pytest.fixture
def server(clock: FakeClock) -> FakeStockServer:
    return FakeStockServer(clock, on_hand={RICE: Decimal(5), SALT: Decimal("2.500")})


@pytest.fixture
def ids(clock: FakeClock) -> IdFactory:
    counter = iter(range(1, 1_000_000))
    return IdFactory(
        clock_ms=lambda: int(clock.now().timestamp() * 1000),
        entropy=lambda n: next(counter).to_bytes(n, "big"),
    )


@pytest.fixture
def holds(server: FakeStockServer, ids: IdFactory, clock: FakeClock) -> StockHolds:
    return StockHolds(server, store_id=STORE, ids=ids, clock=clock)


def test_a_check_shows_on_hand_reserved_and_available(holds: StockHolds) -> None:
    result = holds.check(RICE)
    assert isinstance(result, Checked)
    assert (result.level.on_hand, result.level.reserved, result.level.available) == (D5, D0, D5)
    assert result.message == "5 available to sell or hold."


def test_a_hold_takes_stock_until_it_expires(
    holds: StockHolds, server: FakeStockServer, clock: FakeClock
) -> None:
    held = holds.hold_for(RICE, Decimal(3), "  Mrs   Rao ", timedelta(hours=1))
    assert isinstance(held, Held)
    assert held.hold.reference == "Mrs Rao"
    assert held.hold.expires_at == clock.now() + timedelta(hours=1)
    assert held.message == "Held 3 for Mrs Rao until 11:00."
    uuid_of_hold = uuid.UUID(held.hold.hold_id)
    assert uuid_of_hold.version == 7
    after = holds.check(RICE)
    assert isinstance(after, Checked)
    assert (after.level.on_hand, after.level.reserved, after.level.available) == (
        D5,
        Decimal(3),
        Decimal(2),
    )
    clock.advance(timedelta(hours=1))
    expired = holds.check(RICE)
    assert isinstance(expired, Checked)
    assert expired.level.available == 5


def test_a_hold_past_midnight_names_the_day(holds: StockHolds) -> None:
    held = holds.hold_for(RICE, Decimal(1), "9876543210", timedelta(days=2))
    assert isinstance(held, Held)
    assert held.message == "Held 1 for 9876543210 until 11 May 10:00."


def test_holding_more_than_is_available_is_refused_with_the_available_figure(
    holds: StockHolds, server: FakeStockServer
) -> None:
    assert isinstance(holds.hold_for(RICE, Decimal(3), "Asha"), Held)
    refused = holds.hold_for(RICE, Decimal(3), "Ravi")
    assert isinstance(refused, Refused)
    assert refused.available == 2
    assert refused.message == "Only 2 available; cannot hold 3."
    assert len(server.records) == 1


def test_nothing_left_says_none_available(holds: StockHolds) -> None:
    assert isinstance(holds.hold_for(RICE, Decimal(5), "Asha"), Held)
    refused = holds.hold_for(RICE, Decimal(1), "Ravi")
    assert isinstance(refused, Refused)
    assert refused.message == "None available; cannot hold 1."
    checked = holds.check(RICE)
    assert isinstance(checked, Checked)
    assert checked.message == "None available to hold."


def test_offline_says_so_and_changes_nothing(holds: StockHolds, server: FakeStockServer) -> None:
    server.offline = True
    for result in (
        holds.check(RICE),
        holds.hold_for(RICE, Decimal(1), "Asha"),
        holds.release(str(uuid.uuid4())),
        holds.holds(),
    ):
        assert isinstance(result, Offline)
        assert (
            result.message
            == OFFLINE_MESSAGE
            == ("Offline: cannot check stock now; you can still sell.")
        )
        assert "fake is offline" in result.reason
    assert server.records == {}


def test_a_retry_after_a_lost_answer_reuses_the_hold_id(
    holds: StockHolds, server: FakeStockServer
) -> None:
    server.lose_next_answer = True  # the server holds the stock, then the answer is lost
    first = holds.request(RICE, Decimal(2), "Mrs Rao")
    assert isinstance(holds.hold(first), Offline)
    again = holds.request(RICE, Decimal(2), "Mrs Rao")
    assert again == first
    held = holds.hold(again)
    assert isinstance(held, Held)
    assert held.hold.hold_id == first.hold_id
    assert [c for c in server.calls if c[0] == "reserve"] == [("reserve", first.hold_id)] * 2
    assert len(server.records) == 1
    level = holds.check(RICE)
    assert isinstance(level, Checked)
    assert level.level.reserved == 2  # held once, not twice


def test_an_answered_hold_is_not_reused_and_a_different_ask_gets_a_new_id(
    holds: StockHolds,
) -> None:
    first = holds.hold_for(RICE, Decimal(1), "Asha")
    second = holds.hold_for(RICE, Decimal(1), "Asha")
    other = holds.request(RICE, Decimal(2), "Asha")
    assert isinstance(first, Held)
    assert isinstance(second, Held)
    assert first.hold.hold_id != second.hold.hold_id
    assert other.hold_id not in {first.hold.hold_id, second.hold.hold_id}


def test_a_lost_answer_then_a_changed_quantity_is_a_new_hold(
    holds: StockHolds, server: FakeStockServer
) -> None:
    server.offline = True
    lost = holds.request(RICE, Decimal(2), "Asha")
    assert isinstance(holds.hold(lost), Offline)
    server.offline = False
    changed = holds.request(RICE, Decimal(3), "Asha")
    assert changed.hold_id != lost.hold_id


def test_release_gives_the_stock_back_and_a_replay_changes_nothing(
    holds: StockHolds, clock: FakeClock
) -> None:
    held = holds.hold_for(RICE, Decimal(4), "Asha")
    assert isinstance(held, Held)
    listed = holds.holds(RICE)
    assert isinstance(listed, list)
    assert [h.hold_id for h in listed] == [held.hold.hold_id]
    assert holds.holds(SALT) == []
    released = holds.release(held.hold.hold_id)
    assert isinstance(released, Released)
    assert released.message == "Released the hold for Asha: the stock is free again."
    again = holds.release(held.hold.hold_id)
    assert isinstance(again, Released)
    assert again.hold.status == "released"
    level = holds.check(RICE)
    assert isinstance(level, Checked)
    assert level.level.available == 5
    assert holds.holds() == []


def test_releasing_an_expired_hold_says_it_had_expired(holds: StockHolds, clock: FakeClock) -> None:
    held = holds.hold_for(RICE, Decimal(1), "Asha", timedelta(minutes=5))
    assert isinstance(held, Held)
    clock.advance(timedelta(minutes=6))
    released = holds.release(held.hold.hold_id)
    assert isinstance(released, Released)
    assert released.message == "The hold for Asha had expired; its stock is free again."


def test_an_unknown_product_or_hold_is_refused_with_the_servers_words(holds: StockHolds) -> None:
    unknown = holds.check("01890000-0000-7000-8000-00000000dead")
    assert isinstance(unknown, Refused)
    assert "not in this company's catalog" in unknown.message
    assert unknown.available is None
    missing = holds.release("01890000-0000-7000-8000-00000000beef")
    assert isinstance(missing, Refused)
    assert "no reservation" in missing.message


@pytest.mark.parametrize(
    ("quantity", "reference", "ttl", "weighed", "says"),
    [
        ("0", "Asha", None, False, "more than zero"),
        ("-1", "Asha", None, False, "more than zero"),
        ("NaN", "Asha", None, False, "more than zero"),
        ("1.5", "Asha", None, False, "whole number"),
        ("1.2345", "Asha", None, True, "three decimals"),
        ("2000000", "Asha", None, False, "Cannot hold more than 1000000"),
        ("1", "   ", None, False, "name or phone"),
        ("1", "x" * 121, None, False, "120 characters"),
        ("1", "Asha", timedelta(seconds=30), False, "one minute to seven days"),
        ("1", "Asha", timedelta(days=8), False, "one minute to seven days"),
    ],
)
def test_bad_input_is_named_and_nothing_is_sent(
    holds: StockHolds,
    server: FakeStockServer,
    quantity: str,
    reference: str,
    ttl: timedelta | None,
    weighed: bool,
    says: str,
) -> None:
    with pytest.raises(InvalidHold, match=says):
        holds.hold_for(RICE, Decimal(quantity), reference, ttl, weighed=weighed)
    assert server.calls == []


def test_a_weighed_item_may_be_held_by_the_gram(holds: StockHolds) -> None:
    held = holds.hold_for(SALT, Decimal("1.250"), "Asha", weighed=True)
    assert isinstance(held, Held)
    assert held.message == "Held 1.25 for Asha until 12:00."
    level = holds.check(SALT)
    assert isinstance(level, Checked)
    assert level.level.available == Decimal("1.25")


@pytest.mark.parametrize(
    ("value", "text"),
    [("3", "3"), ("3.000", "3"), ("10", "10"), ("1.500", "1.5"), ("0.250", "0.25")],
)
def test_quantities_read_without_trailing_zeros(value: str, text: str) -> None:
    assert quantity_text(Decimal(value)) == text
