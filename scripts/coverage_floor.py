"""Fail when a package's line coverage in ``.coverage.json`` is below a floor.

Usage: ``python scripts/coverage_floor.py PACKAGE PERCENT``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    """Sum covered and total statements of the package's files and compare to the floor."""
    package, floor = sys.argv[1], float(sys.argv[2])
    report = json.loads(Path(".coverage.json").read_text())
    covered = total = 0
    for path, data in report["files"].items():
        if Path(path).parts[0] == package:
            covered += data["summary"]["covered_lines"]
            total += data["summary"]["num_statements"]
    if total == 0:
        print(f"no measured files in {package}/")
        sys.exit(1)
    percent = 100 * covered / total
    print(f"{package}/ line coverage: {percent:.1f}% ({covered}/{total}), floor {floor:.0f}%")
    sys.exit(0 if percent >= floor else 1)


if __name__ == "__main__":
    main()
