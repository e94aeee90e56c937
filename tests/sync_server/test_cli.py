"""``galla-server``: help for every command, admin commands, demo seeding, and ``dev`` itself."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from sqlalchemy import func, select

from sync_server import cli
from sync_server.db import models as m
from sync_server.db.session import Database
from sync_server.lib.context import AppContext
from sync_server.seed import DEMO_SLUG, GST_CHANGE_DATE, catalog, ean13, seed_demo
from sync_server.settings import ServerSettings
from tests.sync_server.conftest import CHEAP_ARGON2, PASSWORD

T = TypeVar("T")
COMMANDS = ("dev", "serve", "migrate", "create-platform-admin", "create-company")


def in_thread(work: Callable[[], T]) -> T:
    """Run CLI code (which starts its own event loop) away from pytest's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("GALLA_NEW_PASSWORD", PASSWORD)
    for name, value in CHEAP_ARGON2.items():
        monkeypatch.setenv(f"GALLA_{name.upper()}", str(value))
    monkeypatch.setenv("GALLA_ARGON2_MEMORY_KIB", "8")
    return db_url


def test_galla_server_and_every_command_have_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as top:
        cli.main(["--help"])
    assert top.value.code == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out
        with pytest.raises(SystemExit) as sub:
            cli.main([command, "--help"])
        assert sub.value.code == 0
        assert f"galla-server {command}" in capsys.readouterr().out


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 2


