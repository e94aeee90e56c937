"""The one writer: every write to the till database runs on a single background thread.

Like datasette's write thread and Anki's collection executor, one thread owns the only
write connection and runs each unit of work inside ``BEGIN IMMEDIATE`` … ``COMMIT``. The GUI
thread never writes; it submits work and gets a :class:`~concurrent.futures.Future`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from desktop.store.connection import connect

__all__ = ("Writer",)

T = TypeVar("T")


class Writer:
    """A single-thread executor that owns the database's write connection.

    Args:
        path: the database file.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._local = threading.local()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="galla-writer")
        self._closed = False

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self._path)
            self._local.conn = conn
        return conn

    def _run(self, work: Callable[[sqlite3.Connection], T], durable: bool) -> T:
        conn = self._connection()
        if not durable:  # the level cannot change inside a transaction
            conn.execute("PRAGMA synchronous=NORMAL")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            if not durable:
                conn.execute("PRAGMA synchronous=FULL")
        return result

    def submit(self, work: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> Future[T]:
        """Queue ``work(conn)`` to run in one transaction on the writer thread.

        An exception inside ``work`` rolls the whole transaction back and is raised from
        the future's ``result()``.

        ``durable=False`` commits without waiting for the disk (``synchronous=NORMAL``):
        a power cut may then undo that transaction whole, never half of it, and the next
        durable commit (any sale) makes it durable too. Only for work the till can redo
        from the server, such as a catalog snapshot; never for a sale.
        """
        if self._closed:
            raise RuntimeError("the database writer is closed")
        return self._executor.submit(self._run, work, durable)

    def run(self, work: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        """Run ``work(conn)`` in one transaction on the writer thread and wait for it."""
        return self.submit(work, durable=durable).result()

    def close(self) -> None:
        """Finish queued work, close the write connection and stop the thread."""
        if self._closed:
            return

        def _close() -> None:
            conn = getattr(self._local, "conn", None)
            if conn is not None:
                conn.close()
                self._local.conn = None

        self._executor.submit(_close).result()
        self._closed = True
        self._executor.shutdown(wait=True)
