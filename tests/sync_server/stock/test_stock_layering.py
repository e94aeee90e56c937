"""The stock area and the jobs keep HTTP at the edge: only their controllers import Litestar."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sync_server.test_layering import imported_modules

SERVER = Path(__file__).resolve().parents[3] / "sync_server"
CORE = sorted(
    p
    for p in [*SERVER.glob("domain/stock/*.py"), *SERVER.glob("jobs/*.py")]
    if p.name != "controllers.py"
)


def test_the_check_sees_the_ledger_the_services_and_the_job_runner() -> None:
    names = {f"{p.parent.name}/{p.name}" for p in CORE}
    assert {"stock/ledger.py", "stock/services.py", "stock/transfers.py", "jobs/runner.py"} <= names


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(SERVER)))
def test_stock_and_job_code_never_imports_litestar(path: Path) -> None:
    modules = imported_modules(path)
    assert {
        m for m in modules if m.split(".")[0] == "litestar" or m == "sync_server.lib.web"
    } == set()
