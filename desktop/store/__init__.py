"""The till's SQLite adapter: connection pragmas, the one writer, migrations, the store."""

from desktop.store.sqlite_store import SqliteStore

__all__ = ("SqliteStore",)
