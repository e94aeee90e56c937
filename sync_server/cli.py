"""``galla-server``: run, migrate and administer the Galla sync server.

Commands that need a database use ``DATABASE_URL``; without it they use the embedded
PostgreSQL kept in ``GALLA_DATA_DIR`` (the one ``dev`` runs), so a newcomer needs no set-up.
Passwords are never taken on the command line (they would show in ``ps``): they come from
``GALLA_NEW_PASSWORD`` or an interactive prompt.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import os
import secrets
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sync_server.settings import ServerSettings

__all__ = ("build_parser", "main")

T = TypeVar("T")
DEV_DATABASE = "galla"


def _context_run(settings: ServerSettings, url: str, work: Callable[..., Awaitable[T]]) -> T:
    """Run ``work(ctx)`` with a services context on ``url`` inside a fresh event loop."""
    from sync_server.db.session import Database
    from sync_server.lib.context import AppContext

    async def run() -> T:
        ctx = AppContext(settings=settings, db=Database(url, pool_size=2))
        try:
            return await work(ctx)
        finally:
            await ctx.db.dispose()

    return asyncio.run(run())


@contextmanager
def _database(settings: ServerSettings) -> Iterator[str]:
    """Yield the database URL: ``DATABASE_URL``, or the embedded server's ``galla`` database."""
    if settings.database_url:
        yield settings.database_url
        return
    from sync_server.db.embedded import start_embedded_postgres, with_database

    pg = start_embedded_postgres(settings.data_dir / "pgdata")
    try:
        asyncio.run(_ensure_database(pg.admin_url, DEV_DATABASE))
        yield with_database(pg.admin_url, DEV_DATABASE)
    finally:
        pg.stop()


async def _ensure_database(admin_url: str, name: str) -> None:
    import asyncpg

    from sync_server.db.embedded import asyncpg_connect_args

    conn = await asyncpg.connect(**asyncpg_connect_args(admin_url))
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def _dev_secret(data_dir: Path) -> str:
    """The dev server's signing key, made once and kept beside its database."""
    path = data_dir / "secret-key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _serve(settings: ServerSettings) -> None:
    import uvicorn

    if settings.workers > 1:
        # each worker process builds its app from the environment (see app_from_environment)
        os.environ.update(settings.to_env())
        uvicorn.run(
            "sync_server.cli:app_from_environment",
            factory=True,
            workers=settings.workers,
            host=settings.host,
            port=settings.port,
            log_level="info",
        )
        return
    uvicorn.run(_frozen_app(settings), host=settings.host, port=settings.port, log_level="info")


def app_from_environment() -> Any:
    """The app of one ``serve`` worker process, from the settings its parent put in the env."""
    return _frozen_app(ServerSettings.from_env())


def _frozen_app(settings: ServerSettings) -> Any:
    from sync_server.app import create_app

    app = create_app(settings)
    # Everything imported and built so far lives as long as the process (~127,000 objects:
    # Litestar, SQLAlchemy, msgspec's type info). Each full garbage collection walked all of
    # it, a 50-100 ms pause every ~20 pushes that was the whole p99. Frozen objects are
    # left out of collections; what requests create is collected as before.
    gc.collect()
    gc.freeze()
    return app


def _migrate(url: str, revision: str = "head") -> None:
    from sync_server.db.migrate import upgrade

    asyncio.run(upgrade(url, revision))


def _new_password(prompt: str) -> str:
    password = os.environ.get("GALLA_NEW_PASSWORD") or getpass.getpass(prompt)
    if len(password) < 10:
        raise SystemExit("galla-server: a password needs at least 10 characters")
    return password


def _cmd_dev(args: argparse.Namespace, settings: ServerSettings) -> int:
    from sync_server.seed import seed_demo

    settings = settings.with_changes(
        secret_key=settings.secret_key or _dev_secret(settings.data_dir),
        jobs_enabled=True,  # one process: it runs the scheduled jobs itself
    )
    with _database(settings.with_changes(database_url=None)) as url:
        _migrate(url)
        logins = _context_run(settings, url, seed_demo)
        print(f"embedded PostgreSQL: data in {settings.data_dir / 'pgdata'}")
        print("demo company 'Demo Kirana'" + (" created" if logins.created else " (already there)"))
        print(f"  admin login:    {logins.admin_email} / {logins.admin_password}")
        print(f"  manager login:  {logins.manager_email} / {logins.admin_password}")
        for who, pin in logins.cashier_pins.items():
            print(f"  cashier PIN:    {who}: {pin}")
        print(f"  enrolment code: {logins.enrolment_code}  (one till, 24 hours)")
        print(f"Galla server on http://{settings.host}:{settings.port}  (health: /health)")
        sys.stdout.flush()
        _serve(settings.with_changes(database_url=url))
    return 0


