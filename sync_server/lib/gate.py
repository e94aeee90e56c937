"""Admission control: how much work of one kind a process takes on at once."""

from __future__ import annotations

import asyncio

from sync_server.lib.errors import TooManyAttempts

__all__ = ("PushGate",)


class PushGate:
    """Bounds the pushes one process works on at once; the rest are told to come back.

    A 2-core server saturates at about four 100-event pushes in flight; queueing more only
    adds latency (sync-stock-performance.md §2.4). Up to ``slots`` run, up to ``queue`` more
    wait, and beyond that a push is answered 429 with ``Retry-After``, which tills honour.
    """

    def __init__(self, slots: int, queue: int) -> None:
        self._slots = asyncio.Semaphore(slots)
        self._queue = queue
        self._waiting = 0

    async def __aenter__(self) -> None:
        if self._slots.locked() and self._waiting >= self._queue:
            raise TooManyAttempts("the server is busy; try again shortly", retry_after=1)
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1

    async def __aexit__(self, *exc: object) -> None:
        self._slots.release()
