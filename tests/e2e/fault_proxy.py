"""A fault-injecting HTTP proxy between a till and the sync server, for end-to-end tests.

It listens on 127.0.0.1, forwards each HTTP/1.1 request to the upstream server and can, per
request, instead:

========================  ===================================================================
fault                     what the till sees / what the server sees
========================  ===================================================================
``drop_request``          the connection closes at once / nothing
``drop_response``         the connection closes / the request, fully handled and committed
``delay``                 the answer ``seconds`` late / the request, late
``delay_response``        the answer ``seconds`` late / the request, on time (committed)
``duplicate``             one answer / the same request twice
``reorder``               a 502 / nothing yet; the request is delivered after the next one
``cut_request``           the connection closes / half a request body, then a hang-up
``cut_response``          headers and half the body, then a hang-up / the whole request
``error_before``          HTTP ``status`` (+ ``Retry-After``) / nothing
``error_after``           HTTP 500 / the request, fully handled and committed
========================  ===================================================================

Faults are queued per path prefix (:meth:`FaultProxy.plan`) or drawn at random for every
request with a seeded generator (:meth:`FaultProxy.chaos`); :attr:`FaultProxy.offline` makes
every connection fail, as an unplugged cable would. :attr:`FaultProxy.applied` counts what
was done. Each client connection carries one request (the proxy answers ``Connection:
close``), which keeps the byte handling exact and lets a fault cut one exchange only.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ("FAULT_KINDS", "Fault", "FaultProxy")

Kind = Literal[
    "drop_request",
    "drop_response",
    "delay",
    "delay_response",
    "duplicate",
    "reorder",
    "cut_request",
    "cut_response",
    "error_before",
    "error_after",
]
FAULT_KINDS: tuple[Kind, ...] = (
    "drop_request",
    "drop_response",
    "delay",
    "delay_response",
    "duplicate",
    "reorder",
    "cut_request",
    "cut_response",
    "error_before",
    "error_after",
)


@dataclass(frozen=True)
class Fault:
    """One fault to inject.

    Attributes:
        kind: what to do (see the module table).
        seconds: the delay for ``delay``.
        status: the HTTP status for ``error_before``.
        retry_after: a ``Retry-After`` header for ``error_before``, in seconds.
    """

    kind: Kind
    seconds: float = 0.2
    status: int = 503
    retry_after: int | None = None


@dataclass
class _Request:
    head: bytes
    body: bytes
    method: str
    path: str


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return _Request(head, body, method, path)


def _rewrite_head(head: bytes, host: str, port: int) -> bytes:
    lines = head.decode("latin-1").split("\r\n")
    kept = [lines[0]]
    for line in lines[1:]:
        name = line.partition(":")[0].strip().lower()
        if not line or name in ("connection", "host", "keep-alive"):
            continue
        kept.append(line)
    kept += [f"Host: {host}:{port}", "Connection: close", "", ""]
    return "\r\n".join(kept).encode("latin-1")


def _close_response(raw: bytes) -> bytes:
    # tell the client this connection ends after the answer (one exchange per connection)
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return raw
    lines = [
        line
        for line in head.split(b"\r\n")
        if line.partition(b":")[0].strip().lower() not in (b"connection", b"keep-alive")
    ]
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + sep + body


def _status_response(status: int, retry_after: int | None) -> bytes:
    body = b'{"status": %d, "detail": "injected by the fault proxy"}' % status
    lines = [
        f"HTTP/1.1 {status} Injected",
        "Content-Type: application/problem+json",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    if retry_after is not None:
        lines.append(f"Retry-After: {retry_after}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class FaultProxy:
    """A proxy from ``127.0.0.1:<port>`` to ``upstream_host:upstream_port``.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.offline = False
        self.applied: Counter[str] = Counter()
        self.forwarded: Counter[str] = Counter()
        self._plans: list[tuple[str, deque[Fault]]] = []
        self._chaos: tuple[float, random.Random, tuple[Fault, ...], str] | None = None
        self._held: list[_Request] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    # ------------------------------------------------------------------ control
    @property
    def url(self) -> str:
        """The proxy's base URL, for the till."""
        return f"http://127.0.0.1:{self.port}"

    def plan(self, path_prefix: str, faults: Iterable[Fault | Kind]) -> None:
        """Queue faults for the next requests whose path starts with ``path_prefix``."""
        queue = deque(f if isinstance(f, Fault) else Fault(f) for f in faults)
        with self._lock:
            self._plans.append((path_prefix, queue))

    def chaos(
        self, rate: float, seed: int, faults: Iterable[Fault | Kind], path_prefix: str = "/"
    ) -> None:
        """Inject a fault, drawn from ``faults``, into each request with probability ``rate``."""
        pool = tuple(f if isinstance(f, Fault) else Fault(f) for f in faults)
        with self._lock:
            self._chaos = (rate, random.Random(seed), pool, path_prefix)

    def calm(self) -> None:
        """Stop injecting faults (queued plans and chaos); deliver held requests with the next."""
        with self._lock:
            self._plans.clear()
            self._chaos = None

    def _next_fault(self, path: str) -> Fault | None:
        with self._lock:
            for prefix, queue in self._plans:
                if path.startswith(prefix) and queue:
                    return queue.popleft()
            if self._chaos is not None:
                rate, rng, pool, prefix = self._chaos
                if path.startswith(prefix) and rng.random() < rate:
                    return rng.choice(pool)
        return None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FaultProxy:
        """Start listening on a free port (in a background thread)."""
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fault proxy did not start")
        return self

    def stop(self) -> None:
        """Stop listening and end the thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._server = loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, limit=2**20)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            # exchanges still in flight (a till killed mid-request) are cancelled and their
            # sockets closed while the loop still runs, so nothing leaks into the next test
            self._server.close()
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            with contextlib.suppress(Exception):
                loop.run_until_complete(self._server.wait_closed())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    # ------------------------------------------------------------------ forwarding
    async def _forward(self, request: _Request, *, half: bool = False) -> bytes:
        host, port = self.upstream
        reader, writer = await asyncio.open_connection(host, port, limit=2**20)
        try:
            writer.write(_rewrite_head(request.head, host, port))
            if half:
                writer.write(request.body[: len(request.body) // 2])
                await writer.drain()
                return b""
            writer.write(request.body)
            await writer.drain()
            self.forwarded[request.path.split("?")[0]] += 1
            return await reader.read()  # upstream closes after the answer (Connection: close)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.offline:
                return
            request = await _read_request(reader)
            if request is None:
                return
            await self._exchange(request, writer)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _exchange(self, request: _Request, writer: asyncio.StreamWriter) -> None:
        fault = self._next_fault(request.path)
        held, self._held = self._held, []
        if fault is not None:
            self.applied[fault.kind] += 1
        kind = fault.kind if fault else None
        if kind == "drop_request":
            return
        if kind == "error_before":
            assert fault is not None
            writer.write(_status_response(fault.status, fault.retry_after))
            await writer.drain()
            return
        if kind == "reorder":
            self._held = [*held, request]
            writer.write(_status_response(502, None))
            await writer.drain()
            return
        if kind == "cut_request":
            await self._forward(request, half=True)
            return
        if kind == "delay":
            assert fault is not None
            await asyncio.sleep(fault.seconds)
        answer = await self._forward(request)
        for late in held:  # the held requests reach the server after this one
            await self._forward(late)
        if kind == "duplicate":
            answer = await self._forward(request)
        if kind == "drop_response":
            return
        if kind == "delay_response":
            assert fault is not None
            await asyncio.sleep(fault.seconds)
        if kind == "error_after":
            writer.write(_status_response(500, None))
            await writer.drain()
            return
        answer = _close_response(answer)
        if kind == "cut_response":
            head_end = answer.find(b"\r\n\r\n") + 4
            body = answer[head_end:]
            writer.write(answer[: head_end + max(1, len(body) // 2)])
            await writer.drain()
            return
        writer.write(answer)
        await writer.drain()
