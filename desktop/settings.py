"""The till's settings: documented data, loaded once at start-up from TOML and the environment.

Precedence, lowest first: the defaults below, the TOML file (``settings.toml`` in the data
folder, or ``--config``), then environment variables named ``GALLA_TILL_<NAME>`` (for example
``GALLA_TILL_IDLE_LOCK_SECONDS=120``). Every field carries its help text in
``metadata["help"]``; :func:`describe_settings` lists them for docs and ``--help``.

Device settings are grouped in TOML tables: ``[printer] backend = "file"`` is the setting
``printer_backend`` (environment ``GALLA_TILL_PRINTER_BACKEND``); the tables are
:data:`SECTIONS`. :meth:`Settings.hardware` turns them into the device layer's
:class:`~desktop.devices.settings.HardwareSettings`. :func:`save_settings` writes changes
from the settings screen back to the TOML file atomically (temp file, fsync, rename).
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from uuid import UUID

from desktop.devices.display.pole import PoleSettings
from desktop.devices.errors import DeviceConfigError
from desktop.devices.printer.layout import ReceiptCode, RupeeMode
from desktop.devices.printer.transports import Backend, PrinterSettings
from desktop.devices.scanner.engine import Engine
from desktop.devices.scanner.wedge import WedgeSettings
from desktop.devices.settings import (
    DisplayKind,
    DisplaySettings,
    HardwareSettings,
    ScannerKind,
    ScannerSettings,
)
from desktop.errors import SettingsError

__all__ = (
    "ENV_PREFIX",
    "SECTIONS",
    "Settings",
    "changed_settings",
    "default_data_dir",
    "describe_settings",
    "hardware_values",
    "load_settings",
    "save_settings",
    "settings_values",
)

ENV_PREFIX = "GALLA_TILL_"
"""Prefix of the environment variables that override settings."""

SECTIONS = ("printer", "receipt", "scanner", "display")
"""TOML tables of the settings file; ``[printer] backend`` is the setting ``printer_backend``."""

_CASHIER_LIMIT = Decimal(5)
_SUPERVISOR_LIMIT = Decimal(50)


def default_data_dir() -> Path:
    """The per-user data folder of the till (``platformdirs``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("galla-till", "Galla"))


