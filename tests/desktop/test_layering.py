"""The till's own dependency rules, checked on the source (import-linter covers the rest)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DESKTOP = Path(__file__).resolve().parents[2] / "desktop"
OWN = [
    p
    for p in sorted(DESKTOP.rglob("*.py"))
    if "devices" not in p.parts and p.name != "hardware_settings.py"
]


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", OWN, ids=lambda p: str(p.relative_to(DESKTOP)))
def test_each_module_keeps_to_its_layer(path: Path) -> None:
    names = imports(path)
    rel = path.relative_to(DESKTOP).as_posix()
    roots = {name.split(".")[0] for name in names}
    if rel != "ui/qt.py":
        assert "PySide6" not in roots, "only desktop/ui/qt.py imports PySide6"
    if not rel.startswith("store/"):
        assert "sqlite3" not in roots, "only desktop/store talks to sqlite3"
    if rel.startswith("domain/"):
        assert not {
            n for n in names if n.startswith(("desktop.services", "desktop.store", "desktop.ui"))
        }
    if rel.startswith("services/"):
        assert not {
            n for n in names if n.startswith(("desktop.store", "desktop.ui", "desktop.devices"))
        }
    if rel.startswith("ui/"):
        assert not {n for n in names if n.startswith(("desktop.store", "sqlite3"))}
