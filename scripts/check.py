"""Run every gate CI runs, in order, and stop at the first failure.

Called by ``./galla test`` (and so by ``.ci/run``). The gates are: ruff (lint and format),
mypy (strict on ``shared/``), import-linter (the dependency rule in DESIGN.md) and pytest
with coverage, which also enforces at least 95 % line coverage of ``shared/``.

Extra arguments are passed to pytest, e.g. ``./galla test -k money -x``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

SHARED_COVERAGE_FLOOR = 95


def _gate(name: str, argv: list[str]) -> None:
    started = time.monotonic()
    print(f"\n=== {name}: {' '.join(argv)}", flush=True)
    result = subprocess.run(argv, check=False)
    took = time.monotonic() - started
    if result.returncode != 0:
        print(f"=== {name}: FAILED (exit {result.returncode}) after {took:.1f}s", flush=True)
        sys.exit(result.returncode)
    print(f"=== {name}: passed in {took:.1f}s", flush=True)


def main() -> None:
    """Run the gates; pytest arguments come from the command line."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    py = sys.executable
    _gate("ruff lint", [py, "-m", "ruff", "check", "."])
    _gate("ruff format", [py, "-m", "ruff", "format", "--check", "."])
    _gate("mypy", [py, "-m", "mypy"])
    _gate("dependency rule", [py, "-m", "importlinter.cli", "--no-cache"])
    _gate(
        "pytest",
        [
            py,
            "-m",
            "pytest",
            "--cov",
            "--cov-report=term",
            "--cov-report=json:.coverage.json",
            *sys.argv[1:],
        ],
    )
    if not sys.argv[1:]:
        _gate(
            "shared coverage",
            [py, "scripts/coverage_floor.py", "shared", str(SHARED_COVERAGE_FLOOR)],
        )


if __name__ == "__main__":
    main()