def _cmd_serve(args: argparse.Namespace, settings: ServerSettings) -> int:
    if not settings.database_url:
        print("galla-server serve needs DATABASE_URL (or use `galla-server dev`)", file=sys.stderr)
        return 2
    if not settings.secret_key:
        print(
            "galla-server serve needs GALLA_SECRET_KEY (the same in every process)", file=sys.stderr
        )
        return 2
    if args.migrate:
        _migrate(settings.database_url)
    _serve(settings)
    return 0


def _cmd_migrate(args: argparse.Namespace, settings: ServerSettings) -> int:
    with _database(settings) as url:
        _migrate(url, args.revision)
        print(f"migrated to {args.revision}")
    return 0


def _cmd_create_platform_admin(args: argparse.Namespace, settings: ServerSettings) -> int:
    from sync_server.domain.accounts.services import create_platform_admin

    password = _new_password(f"password for {args.email}: ")
    with _database(settings) as url:
        account = _context_run(
            settings, url, lambda ctx: create_platform_admin(ctx, args.email, password)
        )
    print(f"platform admin {args.email.strip().lower()} ready (account {account})")
    return 0


def _cmd_create_company(args: argparse.Namespace, settings: ServerSettings) -> int:
    from sync_server.domain.companies.schemas import AdminCreate, CompanyCreate
    from sync_server.domain.companies.services import create_company
    from sync_server.lib.errors import ServerError

    password = _new_password(f"password for {args.admin_email}: ")
    body = CompanyCreate(
        name=args.name,
        slug=args.slug,
        plan=args.plan,
        admin=AdminCreate(full_name=args.admin_name, email=args.admin_email, password=password),
    )
    with _database(settings) as url:
        try:
            company = _context_run(settings, url, lambda ctx: create_company(ctx, None, body))
        except ServerError as exc:
            print(f"galla-server: {exc.detail}", file=sys.stderr)
            return 1
    print(f"company {company.name} ({company.slug}) created: {company.id}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``galla-server``."""
    parser = argparse.ArgumentParser(
        prog="galla-server",
        description="Galla sync server: the source of truth every till reconciles into.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "dev",
        help="embedded PostgreSQL, migrate, seed a demo company, serve on 127.0.0.1:8000",
        description="Start an embedded PostgreSQL in GALLA_DATA_DIR, migrate it, seed the "
        "'Demo Kirana' company (idempotent), print its logins and a fresh enrolment code, "
        "and serve.",
    ).set_defaults(func=_cmd_dev)
    serve = sub.add_parser(
        "serve",
        help="serve against DATABASE_URL",
        description="Serve against DATABASE_URL with GALLA_SECRET_KEY. Migrations are not "
        "run unless --migrate is given.",
    )
    serve.add_argument("--migrate", action="store_true", help="migrate to head before serving")
    serve.set_defaults(func=_cmd_serve)
    migrate = sub.add_parser(
        "migrate",
        help="migrate the database to the newest schema",
        description="Migrate DATABASE_URL (or the embedded database) up to REVISION.",
    )
    migrate.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    migrate.set_defaults(func=_cmd_migrate)
    admin = sub.add_parser(
        "create-platform-admin",
        help="create a platform admin (or reset one's password)",
        description="Create a platform admin account. The password comes from "
        "GALLA_NEW_PASSWORD or a prompt.",
    )
    admin.add_argument("--email", required=True)
    admin.set_defaults(func=_cmd_create_platform_admin)
    company = sub.add_parser(
        "create-company",
        help="create a company and its first admin",
        description="Create a company (tenant) and its first company admin. The admin's "
        "password comes from GALLA_NEW_PASSWORD or a prompt.",
    )
    company.add_argument("--name", required=True)
    company.add_argument("--slug", required=True, help="short unique name, e.g. sharma-stores")
    company.add_argument("--admin-email", required=True)
    company.add_argument("--admin-name", required=True)
    company.add_argument("--plan", default="trial", choices=["trial", "standard", "growth"])
    company.set_defaults(func=_cmd_create_company)
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
