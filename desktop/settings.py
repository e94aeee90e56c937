"""The till's settings: documented data, loaded once at start-up from TOML and the environment.

Precedence, lowest first: the defaults below, the TOML file (``settings.toml`` in the data
folder, or ``--config``), then environment variables named ``GALLA_TILL_<NAME>`` (for example
``GALLA_TILL_IDLE_LOCK_SECONDS=120``). Every field carries its help text in
``metadata["help"]``; :func:`describe_settings` lists them for docs and ``--help``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from uuid import UUID

from desktop.errors import SettingsError

__all__ = ("ENV_PREFIX", "Settings", "default_data_dir", "describe_settings", "load_settings")

ENV_PREFIX = "GALLA_TILL_"
"""Prefix of the environment variables that override settings."""

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

    @property
    def database_path(self) -> Path:
        """Where the till database lives."""
        return self.data_dir / "till.sqlite3"


def describe_settings() -> list[tuple[str, str, str]]:
    """(name, default, help) of every setting, for docs and tests."""
    out = []
    for f in fields(Settings):
        default = "per-user data folder" if f.name == "data_dir" else str(f.default)
        out.append((f.name, default, str(f.metadata["help"])))
    return out


def _convert(name: str, kind: str, value: object) -> object:
    try:
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError
            number = int(value)
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
    return settings


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
        for key, value in raw.items():
            if key not in kinds or key == "data_dir":
                raise SettingsError(key, f"is not a till setting (in {path})")
            values[key] = _convert(key, kinds[key], value)
    for key, kind in kinds.items():
        text = environment.get(ENV_PREFIX + key.upper())
        if text is not None and key != "data_dir":
            values[key] = _convert(key, kind, text)
    return _validate(replace(base, **values))  # type: ignore[arg-type]
