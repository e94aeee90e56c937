"""The composition root builds the devices the settings name, applies new settings live,
refuses a printer this machine cannot drive, and closes everything it opened."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from desktop.bootstrap import Till, build, make_scanner, receipt_extras
from desktop.demo import DEMO_USERS, ean13, seed_demo
from desktop.devices.display.pole import PoleDisplay
from desktop.devices.errors import DeviceConfigError
from desktop.devices.print_stack import PrintStack
from desktop.devices.printer.device import FakePrinter as DevicePrinter
from desktop.devices.printer.transports import Backend
from desktop.devices.scanner.camera import FrameScanner
from desktop.devices.scanner.serial import SerialScanner
from desktop.devices.till_printer import TillPrinter
from desktop.domain.tender import Method, Payment
from desktop.errors import SettingsError
from desktop.services.fakes import FakeClock
from desktop.settings import load_settings
from shared.money import Money

from .conftest import CHEAP_HASHER

CASHIER, SUPERVISOR = DEMO_USERS[0][0], DEMO_USERS[1][0]


def built(tmp_path: Path, clock: FakeClock, toml: str = "", **kwargs: object) -> Till:
    (tmp_path / "settings.toml").write_text(toml, encoding="utf-8")
    till = build(
        load_settings(data_dir=tmp_path, env={}),
        clock=clock,
        hasher=CHEAP_HASHER,
        **kwargs,  # type: ignore[arg-type]
    )
    seed_demo(till.store, till.hasher)
    return till


def test_with_no_printer_set_up_receipts_go_through_the_real_stack_into_memory(
    tmp_path: Path, clock: FakeClock
) -> None:
    device = DevicePrinter()
    till = built(tmp_path, clock, printer_device=device)
    try:
        assert isinstance(till.printing, PrintStack)
        assert till.context.printer is till.printing.till_printer
        assert till.context.drawer is till.printing.till_printer
        assert isinstance(till.context.printer, TillPrinter)
        assert till.printing.receipts.preview is None, "only the demo writes a text copy"
        till.shifts.open(CASHIER, Money(0))
        sale = till.new_sale(CASHIER)
        sale.scan(ean13(9))
        result = sale.complete([Payment(Method.CASH, sale.invoice().grand_total)])
        assert result.printed
        assert till.printing.queue.wait_idle(5)
        [job] = device.jobs
        assert result.document.number.encode() in job
        assert job.count(b"\x1bp\x00") == 1, "the drawer opens once, with the receipt"
    finally:
        till.close()
    assert device.closed, "closing the till releases the printer"


def test_demo_mode_keeps_a_printer_that_was_set_up(tmp_path: Path, clock: FakeClock) -> None:
    device = tmp_path / "lp0"
    till = built(
        tmp_path, clock, f'[printer]\nbackend = "file"\ndevice_path = "{device}"\n', demo=True
    )
    try:
        assert till.printing is not None
        assert till.printing.settings.device_path == str(device)
        assert till.printing.receipts.preview == tmp_path / "receipts.txt"
    finally:
        till.close()


def test_the_scanner_and_display_the_settings_name_are_built(
    tmp_path: Path, clock: FakeClock
) -> None:
    till = built(
        tmp_path,
        clock,
        '[scanner]\nkind = "serial"\nserial_port = "loop://"\n'
        '[display]\nkind = "pole"\npole_port = "loop://"\n',
    )
    try:
        assert isinstance(till.scanner, SerialScanner)
        assert till.scanner.settings.port == "loop://"
        assert isinstance(till.display, PoleDisplay)
    finally:
        till.close()
    assert not till.scanner.running


def test_make_scanner_is_none_for_a_wedge_and_a_frame_scanner_for_a_camera(
    tmp_path: Path,
) -> None:
    assert make_scanner(load_settings(data_dir=tmp_path, env={}).hardware()) is None
    (tmp_path / "settings.toml").write_text('[scanner]\nkind = "camera"\nengine = "x"\n')
    with pytest.raises(SettingsError, match="'scanner_engine': is not a till setting"):
        load_settings(data_dir=tmp_path, env={})
    (tmp_path / "settings.toml").write_text('[scanner]\nkind = "camera"\ncamera_engine = "zxing"\n')
    scanner = make_scanner(load_settings(data_dir=tmp_path, env={}).hardware())
    assert isinstance(scanner, FrameScanner)
    assert scanner.engine.value == "zxing"


def test_a_bad_hardware_setting_stops_the_till_from_starting(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text('[printer]\nbackend = "network"\n')
    with pytest.raises(SettingsError, match="a network printer needs host"):
        load_settings(data_dir=tmp_path, env={})


def test_a_usb_printer_without_pyusb_is_refused_before_anything_is_written(
    tmp_path: Path, clock: FakeClock
) -> None:
    till = built(tmp_path, clock, "idle_lock_seconds = 200\n")
    try:
        before = till.settings_path.read_bytes()
        audits = len(till.store.audit_entries())
        changes = {
            "printer_backend": "usb",
            "printer_usb_vendor_id": 0x0416,
            "printer_usb_product_id": 0x5011,
        }
        with pytest.raises(DeviceConfigError, match="USB printing needs pyusb"):
            till.save_settings(changes, SUPERVISOR)
        assert till.settings_path.read_bytes() == before
        assert till.printing is not None
        assert till.printing.settings.backend is Backend.FAKE
        assert len(till.store.audit_entries()) == audits
    finally:
        till.close()


def test_saving_settings_applies_them_and_audits_who_changed_what(
    tmp_path: Path, clock: FakeClock
) -> None:
    till = built(tmp_path, clock)
    try:
        updated = till.save_settings(
            {
                "idle_lock_seconds": 45,
                "receipt_footer": "Shukriya\n\nVisit again",
                "printer_columns": 32,
            },
            SUPERVISOR,
        )
        assert till.settings == updated
        assert till.idle.timeout == timedelta(seconds=45)
        assert till.printing is not None
        assert till.printing.settings.columns == 32
        assert till.printing.till_printer.extras.footer_lines == ("Shukriya", "Visit again")
        entry = till.store.audit_entries()[-1]
        assert entry.action == "settings_changed"
        assert entry.detail == {"changed": "idle_lock_seconds,printer_columns,receipt_footer"}
        assert str(entry.actor_id) == SUPERVISOR.user_id
        assert tomllib.loads(till.settings_path.read_text())["printer"] == {"columns": 32}
    finally:
        till.close()


def test_receipt_extras_carry_the_phone_and_the_footer_lines(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        '[receipt]\nphone = "080 1234"\nfooter = "  One  \\n\\n Two\\n"\n'
    )
    extras = receipt_extras(load_settings(data_dir=tmp_path, env={}))
    assert extras.phone == "080 1234"
    assert extras.footer_lines == ("  One", " Two")
