"""A local fake of the upstream LLM APIs, speaking their real wire formats over real HTTP.

    with FakeUpstream() as up:
        up.script(OpenAIWire.stream("Hel", "lo").cut(after=2))   # the next request gets this
        creds = Credentials(api_key="sk-test", base_url=up.base_url + "/v1")
        ...
        assert up.seen[-1].json["model"] == "gpt-4o-mini"

Unscripted requests get a normal answer picked by route: `POST …/chat/completions` (OpenAI
dialect), `POST …/v1/messages` (Anthropic), `POST …:streamGenerateContent` (Gemini), and
model listings at `GET …/models` (Anthropic's shape when the request carries
`anthropic-version`, Gemini's under `/v1beta/`). `FakeUpstream(chunks=N)` makes those normal
answers N content chunks sent back to back: the fast mode for benchmarks.

Streams use chunked transfer encoding, one chunk per frame, so a "cut" (closing the socket
before the terminating chunk) looks to the client exactly like a real dropped connection.
Every request is recorded as a `Seen`, which also tells when the client went away.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.wire_formats import AnthropicWire, GeminiWire, OpenAIWire, Reply, json_reply

__all__ = ["AnthropicWire", "FakeUpstream", "GeminiWire", "OpenAIWire", "Reply", "Seen", "json_reply"]


# ---- the server --------------------------------------------------------------------------------

@dataclass
class Seen:
    """One request the fake received, and what became of its response."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]                     # lower-cased names
    body: bytes
    client_port: int = 0                        # same port twice: a pooled connection was reused
    frames_sent: int = 0
    disconnected: threading.Event = field(default_factory=threading.Event)  # the client went away
    completed: threading.Event = field(default_factory=threading.Event)     # every frame was sent

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class _ClientGone(Exception):
    pass


class _Stopping(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, so the client's connection pool is exercised
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Frames are small writes: without this, Nagle holds each one for the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake.connections.add(self.connection)

    def finish(self) -> None:
        self.server.fake.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        seen = Seen(self.command, parts.path, dict(parse_qsl(parts.query)),
                    {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length),
                    client_port=self.client_address[1])
        fake.record(seen)
        reply = fake.next_reply(seen)
        try:
            self._send(reply, seen)
        except (_ClientGone, BrokenPipeError, ConnectionResetError):
            seen.disconnected.set()
            self.close_connection = True
        except _Stopping:
            self.close_connection = True

    def _send(self, reply: Reply, seen: Seen) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if not reply.stream:
            body = b"".join(reply.frames)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            seen.completed.set()
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        for index, frame in enumerate(reply.frames):
            if index == reply.cut_after:
                self._drop(reply.reset)
                return
            if index == reply.stall_after:
                self._idle(reply.stall)
            if reply.delay:
                self._idle(reply.delay)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            seen.frames_sent += 1
        if reply.cut_after is not None and reply.cut_after >= len(reply.frames):
            self._drop(reply.reset)
            return
        self.wfile.write(b"0\r\n\r\n")
        seen.completed.set()

    def _idle(self, seconds: float) -> None:
        """Wait, but notice at once when the client closes its end (or the fake stops)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.server.fake.stopping.is_set():
                raise _Stopping
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.02))
            if readable:
                if not self.connection.recv(1, socket.MSG_PEEK):
                    raise _ClientGone
                time.sleep(min(left, 0.02))  # a client that sends while we answer: just wait

    def _drop(self, reset: bool) -> None:
        if reset:  # linger 0: close sends RST, like a crashed proxy
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeUpstream


class FakeUpstream:
    """A threaded HTTP server on 127.0.0.1 with a free port; use it as a context manager."""

    def __init__(self, chunks: int = 3, chunk_text: str = "tok ") -> None:
        self.chunks = chunks
        self.chunk_text = chunk_text
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()   # open client connections, closed on exit
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        name="fake-upstream", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeUpstream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        for conn in list(self.connections):  # wakes handler threads parked on keep-alive reads
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def script(self, *replies: Reply) -> None:
        """The next requests (any route) get these replies, in order."""
        with self._lock:
            self._queue.extend(replies)

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    @property
    def last(self) -> Seen:
        return self.seen[-1]

    def next_reply(self, seen: Seen) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return self.default_reply(seen)

    def default_reply(self, seen: Seen) -> Reply:
        texts = tuple(self.chunk_text for _ in range(self.chunks))
        path = seen.path
        if seen.method == "POST" and path.endswith("/chat/completions"):
            return OpenAIWire.stream(*texts)
        if seen.method == "POST" and path.endswith("/messages"):
            return AnthropicWire.stream(*texts)
        if seen.method == "POST" and path.endswith(":streamGenerateContent"):
            return GeminiWire.stream(*texts)
        if seen.method == "GET" and path.endswith("/models"):
            if "/v1beta/" in path:
                return GeminiWire.models()
            return AnthropicWire.models() if "anthropic-version" in seen.headers else OpenAIWire.models()
        return json_reply(404, {"error": {"message": f"no route {seen.method} {path}"}})
