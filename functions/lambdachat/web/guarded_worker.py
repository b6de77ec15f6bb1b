"""gunicorn's gthread worker, hardened against clients that hold connections without making progress.

Stock gthread hands every accepted connection to a thread, which then blocks reading the request
head with no deadline: 16 slowloris sockets (a header line now and then, never the blank line)
took all 16 threads and no other request was answered. This worker changes three things:

- **Heads are read by the main loop.** A connection (new, or kept alive for its next request)
  sits in the worker's selector until its whole request head has arrived, and is closed with a 408
  if that takes longer than `header_timeout`. Only complete heads reach a thread, so a slowloris
  socket costs a file descriptor, not a thread.
- **Blocking socket calls give up without progress** (`GuardedSocket`): a response write the
  client does not take for `client_idle_timeout` seconds aborts the response and closes its
  generator; a body that stalls as long reads as cut short.
- **A bound on open connections per client address** (`max_connections_per_client`, 0 = none):
  beyond it a new connection gets a 429 and is closed.
- **A connection closed after its answer reads what the client still sends first** (a 413 answered
  from Content-Length, with the body on its way). gunicorn drains at most 64 KB, blocking the main
  loop for up to 2 s, and then closes; the unread bytes make the kernel reset the connection, and
  a client that sends its whole body before reading (urllib, requests, http.client) gets a broken
  pipe instead of the answer. Here the main loop discards those bytes, without a thread, for at
  most `close_drain_seconds` and `close_drain_bytes`, and the connection counts against its
  client's bound until then.

A stream still holds its thread while it generates (WSGI is synchronous), so the thread pool must
be larger than the streams one expects (`lambdachat serve` sizes it; see server.py).

gunicorn's own error responses (400/414/431/…) are written as the API's JSON error shape.

This relies on gthread internals (`accept`, `on_client_socket_readable`, `murder_pending`,
`TConn.data_ready`) of the gunicorn release pinned in pyproject.toml.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from gunicorn import util
from gunicorn.workers import gthread

from lambdachat.web.guarded_socket import GuardedSocket

HEAD_END = (b"\r\n\r\n", b"\n\n")
HEAD_CAP = 64 * 1024  # past this a thread takes over; gunicorn's limits answer 414/431 from there
LINGER = 2.0          # seconds a connection refused before its request (429, 408) is drained
LINGER_BYTES = 1 << 20
DRAIN_CHUNK = 256 * 1024  # read per readiness event: one fast sender must not hold the main loop


def error_response(status: int, reason: str, message: str) -> bytes:
    body = json.dumps({"error": {"message": message or reason}}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Replaces gunicorn.util.write_error (HTML), which gunicorn's handle_error calls with the
    status, reason and message it chose: the one seam that has all three, so gunicorn's own
    choice of status for each parse error is kept without copying it."""
    util.write_nonblock(sock, error_response(status_int, reason, mesg))


def client_host(addr: Any) -> str:
    return str(addr[0]) if isinstance(addr, tuple) and addr else ""


@dataclass
class Linger:
    """A socket whose answer is sent, read and discarded until the client closes or a bound is hit."""

    sock: socket.socket
    deadline: float
    budget: int                      # bytes still to discard
    conn: GuardedConn | None = None  # released (stops counting against its client) when it ends


class GuardedConn(gthread.TConn):  # type: ignore[misc]
    def __init__(self, cfg: Any, sock: Any, client: Any, server: Any, *,
                 on_close: Callable[[GuardedConn], None], on_linger: Callable[[GuardedConn], None]) -> None:
        super().__init__(cfg, sock, client, server)
        self.head = bytearray()
        self.head_deadline = 0.0
        self._on_close: Callable[[GuardedConn], None] | None = on_close
        self._on_linger = on_linger

    def init(self) -> None:
        super().init()
        if self.head:  # the bytes the main loop read belong to the parser
            self.parser.unreader.unread(bytes(self.head))
            self.head.clear()

    def release(self) -> None:
        """Stop counting this connection (once), whoever closes its socket."""
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            on_close(self)

    def close(self, graceful: bool = False) -> None:
        if graceful:  # gunicorn's own graceful close blocks the main loop and stops at 64 KB
            self._on_linger(self)
            return
        self.release()
        super().close()


