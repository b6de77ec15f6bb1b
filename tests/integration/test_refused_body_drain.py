"""A body refused for its size: the 413 reaches clients that send the whole body before they read
(issue 16 #7), and the drain that makes that possible is bounded in bytes and in time.

lambdachat answers 413 from Content-Length without reading the body. Python's urllib, requests and
http.client send the whole body first and read the answer only then, so the server has to keep
reading (and discarding) until they are done; closing earlier makes the kernel reset the
connection and the client sees a broken pipe instead of the 413.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
import requests

from tests.exhaustion import attacker_address, timed_get
from tests.local_server import LocalServer, local_server

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto", "boto3")),
    reason="the local server needs the `local` extra (pip install -e '.[local]')")

MB = 1024 * 1024
BOUNDARY = "lambdachat-drain-test"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    """The defaults of `lambdachat serve`: 100 MB request bodies."""
    with local_server() as running:
        yield running


@pytest.fixture(scope="module")
def bounded() -> Iterator[LocalServer]:
    """Small drain bounds, so each shows within a test's time."""
    env = {"LAMBDACHAT_MAX_REQUEST_MB": "1", "LAMBDACHAT_CLOSE_DRAIN_SECONDS": "3",
           "LAMBDACHAT_CLOSE_DRAIN_MB": "8"}
    with local_server(env) as running:
        yield running


def upload_body(size: int) -> bytes:
    """One multipart `files` part of `size` bytes, as a browser or a script uploads a file."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return head + b"a" * (size - len(head) - len(tail)) + tail


def with_urllib(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def with_requests(url: str, body: bytes) -> tuple[int, bytes]:
    response = requests.post(url, data=body, timeout=60,
                             headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    return response.status_code, response.content


def with_http_client(url: str, body: bytes) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        connection.request("POST", parts.path, body=body,
                           headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("send", [with_urllib, with_requests, with_http_client])
def test_a_101_mb_upload_sent_before_reading_gets_the_413_and_nothing_is_stored(
        server: LocalServer, send: Callable[[str, bytes], tuple[int, bytes]]) -> None:
    bucket = uuid.uuid4().hex
    status, body = send(f"{server.url}/backend-api/v2/files/{bucket}", upload_body(101 * MB))
    assert status == 413
    assert json.loads(body) == {"error": {"message": "Request body is larger than 100 MB"}}
    stored = requests.get(f"{server.url}/backend-api/v2/files/{bucket}/status", timeout=10)
    assert stored.status_code == 404 or stored.json()["files"] == []


def open_huge_post(server: LocalServer, source: str) -> socket.socket:
    """A connection whose request announces a 10 GB body: answered 413 from its head alone."""
    parts = urlsplit(server.url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5, source_address=(source, 0))
    sock.sendall(b"POST /backend-api/v2/files/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
                 % (uuid.uuid4().hex.encode(), 10 * 1024 * MB))
    return sock


def send_until_cut(server: LocalServer, source: str, chunk: int, pause: float, give_up: float) -> tuple[float, int]:
    """Announce a 10 GB body and send it until the server cuts the connection:
    (seconds until cut, bytes handed to the kernel)."""
    sock = open_huge_post(server, source)
    started, sent, data = time.monotonic(), 0, b"b" * chunk
    try:
        while time.monotonic() - started < give_up:
            sock.sendall(data)
            sent += len(data)
            time.sleep(pause)
    except OSError:
        return time.monotonic() - started, sent
    finally:
        sock.close()
    raise AssertionError(f"still sending after {give_up} s ({sent} bytes): the drain has no bound")


def test_a_client_that_keeps_sending_is_cut_off_at_the_time_bound(bounded: LocalServer) -> None:
    timed_get(bounded.url)  # the first request imports the routes: not what is measured
    seconds, sent = send_until_cut(bounded, attacker_address(0), 64 * 1024, 0.05, give_up=20)  # ~1.3 MB/s
    assert sent < 8 * MB, "the byte bound is not what cut this one"
    assert 2.5 < seconds < 6, f"cut after {seconds:.1f} s, the bound is 3 s"


def test_a_client_that_sends_fast_is_cut_off_at_the_byte_bound(bounded: LocalServer) -> None:
    seconds, sent = send_until_cut(bounded, attacker_address(1), 1 * MB, 0, give_up=20)
    assert seconds < 2.5, f"cut after {seconds:.1f} s: the 8 MB bound was not applied"
    # Past the bound the client may still have handed the kernels (its send and the server's
    # receive buffers) some megabytes.
    assert 8 * MB <= sent < 40 * MB, sent


def test_draining_takes_no_thread_and_other_requests_are_answered(bounded: LocalServer) -> None:
    senders = []
    try:
        for index in range(4):
            sock = open_huge_post(bounded, attacker_address(10 + index))
            sock.sendall(b"c" * (2 * MB))  # past the 1 MB limit: answered 413, then drained
            senders.append(sock)
        samples = [timed_get(bounded.url, timeout=5) for _ in range(5)]
    finally:
        for sock in senders:
            sock.close()
    assert max(samples) < 1.0, samples
