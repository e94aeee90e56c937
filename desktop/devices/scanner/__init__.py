"""Barcode scanners: keyboard wedge, serial/USB-COM, camera or image file, and a fake."""

from desktop.devices.scanner.base import FakeScanner, ScanListener, ScannedCode, Scanner, ScanSource

__all__ = ("FakeScanner", "ScanListener", "ScanSource", "ScannedCode", "Scanner")