class GuardedThreadWorker(gthread.ThreadWorker):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from lambdachat.config import get_settings

        settings = get_settings()
        self.header_timeout = settings.header_timeout
        self.client_idle_timeout = settings.client_idle_timeout or None
        self.max_per_client = settings.connections_per_client
        self.close_drain_seconds = settings.close_drain_seconds
        self.close_drain_bytes = settings.close_drain_bytes
        self.reading: collections.deque[GuardedConn] = collections.deque()  # by deadline
        self.lingering: dict[socket.socket, Linger] = {}
        # Touched only on the main thread: accept and every close (finish_request, murder_*) run there.
        self.per_client: collections.Counter[str] = collections.Counter()

    def init_process(self) -> None:
        util.write_error = write_json_error
        super().init_process()

    def accept(self, listener: Any) -> None:
        try:
            raw, addr = listener.accept()
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                return
            raise
        host = client_host(addr)
        if self.max_per_client and self.per_client[host] >= self.max_per_client:
            self._answer_and_linger(raw, error_response(
                429, "Too Many Requests", f"more than {self.max_per_client} open connections from this address"))
            return
        self.nr_conns += 1
        self.per_client[host] += 1
        sock = GuardedSocket.adopt(raw, self.client_idle_timeout)
        self._read_head(GuardedConn(self.cfg, sock, addr, listener.getsockname(),
                                    on_close=self._forget, on_linger=self._linger_conn))

    def _forget(self, conn: GuardedConn) -> None:
        host = client_host(conn.client)
        self.per_client[host] -= 1
        if self.per_client[host] <= 0:
            del self.per_client[host]

    def on_client_socket_readable(self, conn: GuardedConn, client: Any) -> None:
        """A kept-alive connection's next request is arriving: its head, too, is read here."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read_head(conn)

    def _read_head(self, conn: GuardedConn) -> None:
        conn.sock.setblocking(False)
        conn.head_deadline = time.monotonic() + self.header_timeout
        self.reading.append(conn)
        self.poller.register(conn.sock, gthread.selectors.EVENT_READ, partial(self._on_head_bytes, conn))
        self._on_head_bytes(conn, conn.sock)  # bytes may be there already (a kept-alive request)

    def _on_head_bytes(self, conn: GuardedConn, _fileobj: Any) -> None:
        try:
            data = conn.sock.recv(HEAD_CAP)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # closed by the client before a whole head arrived
            self._stop_reading(conn)
            self.nr_conns -= 1
            conn.close()
            return
        conn.head += data
        if len(conn.head) >= HEAD_CAP or any(end in conn.head for end in HEAD_END):
            self._stop_reading(conn)
            conn.data_ready = True  # the thread must not wait for data it has been handed
            self.enqueue_req(conn)

    def _stop_reading(self, conn: GuardedConn) -> None:
        self.reading.remove(conn)
        self._unregister(conn.sock)

    def _unregister(self, sock: socket.socket) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):  # already gone: nothing to undo
            self.poller.unregister(sock)

    def murder_pending(self) -> None:
        """Runs on every turn of the main loop (≤ 1 s): also close heads past their deadline."""
        super().murder_pending()
        now = time.monotonic()
        while self.reading and self.reading[0].head_deadline <= now:
            conn = self.reading[0]
            self._stop_reading(conn)
            self.nr_conns -= 1
            if conn.head:
                conn.release()
                self._answer_and_linger(conn.sock, error_response(
                    408, "Request Timeout", f"the request head took longer than {self.header_timeout:g} s"))
            else:
                conn.close()  # connected and sent nothing: nothing to answer
        for linger in [held for held in self.lingering.values() if held.deadline <= now]:
            self._end_linger(linger.sock)

    def _answer_and_linger(self, sock: socket.socket, response: bytes) -> None:
        """Answer a connection refused before its request, then drain it (≤ LINGER s)."""
        try:
            sock.setblocking(False)
            sock.send(response)
        except OSError:
            util.close(sock)
            return
        self._linger(Linger(sock, time.monotonic() + LINGER, LINGER_BYTES))

    def _linger_conn(self, conn: GuardedConn) -> None:
        """A served connection that closes: its answer is out, the client may still be sending."""
        self._linger(Linger(conn.sock, time.monotonic() + self.close_drain_seconds, self.close_drain_bytes, conn))

    def _linger(self, linger: Linger) -> None:
        """Read and discard what the client still sends until it closes or a bound is hit.

        Closing a socket with unread bytes makes the kernel send a reset, and a reset can make
        the client drop the answer before reading it. Draining happens in the main loop, so a
        closing connection never takes a thread.
        """
        sock = linger.sock
        try:
            sock.setblocking(False)
            sock.shutdown(socket.SHUT_WR)  # the answer is complete: the client sees its end now
            self.poller.register(sock, gthread.selectors.EVENT_READ, self._drain)
        except (OSError, ValueError, KeyError):
            self.lingering[sock] = linger
            self._end_linger(sock)
            return
        self.lingering[sock] = linger

    def _drain(self, sock: socket.socket) -> None:
        linger = self.lingering.get(sock)
        if linger is None:
            return
        try:
            data = sock.recv(min(DRAIN_CHUNK, max(linger.budget, 1)))
        except BlockingIOError:
            return
        except OSError:
            data = b""
        linger.budget -= len(data)
        if not data or linger.budget <= 0:
            self._end_linger(sock)

    def _end_linger(self, sock: socket.socket) -> None:
        linger = self.lingering.pop(sock, None)
        self._unregister(sock)
        util.close(sock)
        if linger is not None and linger.conn is not None:
            linger.conn.release()