def _help(text: str, default: Any) -> Any:
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the till can be configured with. Device settings live with the devices."""

    data_dir: Path = field(
        default_factory=default_data_dir,
        metadata={"help": "Folder for the till database (till.sqlite3) and settings.toml."},
    )
    store_name: str = _help("Trade name printed on every receipt.", "Galla Demo Store")
    store_address: str = _help(
        "One line of store address printed on receipts.", "12 MG Road, Bengaluru 560001"
    )
    store_gstin: str = _help(
        "The store's GSTIN (15 characters); empty if unregistered.", "29AAACH7409R1ZX"
    )
    state_code: str = _help("Two-digit GST state code of the store (place of supply).", "29")
    store_code: str = _help(
        "Store part of invoice numbers: 1-4 letters/digits, letter first.", "DEMO"
    )
    terminal_code: str = _help("Terminal part of invoice numbers: exactly 2 letters/digits.", "T1")
    store_id: str = _help(
        "The store's id on the sync server (a UUID).", "01890000-0000-7000-8000-000000000001"
    )
    terminal_id: str = _help(
        "This terminal's id on the sync server (a UUID).", "01890000-0000-7000-8000-000000000002"
    )
    idle_lock_seconds: int = _help("Lock the till after this many idle seconds.", 300)
    max_pin_attempts: int = _help("Wrong PINs in a row before a user is locked out.", 5)
    lockout_seconds: int = _help("How long a locked-out user must wait.", 300)
    cashier_discount_percent: Decimal = _help(  # noqa: RUF009 - Decimal is immutable
        "Highest discount a cashier may give without a supervisor, in percent.", _CASHIER_LIMIT
    )
    supervisor_discount_percent: Decimal = _help(  # noqa: RUF009 - Decimal is immutable
        "Highest discount a supervisor may give or approve, in percent.", _SUPERVISOR_LIMIT
    )
    argon2_time_cost: int = _help("argon2id iterations for new PIN hashes.", 3)
    argon2_memory_kib: int = _help("argon2id memory in KiB for new PIN hashes.", 65536)
    # ---------------------------------------------------------------- [printer]
    printer_backend: str = _help(
        "How the till reaches the receipt printer: usb, serial, network, file, cups, or fake"
        " (no printer: jobs stay in memory; with --demo they go to <data_dir>/receipts.escpos).",
        "fake",
    )
    printer_columns: int = _help(
        "Receipt width in characters: 32 (58 mm paper), 42 (80 mm at 180 dpi) or 48 (80 mm).",
        48,
    )
    printer_font: str = _help("Printer font: a (12x24) or b (9x17, more columns).", "a")
    printer_profile: str = _help(
        "python-escpos capability profile name; empty for the library default.", ""
    )
    printer_rupee: str = _help(
        "How the rupee sign prints: text ('Rs.', works on every printer) or glyph (a"
        " downloaded ₹ character).",
        "text",
    )
    printer_receipt_code: str = _help(
        "Receipt number for returns printed as qr, barcode or none.", "qr"
    )
    printer_kick_drawer: bool = _help(
        "Open the cash drawer (through the printer) on receipts with a cash tender.", True
    )
    printer_drawer_pin: int = _help("Cash drawer connector pin: 2 or 5.", 2)
    printer_usb_vendor_id: int = _help("USB vendor id of a usb printer, e.g. 0x0416.", 0)
    printer_usb_product_id: int = _help("USB product id of a usb printer, e.g. 0x5011.", 0)
    printer_usb_in_ep: int = _help("USB IN endpoint of a usb printer (status reads).", 0x82)
    printer_usb_out_ep: int = _help("USB OUT endpoint of a usb printer.", 0x01)
    printer_serial_port: str = _help(
        "Serial port of a serial printer, e.g. /dev/ttyUSB0 or COM3.", ""
    )
    printer_baudrate: int = _help("Baud rate of a serial printer.", 9600)
    printer_host: str = _help("Host name or address of a network printer.", "")
    printer_port: int = _help("Raw TCP port of a network printer.", 9100)
    printer_device_path: str = _help(
        "Device node or file of a file printer, e.g. /dev/usb/lp0.", ""
    )
    printer_cups_printer: str = _help("CUPS queue name of a cups printer.", "")
    printer_timeout_s: int = _help(
        "Seconds to wait for a network, serial or USB printer before giving up.", 5
    )
    # ---------------------------------------------------------------- [receipt]
    receipt_footer: str = _help(
        "Closing lines printed at the foot of every receipt (one per line).",
        "Thank you. Visit again!",
    )
    receipt_phone: str = _help("Store phone number printed under the address.", "")
    # ---------------------------------------------------------------- [scanner]
    scanner_kind: str = _help(
        "Barcode scanner: wedge (USB keyboard mode), serial (USB-COM) or camera.", "wedge"
    )
    scanner_max_gap_ms: int = _help(
        "Wedge: longest pause between two keys of one scan, in ms (100-150 for Bluetooth).", 40
    )
    scanner_min_length: int = _help(
        "Wedge: the shortest burst of keys taken as a scan rather than typing.", 4
    )
    scanner_prefix: str = _help("Wedge: characters the scanner sends before each code.", "")
    scanner_suffix: str = _help("Wedge: characters the scanner sends after each code.", "")
    scanner_serial_port: str = _help("Serial: the scanner's port, e.g. /dev/ttyACM0 or COM4.", "")
    scanner_serial_baudrate: int = _help("Serial: the scanner's baud rate.", 9600)
    scanner_camera_engine: str = _help(
        "Camera: decoder, both (zxing-cpp then pyzbar), zxing or pyzbar.", "both"
    )
    # ---------------------------------------------------------------- [display]
    display_kind: str = _help(
        "Customer display: none, pole (serial 2-line display) or window (second screen).",
        "none",
    )
    display_pole_port: str = _help("Pole display: serial port, e.g. /dev/ttyUSB1 or COM5.", "")
    display_pole_width: int = _help("Pole display: characters per line.", 20)

    @property
    def database_path(self) -> Path:
        """Where the till database lives."""
        return self.data_dir / "till.sqlite3"

    @property
    def settings_path(self) -> Path:
        """The default settings file, ``settings.toml`` in the data folder."""
        return self.data_dir / "settings.toml"

    def hardware(self) -> HardwareSettings:
        """The printer, scanner and display settings as the device layer's values.

        Raises:
            SettingsError: an unknown choice or a device setting that is missing or bad.
        """
        return _hardware(self)


def describe_settings() -> list[tuple[str, str, str]]:
    """(name, default, help) of every setting, for docs and tests."""
    out = []
    for f in fields(Settings):
        default = "per-user data folder" if f.name == "data_dir" else str(f.default)
        out.append((f.name, default, str(f.metadata["help"])))
    return out


def _parse_int(text: str) -> int:
    text = text.strip()
    return int(text, 16) if text.lower().startswith("0x") else int(text)


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _convert(name: str, kind: str, value: object) -> object:
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                return value.strip().lower() in _TRUE
            raise SettingsError(name, f"expected true or false, got {value!r}")
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError
            # hex ids (0x0416) are how USB printers are documented
            number = value if isinstance(value, int) else _parse_int(value)
            if number < 0:
                raise SettingsError(name, f"must not be negative, got {number}")
            return number
        if kind == "Decimal":
            if isinstance(value, float | bool):
                raise ValueError
            number_d = Decimal(str(value))
            if not number_d.is_finite() or not 0 <= number_d <= 100:
                raise SettingsError(name, f"must be a percent from 0 to 100, got {value}")
            return number_d
        if kind == "Path":
            return Path(str(value)).expanduser()
        if not isinstance(value, str):
            raise ValueError
        return value
    except SettingsError:
        raise  # already says what is wrong (a SettingsError is a ValueError too)
    except (ValueError, InvalidOperation):
        raise SettingsError(name, f"expected {kind}, got {value!r}") from None


def _validate(settings: Settings) -> Settings:
    for name in ("store_id", "terminal_id"):
        try:
            UUID(getattr(settings, name))
        except ValueError:
            raise SettingsError(name, "must be a UUID") from None
    if not (len(settings.state_code) == 2 and settings.state_code.isdigit()):
        raise SettingsError("state_code", "must be two digits, e.g. '29'")
    if settings.cashier_discount_percent > settings.supervisor_discount_percent:
        raise SettingsError(
            "cashier_discount_percent", "must not be above supervisor_discount_percent"
        )
    if settings.idle_lock_seconds < 10:
        raise SettingsError("idle_lock_seconds", "must be at least 10 seconds")
    if settings.argon2_time_cost < 1 or settings.argon2_memory_kib < 32:
        raise SettingsError("argon2_memory_kib", "argon2 needs time cost >= 1 and >= 32 KiB")
    if settings.max_pin_attempts < 1:
        raise SettingsError("max_pin_attempts", "must be at least 1")
    _hardware(settings)
    return settings


def _choice(settings: Settings, name: str, kind: type[Any]) -> Any:
    value = getattr(settings, name)
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise SettingsError(name, f"must be one of {allowed}, not {value!r}") from None


def _hardware(s: Settings) -> HardwareSettings:
    section = "printer"
    try:
        printer = PrinterSettings(
            backend=_choice(s, "printer_backend", Backend),
            columns=s.printer_columns,
            font=s.printer_font,
            profile=s.printer_profile,
            rupee=_choice(s, "printer_rupee", RupeeMode),
            receipt_code=_choice(s, "printer_receipt_code", ReceiptCode),
            kick_drawer=s.printer_kick_drawer,
            drawer_pin=s.printer_drawer_pin,
            usb_vendor_id=s.printer_usb_vendor_id,
            usb_product_id=s.printer_usb_product_id,
            usb_in_ep=s.printer_usb_in_ep,
            usb_out_ep=s.printer_usb_out_ep,
            serial_port=s.printer_serial_port,
            baudrate=s.printer_baudrate,
            host=s.printer_host,
            port=s.printer_port,
            device_path=s.printer_device_path,
            cups_printer=s.printer_cups_printer,
            timeout_s=float(s.printer_timeout_s),
        )
        if printer.drawer_pin not in (2, 5):
            raise DeviceConfigError(f"the drawer pin must be 2 or 5, not {printer.drawer_pin}")
        section = "scanner"
        scanner = ScannerSettings(
            kind=_choice(s, "scanner_kind", ScannerKind),
            wedge=WedgeSettings(
                max_gap_ms=s.scanner_max_gap_ms,
                min_length=s.scanner_min_length,
                prefix=s.scanner_prefix,
                suffix=s.scanner_suffix,
            ),
            serial_port=s.scanner_serial_port,
            serial_baudrate=s.scanner_serial_baudrate,
            camera_engine=_choice(s, "scanner_camera_engine", Engine),
        )
        section = "display"
        display = DisplaySettings(
            kind=_choice(s, "display_kind", DisplayKind),
            pole_port=s.display_pole_port,
            pole_width=s.display_pole_width,
        )
        if display.kind is not DisplayKind.POLE:
            PoleSettings("unused", width=display.pole_width)  # the width is checked anyway
    except DeviceConfigError as error:
        raise SettingsError(f"[{section}]", str(error)) from None
    return HardwareSettings(printer, scanner, display)


def hardware_values(hardware: HardwareSettings) -> dict[str, object]:
    """The settings (name -> value) that :meth:`Settings.hardware` would turn into ``hardware``.

    The settings screen edits a :class:`HardwareSettings`; this maps it back for saving.
    """
    printer, scanner, display = hardware.printer, hardware.scanner, hardware.display
    return {
        "printer_backend": printer.backend.value,
        "printer_columns": printer.columns,
        "printer_font": printer.font,
        "printer_profile": printer.profile,
        "printer_rupee": printer.rupee.value,
        "printer_receipt_code": printer.receipt_code.value,
        "printer_kick_drawer": printer.kick_drawer,
        "printer_drawer_pin": printer.drawer_pin,
        "printer_usb_vendor_id": printer.usb_vendor_id,
        "printer_usb_product_id": printer.usb_product_id,
        "printer_usb_in_ep": printer.usb_in_ep,
        "printer_usb_out_ep": printer.usb_out_ep,
        "printer_serial_port": printer.serial_port,
        "printer_baudrate": printer.baudrate,
        "printer_host": printer.host,
        "printer_port": printer.port,
        "printer_device_path": printer.device_path,
        "printer_cups_printer": printer.cups_printer,
        "printer_timeout_s": max(1, round(printer.timeout_s)),
        "scanner_kind": scanner.kind.value,
        "scanner_max_gap_ms": scanner.wedge.max_gap_ms,
        "scanner_min_length": scanner.wedge.min_length,
        "scanner_prefix": scanner.wedge.prefix,
        "scanner_suffix": scanner.wedge.suffix,
        "scanner_serial_port": scanner.serial_port,
        "scanner_serial_baudrate": scanner.serial_baudrate,
        "scanner_camera_engine": scanner.camera_engine.value,
        "display_kind": display.kind.value,
        "display_pole_port": display.pole_port,
        "display_pole_width": display.pole_width,
    }


def load_settings(
    *,
    data_dir: Path | None = None,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings from defaults, the TOML file and the environment.

    Args:
        data_dir: overrides the data folder (``--data-dir``).
        config_file: the TOML file; default ``<data_dir>/settings.toml`` if it exists.
        env: the environment to read ``GALLA_TILL_*`` from (pass ``os.environ``).

    Raises:
        SettingsError: an unknown key, a value of the wrong type, or a bad value; the
            message names the setting.
    """
    kinds = {f.name: str(f.type) for f in fields(Settings)}
    values: dict[str, object] = {}
    environment = env or {}
    env_dir = environment.get(ENV_PREFIX + "DATA_DIR")
    base = Settings(data_dir=Path(data_dir or env_dir or default_data_dir()))
    path = config_file or base.data_dir / "settings.toml"
    if config_file is not None or path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(str(path), f"cannot be read: {exc}") from exc
        for key, value in _flatten(raw, path).items():
            if key not in kinds or key == "data_dir":
                raise SettingsError(key, f"is not a till setting (in {path})")
            values[key] = _convert(key, kinds[key], value)
    for key, kind in kinds.items():
        text = environment.get(ENV_PREFIX + key.upper())
        if text is not None and key != "data_dir":
            values[key] = _convert(key, kind, text)
    return _validate(replace(base, **values))  # type: ignore[arg-type]


