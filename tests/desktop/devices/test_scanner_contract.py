"""One contract for every scanner: start delivers scans to the listener, stop ends them."""

from __future__ import annotations

import io
import logging
import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from PIL import Image

from desktop.devices.printer.device import FakePrinter, PrinterStatus
from desktop.devices.printer.print_queue import Backoff, PrintQueue, QueueState
from desktop.devices.scanner.base import FakeScanner, ScannedCode, Scanner, ScanSource
from desktop.devices.scanner.camera import FrameScanner
from desktop.devices.scanner.serial import SerialScanner, SerialScannerSettings
from desktop.devices.scanner.wedge import KeyInput, KeyKind, Scanned, WedgeDecoder, WedgeSettings


@dataclass
class Rig:
    """A scanner plus a way to make it read a code, and the source it reports."""

    scanner: Scanner
    read: Callable[[str], None]
    source: ScanSource


def fake_rig() -> Rig:
    scanner = FakeScanner()
    return Rig(scanner, scanner.scan, ScanSource.FAKE)


def serial_rig() -> Rig:
    scanner = SerialScanner(SerialScannerSettings("loop://", poll_s=0.05))

    def read(code: str) -> None:
        assert scanner._port is not None
        scanner._port.write(code.encode() + b"\r")

    return Rig(scanner, read, ScanSource.SERIAL)


def camera_rig() -> Rig:
    import segno

    scanner = FrameScanner()

    def read(code: str) -> None:
        png = io.BytesIO()
        segno.make(code, error="m", micro=False).save(png, kind="png", scale=6, border=4)
        png.seek(0)
        image = Image.open(png)
        for _ in range(2):
            scanner.feed(image)

    return Rig(scanner, read, ScanSource.CAMERA)


RIGS = {"fake": fake_rig, "serial": serial_rig, "camera": camera_rig}


@pytest.fixture(params=list(RIGS))
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    made = RIGS[request.param]()
    yield made
    made.scanner.stop()


def test_a_started_scanner_reports_each_read_once_with_its_source(rig: Rig) -> None:
    got: queue.Queue[ScannedCode] = queue.Queue()
    rig.scanner.start(got.put)
    rig.read("INV-0001")
    scan = got.get(timeout=5)
    assert (scan.text, scan.source) == ("INV-0001", rig.source)
    with pytest.raises(queue.Empty):
        got.get(timeout=0.2)


def test_a_stopped_scanner_reports_nothing_and_stops_twice_safely(rig: Rig) -> None:
    got: queue.Queue[ScannedCode] = queue.Queue()
    rig.scanner.start(got.put)
    rig.scanner.stop()
    rig.scanner.stop()
    if rig.source is not ScanSource.SERIAL:  # a closed port cannot even be written
        rig.read("LATE-0002")
    with pytest.raises(queue.Empty):
        got.get(timeout=0.2)


def test_the_camera_rig_reads_qr_codes_made_by_segno() -> None:
    made = camera_rig()
    got: list[ScannedCode] = []
    made.scanner.start(got.append)
    made.read("upi://pay?pa=galla@upi&am=479.00")
    assert got == [ScannedCode("upi://pay?pa=galla@upi&am=479.00", ScanSource.CAMERA, "QR")]


# ----------------------------------------------------------------- slower scanners
BLUETOOTH_GAPS_MS = [0, 45, 70, 38, 90, 52, 61, 48, 77, 55, 66, 40, 83, 58]


def test_a_bluetooth_scanner_needs_a_longer_gap_setting() -> None:
    presses = []
    now = 0
    for char, gap in zip("8901234567890", BLUETOOTH_GAPS_MS, strict=False):
        now += gap
        presses.append(KeyInput(KeyKind.CHAR, char, now))
    presses.append(KeyInput(KeyKind.ENTER, "", now + BLUETOOTH_GAPS_MS[-1]))

    def scans(decoder: WedgeDecoder) -> list[str]:
        found = []
        for press in presses:
            found += [a.code for a in decoder.feed(press) if isinstance(a, Scanned)]
        return found

    assert scans(WedgeDecoder()) == [], "the default 40 ms is for USB scanners"
    assert scans(WedgeDecoder(WedgeSettings(max_gap_ms=100))) == ["8901234567890"]


# ----------------------------------------------------------------- queue robustness
def test_a_status_listener_that_raises_does_not_stop_printing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(state: QueueState) -> None:
        raise RuntimeError("status bar deleted")

    printer = FakePrinter()
    printer.fail_next(OSError("blip"))
    q = PrintQueue(printer, broken, backoff=Backoff(0.001, 2, 0.01))
    q.start()
    try:
        with caplog.at_level(logging.ERROR):
            q.submit(b"one", "one")
            q.submit(b"two", "two")
            assert q.wait_idle(5)
    finally:
        q.stop()
    assert printer.jobs == [b"one", b"two"]
    assert q.state.status is PrinterStatus.OK
    assert "status listener failed" in caplog.text
