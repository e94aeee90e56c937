"""Use cases over a real temp-file store with fake devices: login, selling, cash, returns."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import msgspec
import pytest

from desktop.bootstrap import SystemClock, Till
from desktop.demo import DEMO_USERS, ean13, scale_key
from desktop.domain.shift import MovementKind
from desktop.domain.tender import Method, Payment
from desktop.errors import (
    ApprovalRequired,
    EmptyCart,
    InsufficientTender,
    InvalidCashCount,
    InvalidPin,
    NoHeldSale,
    NoOpenShift,
    NotPermitted,
    ReturnError,
    ReturnExceedsSale,
    SaleError,
    SaleNotFound,
    SessionExpired,
    ShiftAlreadyOpen,
    ShiftError,
    UnknownBarcode,
    UserLockedOut,
)
from desktop.services.auth import Argon2PinHasher
from desktop.services.fakes import FakeClock, FakeDrawer, FakePrinter
from shared.barcode import gs1_check_digit, parse_scanned
from shared.errors import BarcodeCheckDigitError
from shared.money import Money
from shared.protocol.events import Event

CASHIER, SUPERVISOR = DEMO_USERS[0][0], DEMO_USERS[1][0]


def kinds(till: Till) -> list[str]:
    return [e.kind for e in till.store.outbox_events()]


# ------------------------------------------------------------------ auth
def test_a_right_pin_logs_in_and_is_audited(till: Till) -> None:
    assert till.auth.login(CASHIER.user_id, "1234") == CASHIER
    assert [e.action for e in till.store.audit_entries()] == ["login"]
    assert {u.name for u in till.auth.users()} == {"Asha (cashier)", "Ravi (supervisor)"}


def test_wrong_pins_count_down_then_lock_out_until_the_time_passes(
    till: Till, clock: FakeClock
) -> None:
    with pytest.raises(InvalidPin, match="4 more wrong PINs") as first:
        till.auth.login(CASHIER.user_id, "0000")
    assert first.value.attempts_left == 4
    for _ in range(3):
        with pytest.raises(InvalidPin):
            till.auth.login(CASHIER.user_id, "0000")
    with pytest.raises(UserLockedOut):
        till.auth.login(CASHIER.user_id, "0000")
    with pytest.raises(UserLockedOut, match="locked out"):
        till.auth.login(CASHIER.user_id, "1234")  # even the right PIN waits
    clock.advance(timedelta(seconds=till.settings.lockout_seconds + 1))
    assert till.auth.login(CASHIER.user_id, "1234") == CASHIER
    actions = [e.action for e in till.store.audit_entries()]
    assert actions.count("pin_failed") == 4
    assert "user_locked_out" in actions


def test_a_good_pin_resets_the_failure_count(till: Till) -> None:
    with pytest.raises(InvalidPin):
        till.auth.login(CASHIER.user_id, "0000")
    till.auth.login(CASHIER.user_id, "1234")
    [record] = [r for r in till.store.user_records() if r.user == CASHIER]
    assert record.failed_attempts == 0


def test_an_unknown_user_is_refused(till: Till) -> None:
    with pytest.raises(InvalidPin, match="Choose your name"):
        till.auth.login("nobody", "1234")


def test_approval_needs_a_supervisor_pin(till: Till) -> None:
    assert till.auth.approve("9999", "void_line", CASHIER) == SUPERVISOR
    with pytest.raises(NotPermitted):
        till.auth.approve("1234", "void_line", CASHIER)
    with pytest.raises(InvalidPin, match="not a supervisor's PIN"):
        till.auth.approve("4321", "void_line", CASHIER)
    assert "approval_failed" in [e.action for e in till.store.audit_entries()]


def test_the_argon2_hasher_never_matches_a_malformed_hash() -> None:
    hasher = Argon2PinHasher(time_cost=1, memory_cost=8, parallelism=1)
    assert hasher.verify(hasher.hash("1234"), "1234")
    assert not hasher.verify("not-a-hash", "1234")
    assert hasher.hash("1234").startswith("$argon2id$")


def test_the_idle_lock_expires_a_session(till: Till, clock: FakeClock) -> None:
    assert not till.idle.expired()
    till.idle.check()
    clock.advance(timedelta(seconds=till.settings.idle_lock_seconds))
    with pytest.raises(SessionExpired, match="Log in again"):
        till.idle.check()
    till.auth.logout(CASHIER, "idle")
    assert till.store.audit_entries()[-1].detail == {"reason": "idle"}


def test_the_system_clock_is_timezone_aware() -> None:
    assert SystemClock().now().tzinfo is not None


def test_a_fake_clock_refuses_a_naive_time() -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone-aware"):
        FakeClock(datetime(2026, 1, 1))


# ------------------------------------------------------------------ selling
def test_selling_needs_an_open_shift(till: Till) -> None:
    sale = till.new_sale(CASHIER)
    sale.scan(ean13(1))
    with pytest.raises(NoOpenShift, match="Open a shift"):
        sale.complete([Payment(Method.CASH, Money(2700))])
    assert till.store.recent_documents() == []


def test_weight_and_price_labels_add_the_embedded_amount(open_till: Till) -> None:
    sale = open_till.new_sale(CASHIER)
    body = "2100001" + "01250"  # potatoes, 1.250 kg
    sale.scan(body + str(gs1_check_digit(body)))
    body = "2300003" + "04500"  # tomatoes, ₹45.00 by the scale
    sale.scan(body + str(gs1_check_digit(body)))
    lines = sale.cart.lines
    assert lines[0].item.code == "POTATO"
    assert lines[0].quantity == Decimal("1.250")
    assert lines[1].item.code == "TOMATO"
    assert lines[1].unit_price == Money(4500)
    assert sale.invoice().grand_total == Money(4000 + 4500)
    label = "2100001" + "01250"
    assert parse_scanned(label + str(gs1_check_digit(label))).lookup_key == scale_key(1)


def test_a_shop_code_or_a_wrong_code_is_understood(open_till: Till) -> None:
    sale = open_till.new_sale(CASHIER)
    assert sale.scan("rice5k").code == "RICE5K"
    with pytest.raises(UnknownBarcode):
        sale.scan("   ")
    with pytest.raises(UnknownBarcode, match="No item has the code 'ZZZ'"):
        sale.scan("ZZZ")
    good = ean13(3)
    with pytest.raises(BarcodeCheckDigitError, match="misread or mistyped"):
        sale.scan(good[:-1] + str((int(good[-1]) + 1) % 10))
    unknown = "890123499999" + str(gs1_check_digit("890123499999"))
    with pytest.raises(UnknownBarcode):
        sale.scan(unknown)
    assert len(sale.cart.lines) == 1


def test_a_sale_commits_its_rows_event_and_prints_and_opens_the_drawer(
    open_till: Till, printer: FakePrinter, drawer: FakeDrawer
) -> None:
    sale = open_till.new_sale(CASHIER)
    sale.scan(ean13(9))
    sale.scan(ean13(26))  # cola: 40 % GST from 22 Sep 2025
    sale.set_customer("9845012345", "29AAACH7409R1ZX")
    result = sale.complete(
        [Payment(Method.UPI, Money(30000), "UPI77"), Payment(Method.CASH, Money(20000))]
    )
    doc = result.document
    assert result.printed
    assert printer.receipts == [(doc, False)]
    assert drawer.kicks == 1
    assert doc.grand_total == Money(40500)
    assert doc.change == Money(9500)
    assert doc.customer_gstin == "29AAACH7409R1ZX"
    assert [r.rate for r in doc.rate_summary] == [Decimal(5), Decimal(40)]
    event = next(e for e in open_till.store.outbox_events() if e.kind == "sale_completed")
    assert msgspec.json.decode(msgspec.json.encode(event), type=Event) == event
    payload = event.payload
    assert payload.total_paise == 40500  # type: ignore[union-attr]
    assert [p.change_given_paise for p in payload.payments] == [0, 9500]  # type: ignore[union-attr]
    assert sale.cart.is_empty


def test_a_short_tender_stores_nothing(open_till: Till) -> None:
    sale = open_till.new_sale(CASHIER)
    sale.scan(ean13(9))
    with pytest.raises(InsufficientTender):
        sale.complete([Payment(Method.CASH, Money(100))])
    assert open_till.store.recent_documents() == []
    assert not sale.cart.is_empty
    with pytest.raises(EmptyCart):
        open_till.new_sale(CASHIER).complete([])


def test_a_broken_drawer_never_undoes_a_sale(open_till: Till, drawer: FakeDrawer) -> None:
    drawer.broken = True
    sale = open_till.new_sale(CASHIER)
    sale.scan(ean13(1))
    result = sale.complete([Payment(Method.CASH, Money(2700))])
    assert result.printed
    assert "drawer did not open" in (result.print_error or "")
    assert open_till.store.document_by_number(result.document.number) is not None


def test_voids_and_overrides_need_a_supervisor_and_are_recorded(open_till: Till) -> None:
    sale = open_till.new_sale(CASHIER)
    sale.scan(ean13(1))
    sale.scan(ean13(9))
    with pytest.raises(ApprovalRequired):
        sale.void_line(1)
    sale.void_line(1, SUPERVISOR)
    sale.override_price(2, Money(30000), SUPERVISOR)
    with pytest.raises(ApprovalRequired):
        sale.void_sale()
    sale.void_sale(SUPERVISOR)
    assert sale.cart.is_empty
    with pytest.raises(EmptyCart):
        sale.void_sale(SUPERVISOR)
    report = open_till.shifts.report()
    assert report.voided_lines == 1
    assert report.voided_sales == 1
    assert report.voided_amount == Money(2700 + 30000)
    actions = [e.action for e in open_till.store.audit_entries()]
    assert {"line_voided", "price_overridden", "sale_voided"} <= set(actions)


def test_voids_without_a_shift_are_still_audited(till: Till) -> None:
    sale = till.new_sale(CASHIER)
    sale.scan(ean13(1))
    sale.scan(ean13(2))
    sale.void_line(1, SUPERVISOR)
    sale.void_sale(SUPERVISOR)
    actions = [e.action for e in till.store.audit_entries()]
    assert actions == ["line_voided", "sale_voided"]


def test_an_overridden_sale_carries_the_approver_to_the_server(open_till: Till) -> None:
    sale = open_till.new_sale(CASHIER)
    sale.scan(ean13(9))
    sale.override_price(1, Money(30000), SUPERVISOR)
    sale.complete([Payment(Method.CASH, Money(30000))])
    event = next(e for e in open_till.store.outbox_events() if e.kind == "sale_completed")
    assert str(event.payload.lines[0].price_override_by) == SUPERVISOR.user_id  # type: ignore[union-attr]
    assert "sale_with_override" in [e.action for e in open_till.store.audit_entries()]


def test_discounts_above_the_cashier_limit_are_audited_with_the_approver(open_till: Till) -> None:
    sale = open_till.new_sale(CASHIER)
    sale.scan(ean13(9))  # ₹365
    sale.discount_line(1, Money(1000))  # under 5 %
    with pytest.raises(ApprovalRequired):
        sale.discount_line(1, Money(5000))
    sale.discount_line(1, Money(5000), SUPERVISOR)
    sale.discount_bill(Money(1000), SUPERVISOR)
    entries = [e for e in open_till.store.audit_entries() if e.action == "discount_above_limit"]
    assert len(entries) == 2
    assert entries[0].detail["approved_by"] == SUPERVISOR.user_id
    assert sale.invoice().grand_total == Money(36500 - 5000 - 1000)
    sale.set_quantity(1, Decimal(2))
    assert sale.cart.lines[0].quantity == 2


def test_hold_and_recall_survive_a_new_session(open_till: Till) -> None:
    sale = open_till.new_sale(CASHIER)
    with pytest.raises(EmptyCart):
        sale.hold()
    sale.scan(ean13(1))
    held = sale.hold("table 4")
    assert held.label == "table 4"
    other = open_till.new_sale(SUPERVISOR)
    other.scan(ean13(2))
    with pytest.raises(SaleError, match="Finish or hold"):
        other.recall(held.hold_id)
    other.hold()
    other.recall(held.hold_id)
    assert other.cart.lines[0].item.code == "MILK500"
    with pytest.raises(NoHeldSale):
        open_till.new_sale(CASHIER).recall(held.hold_id)
    assert len(other.held()) == 1


def test_search_returns_items(open_till: Till) -> None:
    sale = open_till.new_sale(CASHIER)
    [item] = sale.search("basmati")
    sale.add(item, Decimal(2))
    assert sale.cart.lines[0].quantity == 2


def test_reprint_of_an_unknown_number_is_explained(open_till: Till) -> None:
    with pytest.raises(SaleNotFound, match="No receipt has the number"):
        open_till.new_sale(CASHIER).reprint("NOPE")


# ------------------------------------------------------------------ shifts and cash
def test_a_second_shift_cannot_open(open_till: Till) -> None:
    with pytest.raises(ShiftAlreadyOpen):
        open_till.shifts.open(CASHIER, Money(0))


def test_a_negative_float_is_refused(till: Till) -> None:
    with pytest.raises(ShiftError, match="negative"):
        till.shifts.open(CASHIER, Money(-1))


def test_cash_in_and_out_need_a_supervisor_a_reason_and_an_amount(open_till: Till) -> None:
    shifts = open_till.shifts
    with pytest.raises(ApprovalRequired):
        shifts.move_cash(CASHIER, MovementKind.CASH_OUT, Money(100), "drop", None)
    with pytest.raises(ShiftError, match="more than zero"):
        shifts.move_cash(CASHIER, MovementKind.CASH_OUT, Money(0), "drop", SUPERVISOR)
    with pytest.raises(ShiftError, match="Say why"):
        shifts.move_cash(CASHIER, MovementKind.CASH_OUT, Money(100), " ", SUPERVISOR)
    with pytest.raises(ShiftError, match="open drawer"):
        shifts.move_cash(CASHIER, MovementKind.NO_SALE, Money(100), "x", SUPERVISOR)
    shifts.move_cash(CASHIER, MovementKind.CASH_IN, Money(5000), "top-up", SUPERVISOR)
    shifts.move_cash(CASHIER, MovementKind.CASH_OUT, Money(20000), "bank drop", SUPERVISOR)
    report = shifts.report()
    assert report.cash_in == Money(5000)
    assert report.cash_out == Money(20000)
    assert report.expected_cash == Money(200000 + 5000 - 20000)
    assert kinds(open_till).count("cash_moved") == 2


def test_no_sale_opens_the_drawer_with_a_supervisor(open_till: Till, drawer: FakeDrawer) -> None:
    with pytest.raises(ApprovalRequired):
        open_till.shifts.no_sale(CASHIER, "change", None)
    assert open_till.shifts.no_sale(CASHIER, "change", SUPERVISOR) is None
    assert drawer.kicks == 1
    drawer.broken = True
    assert "did not open" in (open_till.shifts.no_sale(CASHIER, "", SUPERVISOR) or "")
    assert open_till.shifts.report().no_sales == 2


def test_cash_needs_an_open_shift(till: Till) -> None:
    with pytest.raises(NoOpenShift):
        till.shifts.report()
    with pytest.raises(NoOpenShift):
        till.shifts.no_sale(CASHIER, "x", SUPERVISOR)


def test_x_prints_without_closing_and_z_closes_once_with_a_number(
    open_till: Till, printer: FakePrinter
) -> None:
    assert open_till.shifts.print_x() is None
    assert printer.reports[-1][1] is None
    assert open_till.shifts.current() is not None
    with pytest.raises(InvalidCashCount):
        open_till.shifts.close(CASHIER, {7: 1})
    assert open_till.shifts.current() is not None
    closed = open_till.shifts.close(CASHIER, {500: 4})
    assert closed.z_number == 1
    assert closed.count.over_short == Money(0)
    assert printer.reports[-1][1] == 1
    assert open_till.shifts.current() is None
    event = next(e for e in open_till.store.outbox_events() if e.kind == "shift_closed")
    assert event.payload.counted_cash_paise == 200000  # type: ignore[union-attr]
    open_till.shifts.open(CASHIER, Money(0))
    assert open_till.shifts.close(CASHIER, {}).z_number == 2


def test_a_printer_failure_never_blocks_a_close(open_till: Till, printer: FakePrinter) -> None:
    printer.offline = True
    assert "did not print" in (open_till.shifts.print_x() or "")
    closed = open_till.shifts.close(CASHIER, {500: 4})
    assert "did not print" in (closed.print_error or "")
    assert open_till.shifts.current() is None


# ------------------------------------------------------------------ returns
def sell(till: Till, *codes: str, payments: list[Payment] | None = None):
    sale = till.new_sale(CASHIER)
    for code in codes:
        sale.scan(code)
    total = sale.invoice().grand_total
    return sale.complete(payments or [Payment(Method.CASH, total)]).document


def test_a_return_needs_a_supervisor_and_issues_a_numbered_credit_note(open_till: Till) -> None:
    doc = sell(open_till, ean13(1), ean13(1), ean13(9))
    with pytest.raises(ApprovalRequired, match="refund needs a supervisor"):
        open_till.returns.issue(
            doc.number, {1: Decimal(1)}, cashier=CASHIER, approver=None, reason="x"
        )
    result = open_till.returns.issue(
        doc.number, {1: Decimal(1)}, cashier=CASHIER, approver=SUPERVISOR, reason="leaking"
    )
    note = result.document
    assert note.number == "DEMOT1/27/C00001"
    assert note.grand_total == Money(2700)
    found, left = open_till.returns.find(doc.number)
    assert found == doc
    assert left == {1: Decimal(1), 2: Decimal(1)}
    with pytest.raises(ReturnExceedsSale):
        open_till.returns.issue(
            doc.number, {1: Decimal(2)}, cashier=CASHIER, approver=SUPERVISOR, reason="x"
        )
    event = next(e for e in open_till.store.outbox_events() if e.kind == "refund_issued")
    assert event.payload.reason == "leaking"  # type: ignore[union-attr]
    report = open_till.shifts.report()
    assert report.returns_count == 1
    assert report.returns_total == Money(2700)


def test_returns_find_only_invoices(open_till: Till) -> None:
    doc = sell(open_till, ean13(1))
    note = open_till.returns.issue(
        doc.number, {1: Decimal(1)}, cashier=CASHIER, approver=SUPERVISOR, reason="x"
    ).document
    with pytest.raises(ReturnError, match="credit note"):
        open_till.returns.find(note.number)
    with pytest.raises(SaleNotFound):
        open_till.returns.find("DEMOT1/27/999999")


def test_a_return_needs_an_open_shift(open_till: Till) -> None:
    doc = sell(open_till, ean13(1))
    open_till.shifts.close(CASHIER, {})
    with pytest.raises(NoOpenShift):
        open_till.returns.issue(
            doc.number, {1: Decimal(1)}, cashier=CASHIER, approver=SUPERVISOR, reason="x"
        )
