"""Serial and USB-COM scanners: codes arrive as lines on a (virtual) COM port.

Most retail scanners can be programmed into USB-COM (CDC-ACM) mode, which bypasses keyboard
focus entirely: the most robust choice for a till. A reader thread reads up to the configured
terminator and hands each code to the listener **on that thread**; a Qt screen re-emits it
as a signal to reach the GUI thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import serial

from desktop.devices.errors import DeviceConfigError, ScannerError
from desktop.devices.scanner.base import ScanListener, ScannedCode, ScanSource

__all__ = ("SerialScanner", "SerialScannerSettings")


@dataclass(frozen=True, slots=True)
class SerialScannerSettings:
    """Where a serial scanner is and how it frames codes.

    Attributes:
        port: the port name (``/dev/ttyACM0``, ``COM4``) or any pyserial URL
            (``socket://host:port``, ``loop://`` in tests).
        baudrate: the line speed; scanners default to 9600 8N1.
        terminator: the bytes that end each code; CR by default (a CR LF scanner works too,
            the LF is stripped).
        encoding: how the code's bytes become text.
        poll_s: how long one read waits before checking whether to stop.
    """

    port: str
    baudrate: int = 9600
    terminator: bytes = b"\r"
    encoding: str = "ascii"
    poll_s: float = 0.2

    def __post_init__(self) -> None:
        if not self.port:
            raise DeviceConfigError("a serial scanner needs a port such as /dev/ttyACM0 or COM4")
        if not self.terminator:
            raise DeviceConfigError("a serial scanner needs a terminator such as CR")
        if self.baudrate <= 0:
            raise DeviceConfigError(f"baud rate must be positive, not {self.baudrate}")


class SerialScanner:
    """A :class:`~.base.Scanner` reading codes from a serial port on a background thread."""

    def __init__(self, settings: SerialScannerSettings) -> None:
        """Prepare to read from the port in ``settings``; nothing opens until :meth:`start`."""
        self.settings = settings
        self._port: serial.SerialBase | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def running(self) -> bool:
        """Whether the reader thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, listener: ScanListener) -> None:
        """Open the port and start reading.

        Raises:
            ScannerError: the port cannot be opened (wrong name, in use, no permission).
        """
        if self.running:
            return
        try:
            self._port = serial.serial_for_url(
                self.settings.port, baudrate=self.settings.baudrate, timeout=self.settings.poll_s
            )
        except (serial.SerialException, ValueError) as error:
            raise ScannerError(
                f"cannot open the scanner on {self.settings.port}: {error}"
            ) from error
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._read_loop, args=(self._port, listener), name="serial-scanner", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop reading and close the port; safe to call twice."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(self.settings.poll_s * 5 + 1)
        port, self._port = self._port, None
        if port is not None:
            port.close()

    def _read_loop(self, port: serial.SerialBase, listener: ScanListener) -> None:
        terminator = self.settings.terminator
        pending = b""
        while not self._stopping.is_set():
            try:
                chunk = port.read_until(terminator)
            except (serial.SerialException, OSError, TypeError, AttributeError):
                return  # unplugged or closed under us; stop() or a restart takes over
            pending += chunk
            while terminator in pending:
                raw, pending = pending.split(terminator, 1)
                text = raw.decode(self.settings.encoding, errors="replace").strip("\r\n\x00 ")
                if text:
                    listener(ScannedCode(text, ScanSource.SERIAL))
