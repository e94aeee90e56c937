"""Printers from settings: real python-escpos transports against local stand-ins, and the fake.

One contract runs against both the fake and the real adapter; the transports are then checked
against a local TCP server (network), a temp file (file / device node) and a pseudo-terminal
(serial), so the bytes a job produces are the bytes that arrive.
"""

from __future__ import annotations

import os
import pty
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from escpos.printer import Dummy

from desktop.devices.errors import DeviceConfigError, PaperOut, PrinterError, PrinterOffline
from desktop.devices.printer.device import EscposPrinter, FakePrinter, Printer, PrinterStatus
from desktop.devices.printer.transports import Backend, PrinterSettings, make_escpos, make_printer


class ReadingDummy(Dummy):
    """A Dummy that answers status queries with canned bytes, as a real printer would."""

    def __init__(self, answers: dict[bytes, bytes]) -> None:
        super().__init__()
        self.answers = answers
        self.closed = 0

    def _read(self) -> bytes:
        return self.answers.get(self.output[-3:], b"")

    def close(self) -> None:
        self.closed += 1


ONLINE = b"\x10\x04\x01"
PAPER = b"\x10\x04\x04"


# ----------------------------------------------------------------- one contract, two printers
def make_fake() -> tuple[Printer, Callable[[], list[bytes]]]:
    fake = FakePrinter()
    return fake, lambda: fake.jobs


def make_escpos_on_dummy() -> tuple[Printer, Callable[[], list[bytes]]]:
    dummy = Dummy()
    return EscposPrinter(lambda: dummy), lambda: [dummy.output] if dummy.output else []


@pytest.mark.parametrize("factory", [make_fake, make_escpos_on_dummy], ids=["fake", "escpos"])
def test_every_printer_delivers_a_job_byte_for_byte(
    factory: Callable[[], tuple[Printer, Callable[[], list[bytes]]]],
) -> None:
    printer, printed = factory()
    printer.send(b"\x1b@hello\n")
    assert b"".join(printed()) == b"\x1b@hello\n"
    assert printer.status() in (PrinterStatus.OK, PrinterStatus.UNKNOWN)
    printer.close()
    printer.close()  # closing twice is harmless


# ----------------------------------------------------------------- EscposPrinter
def test_status_is_read_from_printers_that_answer() -> None:
    ok = EscposPrinter(lambda: ReadingDummy({ONLINE: b"\x12", PAPER: b"\x12"}), reads_status=True)
    assert ok.status() is PrinterStatus.OK
    low = EscposPrinter(lambda: ReadingDummy({ONLINE: b"\x12", PAPER: b"\x1e"}), reads_status=True)
    assert low.status() is PrinterStatus.PAPER_LOW
    out = EscposPrinter(lambda: ReadingDummy({ONLINE: b"\x12", PAPER: b"\x72"}), reads_status=True)
    assert out.status() is PrinterStatus.PAPER_OUT
    offline = EscposPrinter(lambda: ReadingDummy({ONLINE: b"\x1a"}), reads_status=True)
    assert offline.status() is PrinterStatus.OFFLINE


def test_status_of_a_write_only_transport_is_unknown() -> None:
    assert EscposPrinter(Dummy).status() is PrinterStatus.UNKNOWN
    # python-escpos 3.1's Dummy cannot read: asking anyway is "unknown", not a crash
    assert EscposPrinter(Dummy, reads_status=True).status() is PrinterStatus.UNKNOWN


def test_a_status_query_that_fails_means_offline_and_drops_the_device() -> None:
    made: list[ReadingDummy] = []

    class Broken(ReadingDummy):
        def _read(self) -> bytes:
            raise OSError("usb read timeout")

    def factory() -> ReadingDummy:
        made.append(Broken({}))
        return made[-1]

    printer = EscposPrinter(factory, reads_status=True)
    assert printer.status() is PrinterStatus.OFFLINE
    assert made[0].closed == 1
    printer.send(b"x")
    assert len(made) == 2, "the next job opens the device afresh"


def test_a_failing_write_is_printer_offline_and_the_device_is_reopened_next_time() -> None:
    made: list[ReadingDummy] = []

    class Unplugged(ReadingDummy):
        def _raw(self, msg: bytes) -> None:
            raise OSError("[Errno 19] No such device")

    def factory() -> ReadingDummy:
        made.append(Unplugged({}) if not made else ReadingDummy({}))
        return made[-1]

    printer = EscposPrinter(factory)
    with pytest.raises(PrinterOffline, match="No such device"):
        printer.send(b"x")
    assert made[0].closed == 1
    printer.send(b"x")
    assert made[1].output == b"x"


def test_a_printer_error_from_the_device_passes_through_unchanged() -> None:
    class NoPaper(ReadingDummy):
        def _raw(self, msg: bytes) -> None:
            raise PaperOut("no paper")

    with pytest.raises(PaperOut):
        EscposPrinter(lambda: NoPaper({})).send(b"x")


def test_the_fake_printer_can_be_scripted_to_fail() -> None:
    fake = FakePrinter()
    fake.fail_next(PrinterError("jam"), times=2)
    for _ in range(2):
        with pytest.raises(PrinterError, match="jam"):
            fake.send(b"x")
    fake.set_status(PrinterStatus.OFFLINE)
    with pytest.raises(PrinterOffline):
        fake.send(b"x")
    fake.set_status(PrinterStatus.PAPER_OUT)
    with pytest.raises(PaperOut):
        fake.send(b"x")
    fake.recover()
    fake.send(b"x")
    assert fake.jobs == [b"x"]
    assert fake.attempts == 5


