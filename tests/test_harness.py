"""The test harness itself works: PostgreSQL fixture, Qt offscreen, both console scripts."""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit

import asyncpg
import pytest

from sync_server.db.embedded import asyncpg_connect_args


async def test_pg_url_is_a_private_empty_database_on_a_real_postgresql(pg_url: str) -> None:
    conn = await asyncpg.connect(**asyncpg_connect_args(pg_url))
    try:
        name = await conn.fetchval("SELECT current_database()")
        version = await conn.fetchval("SHOW server_version_num")
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        await conn.execute("CREATE TABLE probe (id int PRIMARY KEY)")
    finally:
        await conn.close()
    assert name.startswith("galla_test_")
    assert int(version) >= 150000
    assert tables == 0


async def test_each_test_gets_a_different_database(pg_url: str, pg_admin_url: str) -> None:
    conn = await asyncpg.connect(**asyncpg_connect_args(pg_admin_url))
    try:
        names = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE 'galla_test_%'"
        )
    finally:
        await conn.close()
    ours = urlsplit(pg_url).path.lstrip("/")
    mine = {r["datname"] for r in names if r["datname"].startswith(f"galla_test_{os.getpid()}_")}
    # our own database exists and the previous test's was dropped (other runs may share the server)
    assert mine == {ours}


@pytest.mark.qt
def test_qt_widgets_run_offscreen(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QLineEdit

    field = QLineEdit()
    qtbot.addWidget(field)
    qtbot.keyClicks(field, "8901234567890")
    assert field.text() == "8901234567890"
    assert QGuiApplication.platformName() == "offscreen"


@pytest.mark.parametrize(
    ("module", "prog"), [("desktop", "galla-till"), ("sync_server.cli", "galla-server")]
)
def test_console_scripts_answer_help(module: str, prog: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {prog}")
