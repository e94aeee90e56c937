"""``galla-till``: start the cashier's till."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``galla-till``."""
    parser = argparse.ArgumentParser(
        prog="galla-till",
        description="Galla till: keeps selling with or without the internet.",
    )
    parser.add_argument(
        "--demo", action="store_true", help="start with a demo catalog and demo devices"
    )
    parser.add_argument("--data-dir", help="folder for the till's database (default: per-user)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``galla-till`` console script."""
    build_parser().parse_args(argv)
    print("galla-till: the till screens arrive with the till issue", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
