"""The server's layering rule, checked on the source: services and schemas never see HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[2] / "sync_server"
NO_HTTP = sorted(
    [*SERVER.glob("domain/*/services.py"), *SERVER.glob("domain/*/schemas.py")]
    + [SERVER / "lib" / name for name in ("errors.py", "security.py", "principal.py", "ids.py")]
    + sorted((SERVER / "db").rglob("*.py"))
)


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_rule_checks_every_domain_area() -> None:
    areas = {p.parent.name for p in NO_HTTP if p.parent.parent.name == "domain"}
    # at least these; every new area with services or schemas is picked up by the glob
    assert areas >= {"accounts", "companies", "terminals", "health", "changes"}


@pytest.mark.parametrize("path", NO_HTTP, ids=lambda p: str(p.relative_to(SERVER)))
def test_services_schemas_and_the_database_layer_never_import_litestar(path: Path) -> None:
    offenders = {m for m in imported_modules(path) if m.split(".")[0] == "litestar"}
    offenders |= {m for m in imported_modules(path) if m == "sync_server.lib.web"}
    assert offenders == set()


def test_a_controller_importing_litestar_is_what_the_check_would_see(tmp_path: Path) -> None:
    sample = tmp_path / "controllers.py"
    sample.write_text("from litestar import get\nimport litestar.params\n")
    assert imported_modules(sample) == {"litestar", "litestar.params"}
