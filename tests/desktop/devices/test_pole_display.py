"""The customer display shows the last item and the total, within 20 characters."""

from __future__ import annotations

import os
import pty

import pytest

from desktop.devices.display.pole import (
    DisplayLines,
    FakeCustomerDisplay,
    PoleDisplay,
    PoleSettings,
    pole_lines,
)
from desktop.devices.errors import DeviceConfigError, DeviceError
from shared.money import Money


def test_the_last_item_and_the_total_fill_both_lines() -> None:
    lines = pole_lines(Money(47900), "Parle-G Gold 1kg", Money(30000))
    assert lines == DisplayLines("Parle-G Gold  300.00", "TOTAL      Rs.479.00")


def test_a_long_name_is_cut_so_the_amount_always_shows() -> None:
    lines = pole_lines(Money(1234567), "Surf Excel Easy Wash Detergent", Money(9900))
    assert lines == DisplayLines("Surf Excel Eas 99.00", "TOTAL   Rs.12,345.67")


def test_between_sales_the_display_welcomes_the_customer() -> None:
    assert pole_lines(Money(0)) == DisplayLines("      Welcome       ", "TOTAL        Rs.0.00")


def test_an_item_without_an_amount_shows_only_its_name() -> None:
    assert pole_lines(Money(0), "Weighing...").upper == "Weighing...".ljust(20)


def test_a_total_too_wide_for_the_label_drops_it_and_never_shows_cut_off_digits() -> None:
    assert pole_lines(Money(123456789), width=12).lower == "12,34,567.89"
    assert pole_lines(Money(123456789012), width=8).lower == "########"


def test_the_pole_display_speaks_cd5220_on_its_serial_port() -> None:
    controller, device = pty.openpty()
    display = PoleDisplay(PoleSettings(os.ttyname(device)))
    try:
        display.clear()
        display.show(DisplayLines("Milk ₹ 27", "TOTAL Rs.27.00"))
        expected = b"\x0c\x1bQAMilk ? 27           \r\x1bQBTOTAL Rs.27.00      \r"
        got = b""
        while len(got) < len(expected):
            got += os.read(controller, 1024)
        assert got == expected
    finally:
        display.close()
        display.close()
        os.close(controller)
        os.close(device)


def test_a_missing_display_is_a_device_error_and_is_retried_next_time() -> None:
    display = PoleDisplay(PoleSettings("/dev/ttyNOPE7"))
    for _ in range(2):
        with pytest.raises(DeviceError, match="/dev/ttyNOPE7"):
            display.clear()


def test_the_fake_display_remembers_what_it_showed() -> None:
    fake = FakeCustomerDisplay()
    fake.show(pole_lines(Money(100)))
    fake.clear()
    fake.close()
    assert [lines.lower for lines in fake.shown] == ["TOTAL        Rs.1.00"]
    assert fake.cleared == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"port": ""}, "needs a port"), ({"port": "COM5", "width": 4}, "8-40")],
)
def test_bad_pole_settings_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(DeviceConfigError, match=message):
        PoleSettings(**kwargs)  # type: ignore[arg-type]


def test_an_amount_wider_than_the_display_is_hashed_not_cut() -> None:
    assert pole_lines(Money(0), "Gold coin", Money(10000000), width=8).upper == "########"
    assert pole_lines(Money(0), "0", Money(10000000), width=12).upper == " 1,00,000.00"