def _flatten(raw: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """``{"printer": {"backend": "file"}}`` -> ``{"printer_backend": "file"}``."""
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            if key not in SECTIONS:
                raise SettingsError(
                    f"[{key}]", f"is not a section of the till settings (in {path})"
                )
            for inner, item in value.items():
                flat[f"{key}_{inner}"] = item
        else:
            flat[key] = value
    return flat


def settings_values(settings: Settings) -> dict[str, object]:
    """Every setting except ``data_dir``, by name (what :func:`save_settings` can write)."""
    return {f.name: getattr(settings, f.name) for f in fields(Settings) if f.name != "data_dir"}


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # JSON string escapes are valid TOML basic-string escapes; Decimals go as text. JSON
    # leaves DEL raw, which TOML forbids in a string, so it is escaped too.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml(values: Mapping[str, object]) -> str:
    top = {k: v for k, v in values.items() if not k.startswith(tuple(f"{s}_" for s in SECTIONS))}
    out = ["# Galla till settings (written by the settings screen; see desktop/README.md)."]
    out += [f"{key} = {_toml_value(value)}" for key, value in top.items()]
    for section in SECTIONS:
        inner = {k: v for k, v in values.items() if k.startswith(section + "_")}
        if inner:
            out += ["", f"[{section}]"]
            out += [f"{k[len(section) + 1 :]} = {_toml_value(v)}" for k, v in inner.items()]
    return "\n".join(out) + "\n"


def _converted(changes: Mapping[str, object]) -> dict[str, object]:
    kinds = {f.name: str(f.type) for f in fields(Settings)}
    converted: dict[str, object] = {}
    for key, value in changes.items():
        if key not in kinds or key == "data_dir":
            raise SettingsError(key, "is not a till setting")
        converted[key] = _convert(key, kinds[key], value)
    return converted


def changed_settings(current: Settings, changes: Mapping[str, object]) -> Settings:
    """``current`` with ``changes`` (by name, as TOML or the screen gives them), validated.

    Raises:
        SettingsError: an unknown setting or a bad value.
    """
    return _validate(replace(current, **_converted(changes)))  # type: ignore[arg-type]


def save_settings(path: Path, current: Settings, changes: Mapping[str, object]) -> Settings:
    """Apply ``changes`` to ``current``, validate, and write them to the TOML file at ``path``.

    The file keeps what it already said and gains ``changes``; settings that only came from
    the environment are not written into it. The write is atomic: a temporary file in the
    same folder, flushed to disk, then renamed over the old one, so a crash leaves either the
    old file or the new one, never half of one.

    Returns:
        ``current`` with the changes, as the till should now run with.

    Raises:
        SettingsError: an unknown setting or a bad value (the file is left untouched), or
            the file cannot be read or written.
    """
    kinds = {f.name: str(f.type) for f in fields(Settings)}
    converted = _converted(changes)
    updated = _validate(replace(current, **converted))  # type: ignore[arg-type]
    on_disk: dict[str, object] = {}
    if path.exists():
        try:
            on_disk = _flatten(tomllib.loads(path.read_text(encoding="utf-8")), path)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(str(path), f"cannot be read: {exc}") from exc
    on_disk.update(converted)
    order = [name for name in kinds if name in on_disk]
    text = _toml({name: on_disk[name] for name in order})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".settings-", suffix=".toml", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
            dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except OSError as exc:
        raise SettingsError(str(path), f"cannot be written: {exc}") from exc
    return updated
