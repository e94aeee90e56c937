"""``galla-server``: run, migrate and administer the Galla sync server."""

from __future__ import annotations

import argparse
import sys

from sync_server.settings import ServerSettings


def _serve(database_url: str, settings: ServerSettings) -> None:
    import uvicorn

    from sync_server.app import create_app

    uvicorn.run(create_app(database_url), host=settings.host, port=settings.port, log_level="info")


def _cmd_dev(args: argparse.Namespace, settings: ServerSettings) -> int:
    from sync_server.db.embedded import start_embedded_postgres

    pg = start_embedded_postgres(settings.data_dir / "pgdata")
    print(f"embedded PostgreSQL running, data in {pg.data_dir}")
    print(f"Galla server on http://{settings.host}:{settings.port}  (health: /health)")
    try:
        _serve(pg.admin_url, settings)
    finally:
        pg.stop()
    return 0


def _cmd_serve(args: argparse.Namespace, settings: ServerSettings) -> int:
    if not settings.database_url:
        print("galla-server serve needs DATABASE_URL (or use `galla-server dev`)", file=sys.stderr)
        return 2
    _serve(settings.database_url, settings)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``galla-server``."""
    parser = argparse.ArgumentParser(
        prog="galla-server",
        description="Galla sync server: the source of truth every till reconciles into.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "dev", help="start an embedded PostgreSQL and serve on 127.0.0.1:8000 (no set-up needed)"
    ).set_defaults(func=_cmd_dev)
    sub.add_parser("serve", help="serve against DATABASE_URL").set_defaults(func=_cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``galla-server`` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = ServerSettings.from_env()
    except ValueError as exc:
        print(f"galla-server: {exc}", file=sys.stderr)
        return 2
    return int(args.func(args, settings))


if __name__ == "__main__":
    sys.exit(main())
