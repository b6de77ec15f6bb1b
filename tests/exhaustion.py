"""Connection-exhaustion load against a running server: slowloris sockets and streams nobody reads.

Shared by tests/integration/test_server_exhaustion.py (asserts) and bench/server_exhaustion.py
(prints p50/p95). Attackers connect from their own loopback addresses (127.0.0.2, 127.0.0.3, …;
Linux routes all of 127/8 to lo), so the per-address connection bound can be exercised apart from
the address a normal request comes from (127.0.0.1).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.fakes.upstream import FakeUpstream

STREAM_BODY: dict[str, object] = {"provider": "Custom", "model": "m", "messages": [{"role": "user", "content": "hi"}]}


def attacker_address(index: int) -> str:
    """The index-th attacker's own loopback address, never 127.0.0.1."""
    return f"127.0.{index // 250}.{index % 250 + 2}"


def _connect(url: str, source: str, receive_buffer: int | None = None) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:  # before connect, so the advertised window stays small
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.bind((source, 0))
    sock.settimeout(5)
    sock.connect((parts.hostname or "127.0.0.1", parts.port or 80))
    return sock


def stream_request(url: str, body: dict[str, object] = STREAM_BODY) -> bytes:
    payload = json.dumps(body).encode()
    host = urlsplit(url).netloc
    return (f"POST /backend-api/v2/conversation HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n").encode() + payload


@dataclass
class Attack:
    """Open sockets of one attack; trickles a header line into each slowloris socket every second."""

    slowloris: list[socket.socket] = field(default_factory=list)
    streams: list[socket.socket] = field(default_factory=list)
    refused: int = 0                       # connections the server closed or refused at once
    _stop: threading.Event = field(default_factory=threading.Event)

    def trickle(self) -> None:
        while not self._stop.wait(1.0):
            for sock in list(self.slowloris):
                try:
                    sock.send(b"X-Slow: 1\r\n")
                except OSError:
                    self.slowloris.remove(sock)

    def close(self) -> None:
        self._stop.set()
        for sock in self.slowloris + self.streams:
            with contextlib.suppress(OSError):
                sock.close()


@contextlib.contextmanager
def attack(url: str, slowloris: int, streams: int, addresses: int = 10) -> Iterator[Attack]:
    """`slowloris` sockets that never finish their headers and `streams` conversations never read,
    spread over `addresses` attacker addresses."""
    running = Attack()
    host = urlsplit(url).netloc
    try:
        for index in range(slowloris):
            try:
                sock = _connect(url, attacker_address(index % addresses))
                sock.sendall(f"GET /backend-api/v2/version HTTP/1.1\r\nHost: {host}\r\n".encode())
                running.slowloris.append(sock)
            except OSError:
                running.refused += 1
        for index in range(streams):
            try:
                sock = _connect(url, attacker_address(index % addresses), receive_buffer=4096)
                sock.sendall(stream_request(url))
                running.streams.append(sock)
            except OSError:
                running.refused += 1
        threading.Thread(target=running.trickle, name="slowloris", daemon=True).start()
        yield running
    finally:
        running.close()


def wait_for_streams(upstream: FakeUpstream, count: int, seconds: float = 20.0) -> int:
    """Wait until `count` streams have reached the upstream (or `seconds` passed); how many did."""
    deadline = time.monotonic() + seconds
    while len(upstream.seen) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return len(upstream.seen)


def timed_get(url: str, path: str = "/backend-api/v2/version", timeout: float = 30.0) -> float:
    """Seconds until a normal request from 127.0.0.1 has its whole answer (timeout: inf)."""
    started = time.perf_counter()
    try:
        sock = _connect(url, "127.0.0.1")
        sock.settimeout(timeout)
        with sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {urlsplit(url).netloc}\r\nConnection: close\r\n\r\n"
                         .encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    except OSError:
        return float("inf")
    if not answer.startswith(b"HTTP/1.1 200"):
        return float("inf")
    return time.perf_counter() - started
