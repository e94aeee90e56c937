"""Settings (TOML + env, documented), the demo data and the ``galla-till`` command."""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from desktop import __main__ as entry
from desktop.demo import demo_items, demo_rates
from desktop.errors import SettingsError
from desktop.settings import Settings, default_data_dir, describe_settings, load_settings
from shared.barcode import normalize_gtin
from shared.gst import RateTable

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_put_the_database_in_the_user_data_folder() -> None:
    settings = load_settings(env={})
    assert settings.data_dir == default_data_dir()
    assert settings.database_path.name == "till.sqlite3"


def test_toml_then_environment_override_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        'store_name = "Sharma Stores"\nidle_lock_seconds = 60\ncashier_discount_percent = "2.5"\n'
    )
    settings = load_settings(data_dir=tmp_path, env={"GALLA_TILL_IDLE_LOCK_SECONDS": "90"})
    assert settings.store_name == "Sharma Stores"
    assert settings.idle_lock_seconds == 90
    assert settings.cashier_discount_percent == Decimal("2.5")


def test_the_data_dir_can_come_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(env={"GALLA_TILL_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path


@pytest.mark.parametrize(
    ("toml", "env", "name"),
    [
        ('colour = "red"\n', {}, "colour"),
        ("idle_lock_seconds = 1.5\n", {}, "idle_lock_seconds"),
        ("", {"GALLA_TILL_MAX_PIN_ATTEMPTS": "many"}, "max_pin_attempts"),
        ("", {"GALLA_TILL_LOCKOUT_SECONDS": "-5"}, "lockout_seconds"),
        ("", {"GALLA_TILL_CASHIER_DISCOUNT_PERCENT": "150"}, "cashier_discount_percent"),
        ("", {"GALLA_TILL_CASHIER_DISCOUNT_PERCENT": "60"}, "cashier_discount_percent"),
        ("", {"GALLA_TILL_STORE_ID": "not-a-uuid"}, "store_id"),
        ("", {"GALLA_TILL_STATE_CODE": "KA"}, "state_code"),
        ("", {"GALLA_TILL_IDLE_LOCK_SECONDS": "5"}, "idle_lock_seconds"),
        ("", {"GALLA_TILL_MAX_PIN_ATTEMPTS": "0"}, "max_pin_attempts"),
        ("", {"GALLA_TILL_ARGON2_MEMORY_KIB": "8"}, "argon2_memory_kib"),
        ("store_name = 5\n", {}, "store_name"),
        ("supervisor_discount_percent = 1.5\n", {}, "supervisor_discount_percent"),
        ("this is not toml", {}, "settings.toml"),
    ],
)
def test_bad_settings_name_the_setting(
    tmp_path: Path, toml: str, env: dict[str, str], name: str
) -> None:
    (tmp_path / "settings.toml").write_text(toml)
    with pytest.raises(SettingsError) as caught:
        load_settings(data_dir=tmp_path, env=env)
    assert name in str(caught.value)


def test_a_named_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot be read"):
        load_settings(data_dir=tmp_path, config_file=tmp_path / "missing.toml", env={})


def test_every_setting_is_documented_in_the_till_readme() -> None:
    readme = (ROOT / "desktop" / "README.md").read_text()
    described = describe_settings()
    assert {name for name, _, _ in described} == set(Settings.__dataclass_fields__)
    missing = [name for name, _, _ in described if f"`{name}`" not in readme]
    assert missing == []


def test_the_demo_catalog_has_about_fifty_valid_items() -> None:
    items = demo_items()
    assert 45 <= len(items) <= 60
    codes = [code for _, codes in items for code in codes]
    assert len(codes) == len(set(codes))
    assert all(normalize_gtin(code) == code for code in codes)
    table = RateTable(demo_rates())
    assert {item.hsn for item, _ in items} <= {rate.hsn for rate in table.rates}


def test_help_is_fast_and_does_not_import_qt() -> None:
    started = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from desktop.__main__ import main; "
            "exec('try:\\n main([\"--help\"])\\nexcept SystemExit: pass'); "
            "print('PySide6' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "--demo" in out.stdout
    assert out.stdout.strip().endswith("False")
    assert time.perf_counter() - started < 5


def test_a_bad_setting_stops_the_till_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GALLA_TILL_STATE_CODE", "X")
    assert entry.main(["--data-dir", str(tmp_path)]) == 2
    assert "state_code" in capsys.readouterr().err


def test_demo_mode_seeds_and_prints_the_pins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import desktop.ui.app

    monkeypatch.setenv("GALLA_TILL_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("GALLA_TILL_ARGON2_MEMORY_KIB", "32")
    ran = []
    monkeypatch.setattr(desktop.ui.app, "run", lambda till: ran.append(till) or till.close() or 0)
    assert entry.main(["--demo", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "PIN 1234" in out
    assert "PIN 9999" in out
    assert "(seeded)" in out
    assert ran
    assert (tmp_path / "till.sqlite3").exists()
    assert entry.main(["--demo", "--data-dir", str(tmp_path)]) == 0
    assert "(seeded)" not in capsys.readouterr().out
