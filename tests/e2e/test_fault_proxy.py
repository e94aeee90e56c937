"""The fault proxy does to each request exactly what the test asked, and nothing else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.e2e.fault_proxy import Fault, FaultProxy


class Upstream(ThreadingHTTPServer):
    """A tiny server that counts what reached it and echoes the body."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bytes]] = []
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        if len(body) < length:  # the client hung up mid-body: a real server drops it too
            self.close_connection = True
            return
        self.server.seen.append((self.path, body))  # type: ignore[attr-defined]
        answer = b"echo:" + body * 50
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", upstream.server_address[1]) as running:
        yield running


def post(proxy: FaultProxy, body: bytes, path: str = "/push") -> httpx.Response:
    with httpx.Client(base_url=proxy.url, timeout=5) as client:
        response = client.post(path, content=body)
        response.read()
        return response


def test_without_faults_requests_and_answers_pass_unchanged(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    response = post(proxy, b"a")
    assert response.status_code == 200
    assert response.content == b"echo:" + b"a" * 50
    assert upstream.seen == [("/push", b"a")]


def test_a_dropped_request_never_reaches_the_server(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.plan("/push", ["drop_request"])
    with pytest.raises(httpx.TransportError):
        post(proxy, b"a")
    assert upstream.seen == []
    assert post(proxy, b"b").status_code == 200  # only the one request was hit
    assert proxy.applied["drop_request"] == 1


def test_a_dropped_response_reaches_the_server_but_not_the_client(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    proxy.plan("/push", ["drop_response"])
    with pytest.raises(httpx.TransportError):
        post(proxy, b"a")
    assert upstream.seen == [("/push", b"a")]


def test_a_duplicated_request_reaches_the_server_twice(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    proxy.plan("/push", ["duplicate"])
    assert post(proxy, b"a").status_code == 200
    assert upstream.seen == [("/push", b"a"), ("/push", b"a")]


def test_a_reordered_request_arrives_after_the_next_one(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    proxy.plan("/push", ["reorder"])
    assert post(proxy, b"first").status_code == 502
    assert upstream.seen == []
    assert post(proxy, b"second").status_code == 200
    assert upstream.seen == [("/push", b"second"), ("/push", b"first")]


def test_a_cut_response_stops_mid_body(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.plan("/push", ["cut_response"])
    with pytest.raises(httpx.RemoteProtocolError):
        post(proxy, b"a")
    assert len(upstream.seen) == 1


def test_a_cut_request_leaves_the_server_with_half_a_body(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    proxy.plan("/push", ["cut_request"])
    with pytest.raises(httpx.TransportError):
        post(proxy, b"0123456789")
    assert upstream.seen == []  # the server never got a whole request


def test_errors_before_and_after_the_server(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.plan("/push", [Fault("error_before", status=503, retry_after=9), "error_after"])
    first = post(proxy, b"a")
    assert first.status_code == 503
    assert first.headers["Retry-After"] == "9"
    assert upstream.seen == []
    assert post(proxy, b"b").status_code == 500
    assert upstream.seen == [("/push", b"b")]


def test_a_delay_holds_the_answer(proxy: FaultProxy) -> None:
    import time

    proxy.plan("/push", [Fault("delay", seconds=0.3)])
    started = time.monotonic()
    assert post(proxy, b"a").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_offline_fails_every_connection_and_faults_follow_their_path(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    proxy.offline = True
    with pytest.raises(httpx.TransportError):
        post(proxy, b"a")
    proxy.offline = False
    proxy.plan("/pull", ["drop_request"])
    assert post(proxy, b"b", "/push").status_code == 200
    assert upstream.seen == [("/push", b"b")]


def test_chaos_is_reproducible_from_its_seed(upstream: Upstream) -> None:
    outcomes = []
    for _ in range(2):
        with FaultProxy("127.0.0.1", upstream.server_address[1]) as proxy:
            proxy.chaos(0.5, seed=7, faults=["error_before", "drop_request"])
            codes = []
            for n in range(12):
                try:
                    codes.append(post(proxy, str(n).encode()).status_code)
                except httpx.TransportError:
                    codes.append(0)
            outcomes.append(codes)
    assert outcomes[0] == outcomes[1]
    assert {0, 200, 503} == set(outcomes[0])
