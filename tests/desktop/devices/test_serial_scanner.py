"""A serial (USB-COM) scanner delivers each terminated line as one scan."""

from __future__ import annotations

import os
import pty
import queue

import pytest

from desktop.devices.errors import DeviceConfigError, ScannerError
from desktop.devices.scanner.base import FakeScanner, ScannedCode, ScanSource
from desktop.devices.scanner.serial import SerialScanner, SerialScannerSettings


def collect() -> tuple[queue.Queue[ScannedCode], object]:
    got: queue.Queue[ScannedCode] = queue.Queue()
    return got, got.put


def test_codes_written_to_a_pseudo_terminal_arrive_one_scan_per_line() -> None:
    controller, device = pty.openpty()
    got, listener = collect()
    scanner = SerialScanner(SerialScannerSettings(os.ttyname(device), poll_s=0.05))
    try:
        scanner.start(listener)  # type: ignore[arg-type]
        os.write(controller, b"8901234567890\r12345")
        os.write(controller, b"670\r")
        assert got.get(timeout=5) == ScannedCode("8901234567890", ScanSource.SERIAL)
        assert got.get(timeout=5).text == "12345670", "a code split across reads is joined"
    finally:
        scanner.stop()
        os.close(controller)
        os.close(device)
    assert not scanner.running


def test_a_crlf_scanner_with_lf_terminator_strips_the_cr() -> None:
    got, listener = collect()
    scanner = SerialScanner(SerialScannerSettings("loop://", terminator=b"\n", poll_s=0.05))
    scanner.start(listener)  # type: ignore[arg-type]
    try:
        assert scanner._port is not None
        scanner._port.write(b"SKU-42\r\n\r\n")
        assert got.get(timeout=5).text == "SKU-42"
        with pytest.raises(queue.Empty):
            got.get(timeout=0.2)  # the empty line is not a scan
    finally:
        scanner.stop()


def test_starting_twice_keeps_one_reader_and_stopping_twice_is_harmless() -> None:
    _got, listener = collect()
    scanner = SerialScanner(SerialScannerSettings("loop://", poll_s=0.05))
    scanner.start(listener)  # type: ignore[arg-type]
    thread = scanner._thread
    scanner.start(listener)  # type: ignore[arg-type]
    assert scanner._thread is thread
    scanner.stop()
    scanner.stop()
    assert not scanner.running


def test_a_port_that_disappears_ends_the_reader_quietly() -> None:
    _got, listener = collect()
    scanner = SerialScanner(SerialScannerSettings("loop://", poll_s=0.05))
    scanner.start(listener)  # type: ignore[arg-type]
    assert scanner._port is not None
    scanner._port.close()  # the cable is pulled
    assert scanner._thread is not None
    scanner._thread.join(5)
    assert not scanner.running
    scanner.stop()


def test_a_missing_port_is_a_scanner_error_naming_it() -> None:
    scanner = SerialScanner(SerialScannerSettings("/dev/ttyNOPE9"))
    with pytest.raises(ScannerError, match="/dev/ttyNOPE9"):
        scanner.start(lambda code: None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"port": ""}, "needs a port"),
        ({"port": "COM4", "terminator": b""}, "terminator"),
        ({"port": "COM4", "baudrate": 0}, "baud rate"),
    ],
)
def test_bad_serial_settings_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(DeviceConfigError, match=message):
        SerialScannerSettings(**kwargs)  # type: ignore[arg-type]


def test_the_fake_scanner_delivers_only_while_started() -> None:
    got: list[ScannedCode] = []
    fake = FakeScanner()
    fake.scan("dropped")
    fake.start(got.append)
    assert fake.running
    fake.scan("8901234567890", "EAN13")
    fake.stop()
    fake.scan("dropped too")
    assert got == [ScannedCode("8901234567890", ScanSource.FAKE, "EAN13")]
