"""`lambdachat serve` under clients that hold connections without making progress (issue 11 #3),
and gunicorn's own error answers in the API's JSON shape (issue 11 #18).

Attackers connect from their own loopback addresses (tests/exhaustion.py); normal requests come
from 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.exhaustion import attack, attacker_address, stream_request, timed_get, wait_for_streams
from tests.fakes.upstream import FakeUpstream, OpenAIWire
from tests.local_server import LocalServer, local_server

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto", "boto3")),
    reason="the local server needs the `local` extra (pip install -e '.[local]')")

SLOW_STREAM = OpenAIWire.stream(*("tok " for _ in range(600))).slow(0.05)   # ~30 s of small tokens
FLOOD = OpenAIWire.stream(*("x" * 4000 for _ in range(5000)))               # 20 MB as fast as it goes


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as up:
        yield up


@pytest.fixture(scope="module")
def server(upstream: FakeUpstream) -> Iterator[LocalServer]:
    """The defaults of `lambdachat serve`."""
    with local_server({"CUSTOM_BASE_URL": upstream.base_url + "/v1"}) as running:
        yield running


@pytest.fixture(scope="module")
def strict(upstream: FakeUpstream) -> Iterator[LocalServer]:
    """Short timeouts and a small per-address bound, so each guard shows within a test's time."""
    env = {"CUSTOM_BASE_URL": upstream.base_url + "/v1", "LAMBDACHAT_HEADER_TIMEOUT": "1",
           "LAMBDACHAT_CLIENT_IDLE_TIMEOUT": "2", "LAMBDACHAT_MAX_CONNECTIONS_PER_CLIENT": "4"}
    with local_server(env) as running:
        yield running


def connect(server: LocalServer, source: str) -> socket.socket:
    parts = urlsplit(server.url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10, source_address=(source, 0))
    return sock


def read_answer(sock: socket.socket) -> bytes:
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except OSError:
        pass
    return answer


def json_body(answer: bytes) -> object:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), head
    return json.loads(body)


def test_normal_requests_answer_within_a_second_under_slowloris_and_unread_streams(server, upstream):
    upstream.seen.clear()
    upstream.script(*(SLOW_STREAM for _ in range(50)))
    timed_get(server.url)  # the first request imports the routes: not what is measured
    with attack(server.url, slowloris=50, streams=50) as running:
        generating = wait_for_streams(upstream, 50)
        samples = [timed_get(server.url, timeout=5) for _ in range(5)]
        still_open = len(running.slowloris)
    assert max(samples) < 1.0, samples
    assert running.refused == 0 and generating == 50, "every attacking connection was served"
    assert still_open == 50, "the slowloris sockets are still open: they were outlasted, not cut"


def test_a_stream_whose_client_reads_nothing_is_aborted_and_its_upstream_closed(strict, upstream):
    before = len(upstream.seen)
    upstream.script(FLOOD)
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        parts = urlsplit(strict.url)
        sock.bind((attacker_address(0), 0))
        sock.connect((parts.hostname, parts.port))
        sock.sendall(stream_request(strict.url))
        started = time.monotonic()
        while len(upstream.seen) == before:
            assert time.monotonic() - started < 10, "the stream never reached the upstream"
            time.sleep(0.05)
        flood = upstream.last
        assert flood.disconnected.wait(15), "the stream still runs while nobody reads it"
        assert not flood.completed.is_set()


def test_a_request_head_that_never_ends_gets_a_408_and_is_closed(strict):
    with connect(strict, attacker_address(1)) as sock:
        sock.sendall(b"GET /backend-api/v2/version HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        sock.settimeout(0.3)
        answer = b""
        while time.monotonic() - started < 6:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                if not answer:
                    try:
                        sock.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        break
                continue
            except OSError:
                break
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert "1 s" in json_body(answer)["error"]["message"]  # type: ignore[index]
    assert time.monotonic() - started < 4


def test_connections_beyond_the_per_address_bound_get_a_429_and_others_are_served(strict):
    source = attacker_address(2)
    held = [connect(strict, source) for _ in range(4)]
    try:
        with connect(strict, source) as extra:
            extra.sendall(b"GET /backend-api/v2/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = read_answer(extra)
        assert answer.startswith(b"HTTP/1.1 429"), answer
        assert "4 open connections" in json_body(answer)["error"]["message"]  # type: ignore[index]
        assert timed_get(strict.url, timeout=5) < 1.0, "another address is still served"
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.5)  # the server notices the closes on its next loop turn
    with connect(strict, source) as again:
        again.sendall(b"GET /backend-api/v2/version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert read_answer(again).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize(("headers", "path", "status"), [
    ({}, "/backend-api/v2/version?q=" + "a" * 9000, 414),
    ({"X-Big": "b" * 9000}, "/backend-api/v2/version", 431),
    ({f"X-H{i}": "v" for i in range(120)}, "/backend-api/v2/version", 431),
])
def test_gunicorn_limits_answer_in_the_json_error_shape(server, headers, path, status):
    response = httpx.get(server.url + path, headers=headers, timeout=10)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.json()["error"]["message"], str) and response.json()["error"]["message"]
