"""The dependency rule's parts that import-linter cannot see, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_FILES = sorted((ROOT / "shared").rglob("*.py"))

# calls that read the clock, randomness or the environment: shared gets these injected
FORBIDDEN_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
    ("time", "perf_counter"),
    ("time", "time_ns"),
    ("uuid", "uuid1"),
    ("uuid", "uuid4"),
    ("os", "urandom"),
    ("os", "getenv"),
}
FORBIDDEN_MODULES = {"random", "secrets", "sqlite3", "socket", "subprocess", "pathlib", "io"}


def _violations(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (name, node.func.attr) in FORBIDDEN_CALLS:
                found.append(f"{path.name}:{node.lineno} calls {name}.{node.func.attr}()")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in {"open", "print", "input"}:
                found.append(f"{path.name}:{node.lineno} calls {node.func.id}()")
        elif isinstance(node, ast.Attribute) and node.attr == "environ":
            found.append(f"{path.name}:{node.lineno} reads os.environ")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            found += [
                f"{path.name}:{node.lineno} imports {n}"
                for n in names
                if n.split(".")[0] in FORBIDDEN_MODULES
            ]
    return found


@pytest.mark.parametrize("path", SHARED_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_shared_reads_no_clock_randomness_environment_or_files(path: Path) -> None:
    assert _violations(path) == []


def test_the_checker_catches_a_clock_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import random\nfrom datetime import datetime\nx = datetime.now()\n")
    assert _violations(bad) == ["bad.py:1 imports random", "bad.py:3 calls datetime.now()"]
