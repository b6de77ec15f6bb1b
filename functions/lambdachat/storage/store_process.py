"""The local store's own process: `python -m lambdachat.storage.store_process <data dir> [compact bytes]`.

Started by `lambdachat serve` (and by `lambdachat keys` when no server runs), never by hand.
It owns `<data dir>/store` alone: an exclusive lock on `store/lock` is held for its whole life
(the kernel drops it when the process dies, even by kill -9), so two stores can never write
the same log. It lives exactly as long as its parent: its stdin is a pipe whose other end only
the parent holds, and end-of-file on it — the parent exited, crashed or was killed — stops it.
Ctrl-C in the terminal reaches the parent, not this process (it runs in its own session).

It tells its parent one JSON line on stdout: `{"endpoint": ...}` when it serves, or
`{"error": ...}` (and exits 2) when the directory is unusable or locked by another server.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from lambdachat.storage.durable_moto import COMPACT_BYTES, DurableMoto

LOCK_WAIT_SECONDS = 5.0  # a store whose server was just killed takes a moment to see it and exit
ENDPOINT_FILE = "endpoint.json"
LOCK_FILE = "lock"


class StoreError(Exception):
    """The store cannot start: its message is the one line the user sees."""


def store_dir(data_dir: Path) -> Path:
    return data_dir / "store"


def holder_of(directory: Path) -> dict[str, Any]:
    """What the running store wrote about itself (pid, endpoint), or {} when unknown."""
    try:
        found = json.loads((directory / ENDPOINT_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def open_store_dir(data_dir: Path) -> Path:
    directory = store_dir(data_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".write-test"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise StoreError(f"cannot write to the data directory {data_dir}: {exc.strerror or exc}") from exc
    return directory


def take_lock(directory: Path, wait: float = LOCK_WAIT_SECONDS) -> IO[bytes]:
    """The exclusive lock of the store directory, held until the returned file is closed."""
    lock = open(directory / LOCK_FILE, "ab")  # noqa: SIM115 - held for the life of the process
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return lock
        except BlockingIOError:
            if time.monotonic() >= deadline:
                lock.close()
                pid = holder_of(directory).get("pid", "unknown")
                raise StoreError(f"the data directory {directory.parent} is in use by another lambdachat "
                                 f"(store pid {pid}); stop it, or set LAMBDACHAT_DATA_DIR to another "
                                 "directory") from None
            time.sleep(0.1)


def _write_endpoint(directory: Path, endpoint: str) -> None:
    temporary = directory / f"{ENDPOINT_FILE}.tmp"
    temporary.write_text(json.dumps({"pid": os.getpid(), "endpoint": endpoint}))
    os.replace(temporary, directory / ENDPOINT_FILE)


def _create_resources(endpoint: str) -> None:
    """The cloud stack's buckets and table, through the store's own front door (so they are logged).

    Only when one is missing: create_all's settings calls would otherwise add a logged write, and
    so a new snapshot, to every start."""
    import boto3
    from botocore.config import Config

    from lambdachat.storage.resources import BUCKETS, TABLES, create_all

    options: dict[str, Any] = {"endpoint_url": endpoint, "region_name": "us-east-1",
                               "aws_access_key_id": "local", "aws_secret_access_key": "local"}
    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **options)
    dynamodb = boto3.client("dynamodb", **options)
    buckets = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    tables = set(dynamodb.list_tables().get("TableNames", []))
    if not ({b.name for b in BUCKETS} <= buckets and {t.name for t in TABLES} <= tables):
        create_all(s3, dynamodb)


def _serve(directory: Path, compact_bytes: int) -> None:
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    class KeepAliveHandler(MotoRequestHandler):
        protocol_version = "HTTP/1.1"  # boto3 keeps its connections: no new TCP handshake per call
        # werkzeug sends the head and the body in separate writes; with Nagle on, a kept-alive
        # connection then waits for the client's delayed ACK (~40 ms) before the body leaves.
        disable_nagle_algorithm = True

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass  # the server logs its own requests; the store's would be noise

    app = DurableMoto(directory, compact_bytes)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=KeepAliveHandler)
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"

    def stop(*_args: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    def watch_parent() -> None:
        while sys.stdin.buffer.read(4096):
            pass
        stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    serving = threading.Thread(target=server.serve_forever, name="store", daemon=True)
    serving.start()
    _create_resources(endpoint)
    _write_endpoint(directory, endpoint)
    print(json.dumps({"endpoint": endpoint, "pid": os.getpid()}), flush=True)
    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
    serving.join()
    app.close()
    (directory / ENDPOINT_FILE).unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    try:
        directory = open_store_dir(Path(argv[0]))
        lock = take_lock(directory)
        try:
            _serve(directory, int(argv[1]) if len(argv) > 1 else COMPACT_BYTES)
        finally:
            lock.close()
    except StoreError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 2
    except OSError as exc:  # e.g. the disk filled up while recovering: say so, keep the data as it was
        print(json.dumps({"error": f"the local store in {argv[0]} failed: {exc}"}), flush=True)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