def test_serve_refuses_without_a_database_url_or_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert cli.main(["serve"]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@127.0.0.1:1/x")
    monkeypatch.delenv("GALLA_SECRET_KEY", raising=False)
    assert cli.main(["serve"]) == 2
    assert "GALLA_SECRET_KEY" in capsys.readouterr().err


def test_a_bad_number_in_the_environment_is_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GALLA_PORT", "eighty")
    assert cli.main(["migrate"]) == 2
    assert "GALLA_PORT must be a whole number" in capsys.readouterr().err


def test_migrate_is_idempotent(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert in_thread(lambda: cli.main(["migrate"])) == 0
    assert in_thread(lambda: cli.main(["migrate", "head"])) == 0
    assert "migrated to head" in capsys.readouterr().out


async def _account(url: str, email: str) -> m.Account | None:
    db = Database(url)
    try:
        async with db.platform() as session:
            return await session.scalar(select(m.Account).where(m.Account.email == email))
    finally:
        await db.dispose()


def test_create_platform_admin_makes_an_account_and_reruns_reset_its_password(
    env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        in_thread(lambda: cli.main(["create-platform-admin", "--email", "Root@Galla.example"])) == 0
    )
    assert "platform admin root@galla.example ready" in capsys.readouterr().out
    first = in_thread(lambda: asyncio.run(_account(env, "root@galla.example")))
    assert first is not None
    assert first.is_platform_admin
    monkeypatch.setenv("GALLA_NEW_PASSWORD", "another long password")
    assert (
        in_thread(lambda: cli.main(["create-platform-admin", "--email", "root@galla.example"])) == 0
    )
    second = in_thread(lambda: asyncio.run(_account(env, "root@galla.example")))
    assert second is not None
    assert second.id == first.id
    assert second.password_hash != first.password_hash


def test_a_short_password_is_refused(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GALLA_NEW_PASSWORD", "short")
    with pytest.raises(SystemExit, match="at least 10"):
        cli.main(["create-platform-admin", "--email", "root@galla.example"])


def test_create_company_and_a_duplicate_is_an_error(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "create-company",
        "--name",
        "Sharma Stores",
        "--slug",
        "sharma-stores",
        "--admin-email",
        "r@sharma.example",
        "--admin-name",
        "R Sharma",
        "--plan",
        "standard",
    ]
    assert in_thread(lambda: cli.main(args)) == 0
    assert "company Sharma Stores (sharma-stores) created" in capsys.readouterr().out
    assert in_thread(lambda: cli.main(args)) == 1
    assert "sharma-stores" in capsys.readouterr().err


async def test_demo_seeding_is_idempotent_and_builds_the_promised_catalog(db_url: str) -> None:
    settings = ServerSettings(database_url=db_url, secret_key="k" * 32, **CHEAP_ARGON2)  # type: ignore[arg-type]
    ctx = AppContext(settings=settings, db=Database(db_url))
    try:
        first = await seed_demo(ctx)
        second = await seed_demo(ctx)
        assert (first.created, second.created) == (True, False)
        assert first.enrolment_code != second.enrolment_code
        async with ctx.db.platform() as session:
            company = await session.scalar(select(m.Company).where(m.Company.slug == DEMO_SLUG))
            assert company is not None
            assert company.name == "Demo Kirana"
            count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
            assert await count(m.Company) == 1
            assert await count(m.Product) == 200
            assert await count(m.Barcode) == 200
            assert await count(m.Price) == 200
            assert await count(m.Terminal) == 2
            assert await count(m.User) == 4
            states = set((await session.scalars(select(m.Store.state_code))).all())
            assert states == {"27", "29"}
            rates = (await session.scalars(select(m.GstRate))).all()
        in_force = {r.rate for r in rates if r.effective_to is None}
        assert {Decimal(0), Decimal(5), Decimal(18), Decimal(40)} <= in_force
        biscuits = sorted((r.effective_from, r.rate) for r in rates if r.hsn_prefix == "1905")
        assert biscuits == [(date(2017, 7, 1), Decimal(18)), (GST_CHANGE_DATE, Decimal(5))]
    finally:
        await ctx.db.dispose()


def test_the_demo_catalog_has_unique_skus_and_valid_ean13_barcodes() -> None:
    items = catalog()
    assert len(items) == 200
    assert len({i.sku for i in items}) == len({i.barcode for i in items}) == 200
    for item in items:
        assert ean13(item.barcode[:12]) == item.barcode
        assert re.fullmatch(r"[0-9]{4,8}", item.hsn)
        assert item.mrp_paise > 0
    assert ean13("400638133393") == "4006381333931"  # a published GS1 example


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_galla_server_dev_starts_from_nothing_and_answers_health(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "GALLA_DATA_DIR": str(tmp_path / "data"),
        "GALLA_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    log = tmp_path / "dev.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sync_server.cli", "dev"], env=env, stdout=out, stderr=out
        )
        try:
            deadline = time.monotonic() + 60
            status = None
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    status = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code
                except httpx.HTTPError:
                    status = None
                if status == 200:
                    break
                time.sleep(0.3)
            assert status == 200, log.read_text()[-3000:]
            printed = log.read_text()
            assert "admin login:    admin@demo-kirana.example" in printed
            assert re.search(r"enrolment code: [A-Z0-9]{4}-[A-Z0-9]{4}", printed)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_dev_and_migrate_use_the_embedded_database_when_no_url_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[ServerSettings] = []
    monkeypatch.setattr(cli, "_serve", served.append)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("GALLA_SECRET_KEY", raising=False)
    monkeypatch.setenv("GALLA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GALLA_ARGON2_MEMORY_KIB", "8")
    monkeypatch.setenv("GALLA_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("GALLA_ARGON2_PARALLELISM", "1")
    assert in_thread(lambda: cli.main(["dev"])) == 0
    out = capsys.readouterr().out
    assert "demo company 'Demo Kirana' created" in out
    assert "cashier PIN:    Asha (cashier, Mumbai): 1111" in out
    secret = (tmp_path / "secret-key").read_text()
    assert served[0].secret_key == secret
    assert served[0].database_url is not None
    assert (tmp_path / "secret-key").stat().st_mode & 0o777 == 0o600
    # a second run keeps the key and the data, and adds nothing
    assert in_thread(lambda: cli.main(["dev"])) == 0
    assert "demo company 'Demo Kirana' (already there)" in capsys.readouterr().out
    assert served[1].secret_key == secret
    assert in_thread(lambda: cli.main(["migrate"])) == 0


def test_serve_migrates_first_only_when_asked(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[ServerSettings] = []
    migrated: list[str] = []
    monkeypatch.setattr(cli, "_serve", served.append)
    monkeypatch.setattr(cli, "_migrate", lambda url, revision="head": migrated.append(url))
    monkeypatch.setenv("GALLA_SECRET_KEY", "k" * 32)
    assert cli.main(["serve"]) == 0
    assert migrated == []
    assert cli.main(["serve", "--migrate"]) == 0
    assert migrated == [env]
    assert [s.database_url for s in served] == [env, env]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_serve_with_two_workers_answers_from_two_processes(env: str, tmp_path: Path) -> None:
    port = _free_port()
    run_env = {
        **os.environ,
        "GALLA_PORT": str(port),
        "GALLA_WORKERS": "2",
        "GALLA_SECRET_KEY": "worker-test-secret-0123456789abcdef",
    }
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sync_server.cli", "serve", "--migrate"],
            env=run_env,
            stdout=out,
            stderr=out,
        )
        try:
            deadline = time.monotonic() + 60
            answers: list[str] = []
            while time.monotonic() < deadline and proc.poll() is None and len(answers) < 20:
                try:
                    health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                    answers.append(health.json()["database"])
                except httpx.HTTPError:
                    time.sleep(0.3)
            assert answers[-20:] == ["ok"] * 20, log.read_text()[-3000:]
            assert len(_children(proc.pid)) >= 2, log.read_text()[-3000:]
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
