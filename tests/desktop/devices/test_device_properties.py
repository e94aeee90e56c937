"""Properties that hold for any input: no key lost, no line too wide, no job lost or doubled."""

from __future__ import annotations

import dataclasses
import threading
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.devices.display.pole import pole_lines
from desktop.devices.printer.device import FakePrinter
from desktop.devices.printer.layout import (
    COLUMN_CHOICES,
    LayoutOptions,
    RupeeMode,
    plain_text,
    receipt_layout,
)
from desktop.devices.printer.print_queue import Backoff, PrintQueue
from desktop.devices.printer.receipt import ReceiptLine, Tender
from desktop.devices.scanner.wedge import (
    Hold,
    KeyInput,
    KeyKind,
    Pass,
    Release,
    Scanned,
    WedgeDecoder,
    WedgeSettings,
)
from shared.money import Money
from tests.desktop.devices import samples

PRINTABLE = st.characters(min_codepoint=33, max_codepoint=126)


def replay(decoder: WedgeDecoder, presses: list[KeyInput]) -> tuple[str, list[str], int]:
    """Run presses through the decoder as the Qt filter would.

    Returns the text a focused field ends up with, the scans, and how many Enters it got.
    """
    field, scans, enters = "", [], 0
    for press in presses:
        for action in decoder.feed(press):
            if isinstance(action, Release):
                field += "".join(k.text for k in action.keys)
            elif isinstance(action, Scanned):
                scans.append(action.code)
            elif isinstance(action, Pass):
                if press.kind is KeyKind.ENTER:
                    enters += 1
                else:
                    field += press.text
            else:
                assert isinstance(action, Hold)
    last = presses[-1].timestamp_ms if presses else 0
    for action in decoder.tick(last + 10_000):
        assert isinstance(action, Release)
        field += "".join(k.text for k in action.keys)
    return field, scans, enters


@st.composite
def typing_session(draw: st.DrawFn) -> list[KeyInput]:
    """A person typing: every key at least 60 ms after the previous, Enter now and then."""
    now = 0
    presses = []
    for _ in range(draw(st.integers(0, 40))):
        now += draw(st.integers(60, 400))
        if draw(st.integers(0, 9)) == 0:
            presses.append(KeyInput(KeyKind.ENTER, "", now))
        else:
            presses.append(KeyInput(KeyKind.CHAR, draw(PRINTABLE), now))
    return presses


@given(typing_session())
def test_a_person_typing_never_loses_reorders_or_scans_a_key(presses: list[KeyInput]) -> None:
    field, scans, enters = replay(WedgeDecoder(), presses)
    assert scans == []
    assert field == "".join(p.text for p in presses if p.kind is KeyKind.CHAR)
    assert enters == sum(p.kind is KeyKind.ENTER for p in presses)


@given(
    codes=st.lists(st.text(PRINTABLE, min_size=4, max_size=30), min_size=1, max_size=5),
    gaps=st.lists(st.integers(1, 40), min_size=200, max_size=200),
)
def test_every_scanner_burst_is_exactly_one_scan_with_its_exact_text(
    codes: list[str], gaps: list[int]
) -> None:
    presses: list[KeyInput] = []
    now, gap = 0, iter(gaps)
    for code in codes:
        now += 500  # the cashier picks up the next item
        for char in code:
            presses.append(KeyInput(KeyKind.CHAR, char, now))
            now += next(gap)
        presses.append(KeyInput(KeyKind.ENTER, "", now))
    field, scans, enters = replay(WedgeDecoder(), presses)
    assert scans == codes
    assert field == ""
    assert enters == 0


@given(
    typed=st.text(PRINTABLE, max_size=10),
    code=st.text(st.characters(min_codepoint=48, max_codepoint=57), min_size=8, max_size=14),
)
def test_typing_and_a_prefixed_scan_interleaved_both_arrive_intact(typed: str, code: str) -> None:
    decoder = WedgeDecoder(WedgeSettings(prefix="\x02", suffix="\x03"))
    presses = [KeyInput(KeyKind.CHAR, c, 100 * i) for i, c in enumerate(typed)]
    start = 100 * len(typed) + 500
    framed = "\x02" + code + "\x03"
    presses += [KeyInput(KeyKind.CHAR, c, start + 5 * i) for i, c in enumerate(framed)]
    field, scans, _ = replay(decoder, presses)
    assert scans == [code]
    assert field == typed


@st.composite
def receipts(draw: st.DrawFn) -> object:
    name = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=80)
    money = st.integers(0, 10**10).map(Money)
    lines = draw(
        st.lists(
            st.builds(
                ReceiptLine,
                name=name,
                hsn=st.text(
                    st.characters(min_codepoint=48, max_codepoint=57), min_size=4, max_size=8
                ),
                quantity=st.decimals(Decimal("0.001"), Decimal(9999), places=3),
                unit=st.sampled_from(["PCS", "KG", "LTR"]),
                rate=money,
                amount=money,
                tax_rate=st.sampled_from([Decimal(0), Decimal(5), Decimal(18), Decimal(40)]),
                discount=money,
            ),
            min_size=1,
            max_size=6,
        )
    )
    base = samples.tax_invoice()
    return dataclasses.replace(
        base,
        lines=tuple(lines),
        total=draw(money),
        tenders=(Tender(draw(name), draw(money), draw(name)),),
        customer_name=draw(name),
        footer_lines=(draw(name),),
    )


@settings(max_examples=60, deadline=None)
@given(receipts(), st.sampled_from(COLUMN_CHOICES), st.sampled_from(list(RupeeMode)))
def test_no_printed_line_is_ever_wider_than_the_paper(
    receipt: object, columns: int, rupee: RupeeMode
) -> None:
    options = LayoutOptions(columns=columns, rupee=rupee)
    for line in plain_text(receipt_layout(receipt, options), columns).splitlines():  # type: ignore[arg-type]
        assert len(line) <= columns, line


@given(
    st.integers(0, 10**12).map(Money),
    st.text(max_size=60),
    st.none() | st.integers(0, 10**9).map(Money),
    st.integers(8, 40),
)
def test_pole_lines_always_fill_the_display_exactly(
    total: Money, item: str, amount: Money | None, width: int
) -> None:
    lines = pole_lines(total, item, amount, width)
    assert len(lines.upper) == width
    assert len(lines.lower) == width


def test_jobs_from_many_threads_each_print_once_in_each_threads_order() -> None:
    printer = FakePrinter()
    queue = PrintQueue(printer, backoff=Backoff(0.001, 2, 0.01))
    queue.start()

    def submit(worker: int) -> None:
        for n in range(25):
            queue.submit(f"{worker}:{n}".encode(), f"job {worker}:{n}")

    try:
        threads = [threading.Thread(target=submit, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert queue.wait_idle(10)
    finally:
        queue.stop()
    printed = [job.decode() for job in printer.jobs]
    assert sorted(printed) == sorted(f"{w}:{n}" for w in range(4) for n in range(25))
    for worker in range(4):
        mine = [int(p.split(":")[1]) for p in printed if p.startswith(f"{worker}:")]
        assert mine == list(range(25))
