"""``galla-till``: start the cashier's till."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``galla-till``."""
    parser = argparse.ArgumentParser(
        prog="galla-till",
        description="Galla till: keeps selling with or without the internet.",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="seed a demo catalog and users (PINs printed here) and use demo devices",
    )
    parser.add_argument("--data-dir", help="folder for the till's database (default: per-user)")
    parser.add_argument("--config", help="settings TOML file (default: <data-dir>/settings.toml)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``galla-till`` console script."""
    args = build_parser().parse_args(argv)
    # imports after parsing keep --help fast: no Qt, no database
    from desktop.bootstrap import build
    from desktop.errors import TillError
    from desktop.settings import load_settings

    try:
        settings = load_settings(
            data_dir=Path(args.data_dir) if args.data_dir else None,
            config_file=Path(args.config) if args.config else None,
            env=os.environ,
        )
        till = build(
            settings,
            config_file=Path(args.config) if args.config else None,
            demo=args.demo,
        )
    except TillError as exc:
        print(f"galla-till: {exc}", file=sys.stderr)
        return 2
    if args.demo:
        from desktop.demo import DEMO_USERS, seed_demo

        seeded = seed_demo(till.store, till.hasher)
        print(
            f"galla-till demo: database {settings.database_path}" + (" (seeded)" if seeded else "")
        )
        for user, pin in DEMO_USERS:
            print(f"  {user.name:<20} PIN {pin}")
        if till.printing is not None and till.printing.receipts.preview is not None:
            print(f"  receipts print to {till.printing.receipts.preview}")
    if not args.demo:  # first start: enrol with the server and download the catalog
        from desktop.ui.enrolment import ensure_enrolled

        def rebuild() -> object:
            return build(
                settings, config_file=Path(args.config) if args.config else None, demo=False
            )

        try:
            enrolled = ensure_enrolled(till, rebuild)
        except TillError as exc:
            print(f"galla-till: {exc}", file=sys.stderr)
            return 2
        if enrolled is None:
            print("galla-till: not enrolled with a server (start again to enrol, or --demo)")
            return 1
        till = enrolled
    from desktop.ui.app import run

    return run(till)


if __name__ == "__main__":
    sys.exit(main())
