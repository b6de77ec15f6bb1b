"""gunicorn settings shared by `lambdachat serve` and the streaming Lambdas under the Web Adapter
(`functions/run_web_adapter.sh` loads this module with `-c python:lambdachat.web.gunicorn_conf`).

- gthread, one worker: one process holds the in-memory state (embedded moto, the model, pooled
  upstream connections); threads let long streams and other requests overlap. The worker is
  gthread hardened (web/guarded_worker.py): request heads are read without a thread and with a
  deadline, a write the client does not take for a while aborts the response (in the cloud: an
  unread stream does not run on until the Lambda timeout), connections per address are bounded,
  and gunicorn's own errors are JSON.
- header_map "dangerous": V1 g4f clients send `x_api_key` / `x_api_base`, which gunicorn drops
  by default; the app reads both spellings as one (contract: Header names).
- no control socket: its default lives under $HOME (read-only on Lambda, clutter on a laptop).
- TCP_NODELAY on the listeners: without it a stream's small writes wait for the client's
  delayed ACK, ~40 ms on the first token (bench/stream_overhead.py measured 44 ms added).
"""

from __future__ import annotations

import socket
from typing import Any

worker_class = "lambdachat.web.guarded_worker.GuardedThreadWorker"
workers = 1
header_map = "dangerous"
control_socket_disable = True


def when_ready(arbiter: Any) -> None:
    # Accepted sockets inherit TCP_NODELAY from their listener on Linux.
    for listener in arbiter.LISTENERS:
        if listener.sock.family in (socket.AF_INET, socket.AF_INET6):
            listener.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


SHARED: dict[str, Any] = {"worker_class": worker_class, "workers": workers, "header_map": header_map,
                          "control_socket_disable": control_socket_disable, "when_ready": when_ready}