# ----------------------------------------------------------------- transports
@pytest.fixture
def tcp_printer() -> Iterator[tuple[int, list[bytes]]]:
    """A local raw-9100-style printer: records bytes, answers status queries as 'all fine'."""
    server = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                while chunk := conn.recv(4096):
                    received.append(chunk)
                    if chunk.endswith((ONLINE, PAPER)):
                        conn.sendall(b"\x12")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    server.close()
    thread.join(2)


def test_a_network_printer_receives_the_job_over_tcp(tcp_printer: tuple[int, list[bytes]]) -> None:
    port, received = tcp_printer
    printer = make_printer(PrinterSettings(backend=Backend.NETWORK, host="127.0.0.1", port=port))
    assert printer.status() is PrinterStatus.OK
    printer.send(b"\x1b@receipt\n")
    printer.close()
    deadline = time.monotonic() + 5
    while b"\x1b@receipt\n" not in b"".join(received) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert b"\x1b@receipt\n" in b"".join(received)


def test_a_network_printer_nobody_listens_on_is_offline() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    settings = PrinterSettings(backend=Backend.NETWORK, host="127.0.0.1", port=port, timeout_s=1)
    printer = make_printer(settings)
    with pytest.raises(PrinterOffline):
        printer.send(b"x")
    assert printer.status() is PrinterStatus.OFFLINE


def test_a_file_printer_writes_the_job_to_the_device_node(tmp_path: Path) -> None:
    node = tmp_path / "lp0"
    printer = make_printer(PrinterSettings(backend=Backend.FILE, device_path=str(node)))
    printer.send(b"\x1b@one\n")
    printer.send(b"two\n")
    printer.close()
    assert node.read_bytes().endswith(b"two\n")
    assert printer.status() is PrinterStatus.UNKNOWN


def test_a_file_printer_in_a_missing_directory_is_offline(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "lp0"
    printer = make_printer(PrinterSettings(backend=Backend.FILE, device_path=str(missing)))
    with pytest.raises(PrinterOffline):
        printer.send(b"x")


def test_a_serial_printer_receives_the_job_on_its_port() -> None:
    controller, device = pty.openpty()
    try:
        settings = PrinterSettings(
            backend=Backend.SERIAL, serial_port=os.ttyname(device), baudrate=19200, timeout_s=1
        )
        printer = make_printer(settings)
        printer.send(b"\x1b@serial\n")
        got = b""
        while not got.endswith(b"serial\n"):
            got += os.read(controller, 1024)
        printer.close()
        assert got.endswith(b"\x1b@serial\n")
    finally:
        os.close(controller)
        os.close(device)


def test_the_fake_backend_gives_a_fake_printer() -> None:
    assert isinstance(make_printer(PrinterSettings()), FakePrinter)
    with pytest.raises(DeviceConfigError, match="fake"):
        make_escpos(PrinterSettings())


def test_a_usb_printer_without_pyusb_installed_is_a_clear_settings_error() -> None:
    settings = PrinterSettings(backend=Backend.USB, usb_vendor_id=0x0416, usb_product_id=0x5011)
    from escpos.printer import Usb

    if Usb.is_usable():  # a machine with pyusb: the object is made, nothing is opened yet
        assert isinstance(make_printer(settings), EscposPrinter)
    else:
        with pytest.raises(DeviceConfigError, match="pyusb"):
            make_printer(settings)


def test_a_cups_printer_without_pycups_installed_is_a_clear_settings_error() -> None:
    from escpos.printer import CupsPrinter

    settings = PrinterSettings(backend=Backend.CUPS, cups_printer="TM-T82")
    if CupsPrinter.is_usable():
        assert isinstance(make_printer(settings), EscposPrinter)
    else:
        with pytest.raises(DeviceConfigError, match="pycups"):
            make_printer(settings)


def test_a_profile_name_is_passed_to_python_escpos() -> None:
    escpos = make_escpos(
        PrinterSettings(backend=Backend.NETWORK, host="10.0.0.9", profile="TM-T20II")
    )
    assert escpos.profile.profile_data["name"] == "TM-T20II"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"columns": 40}, "receipt width"),
        ({"font": "c"}, "font"),
        ({"timeout_s": 0}, "timeout"),
        ({"backend": Backend.USB}, "usb_vendor_id and usb_product_id"),
        ({"backend": Backend.SERIAL}, "serial_port"),
        ({"backend": Backend.NETWORK}, "host"),
        ({"backend": Backend.FILE}, "device_path"),
        ({"backend": Backend.CUPS}, "cups_printer"),
        ({"backend": Backend.NETWORK, "host": "h", "port": 70000}, "port"),
    ],
)
def test_bad_printer_settings_name_what_is_wrong(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(DeviceConfigError, match=message):
        PrinterSettings(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("settings", "described"),
    [
        (PrinterSettings(), "in-memory printer, 48 columns, font A"),
        (
            PrinterSettings(backend=Backend.USB, usb_vendor_id=0x416, usb_product_id=0x5011),
            "USB 0416:5011, 48 columns, font A",
        ),
        (
            PrinterSettings(backend=Backend.SERIAL, serial_port="COM3", columns=32),
            "serial COM3 @ 9600, 32 columns, font A",
        ),
        (
            PrinterSettings(backend=Backend.NETWORK, host="10.0.0.5"),
            "network 10.0.0.5:9100, 48 columns, font A",
        ),
        (
            PrinterSettings(backend=Backend.FILE, device_path="/dev/usb/lp0"),
            "file /dev/usb/lp0, 48 columns, font A",
        ),
        (
            PrinterSettings(backend=Backend.CUPS, cups_printer="pos", columns=42, font="b"),
            "CUPS queue pos, 42 columns, font B",
        ),
    ],
)
def test_settings_describe_the_printer_in_one_line(
    settings: PrinterSettings, described: str
) -> None:
    assert settings.describe() == described
