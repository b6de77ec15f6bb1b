"""A client socket whose blocking reads and writes give up after N seconds without progress.

gunicorn's worker threads read request bodies and write responses with plain blocking calls and no
timeout, so a client that stops reading a stream (or stops sending a body) pins a thread, and the
generator behind a stream keeps running, for as long as the connection stays open. Here "blocking"
means "blocking for at most `idle` seconds without a byte moving":

- a write that cannot hand a single byte to the kernel for `idle` seconds raises EPIPE: gunicorn
  treats it as a client that went away, stops iterating the response and closes the iterator
  (which closes the stream's generator and its upstream connection);
- a read that gets nothing for `idle` seconds reads as end-of-stream: a body cut short (werkzeug
  answers 400) or a connection the client closed.

Progress resets the clock (each `send` is waited for separately), so a slow but steady reader of a
large download is never cut off; Python's own `sendall` timeout would bound the whole call instead.
"""

from __future__ import annotations

import errno
import socket
from typing import Any


class GuardedSocket(socket.socket):
    idle: float | None = None

    @classmethod
    def adopt(cls, raw: socket.socket, idle: float | None) -> GuardedSocket:
        """Take over an accepted socket's file descriptor (the original object is emptied)."""
        guarded = cls(raw.family, raw.type, raw.proto, fileno=raw.detach())
        guarded.idle = idle
        guarded.settimeout(idle)
        return guarded

    def setblocking(self, flag: bool) -> None:
        # gunicorn switches to blocking mode before every request it hands to a thread.
        if flag:
            self.settimeout(self.idle)
        else:
            super().setblocking(False)

    def sendall(self, data: Any, flags: int = 0) -> None:
        if self.gettimeout() == 0.0:  # non-blocking mode keeps its own semantics
            super().sendall(data, flags)
            return
        view = memoryview(data).cast("B")
        while view:
            try:
                sent = self.send(view, flags)
            except TimeoutError:
                raise BrokenPipeError(errno.EPIPE, f"the client took no bytes for {self.idle:g} s") from None
            view = view[sent:]

    def sendfile(self, file: Any, offset: int = 0, count: int | None = None) -> int:
        try:
            return super().sendfile(file, offset, count)
        except TimeoutError:
            raise BrokenPipeError(errno.EPIPE, f"the client took no bytes for {self.idle:g} s") from None

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        try:
            return super().recv(bufsize, flags)
        except TimeoutError:
            return b""
