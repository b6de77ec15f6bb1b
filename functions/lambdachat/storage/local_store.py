"""Start, find and stop the durable local store (`storage.store_process`) from its parent.

`lambdachat serve` starts one in its master process before gunicorn forks, and points every
boto3 client at it through the environment (`AWS_ENDPOINT_URL` and fake credentials), so the
routes and adapters are exactly the cloud's. `lambdachat keys` uses the running server's store
when there is one, else starts its own for the length of the command.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lambdachat.storage.store_process import LOCK_FILE, holder_of, store_dir

START_SECONDS = 120.0  # replaying a long log on a busy 2-core machine


class StoreUnavailable(RuntimeError):
    """The local store could not be started or reached; the message is one line for the user."""


@dataclass
class LocalStore:
    endpoint: str
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None  # None: another process's store, reused

    def stop(self, timeout: float = 10.0) -> None:
        """Closing the pipe is the stop signal; the store finishes the request it is in and exits."""
        if self.process is None or self.process.poll() is not None:
            return
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()  # every answered write is in the log already
            self.process.wait()

    def forget_in_child(self) -> None:
        """In a forked worker: drop this copy of the pipe, so only the parent's death closes it.
        Closed through its file object, once, so no later close can hit a reused descriptor."""
        if self.process is not None and self.process.stdin is not None:
            pipe, self.process.stdin = self.process.stdin, None
            pipe.close()
        self.process = None   # the worker does not own the store: stop() is the master's


def start_store(data_dir: Path, timeout: float = START_SECONDS, compact_bytes: int | None = None) -> LocalStore:
    """A new store process on `data_dir`; raises StoreUnavailable with its one-line reason."""
    command = [sys.executable, "-m", "lambdachat.storage.store_process", str(data_dir),
               *([str(compact_bytes)] if compact_bytes is not None else [])]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               start_new_session=True)  # Ctrl-C goes to the server; the pipe stops the store
    assert process.stdout is not None
    answer = _first_line(process.stdout, timeout)
    process.stdout.close()
    try:
        said = json.loads(answer) if answer else {}
    except ValueError:
        said = {}
    if "endpoint" not in said:
        process.kill()
        process.wait()
        reason = said.get("error") or f"the local store did not start (exit {process.returncode})"
        raise StoreUnavailable(reason)
    return LocalStore(endpoint=str(said["endpoint"]), data_dir=data_dir, process=process)


def _first_line(stream: IO[bytes], timeout: float) -> bytes:
    found: list[bytes] = []
    reader = threading.Thread(target=lambda: found.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return found[0] if found else b""


def running_store(data_dir: Path) -> LocalStore | None:
    """The store a running server holds on `data_dir`, if any (its lock is taken)."""
    directory = store_dir(data_dir)
    if not (directory / LOCK_FILE).exists():
        return None
    with open(directory / LOCK_FILE, "ab") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            endpoint = holder_of(directory).get("endpoint")
            return LocalStore(endpoint=str(endpoint), data_dir=data_dir) if endpoint else None
        fcntl.flock(lock, fcntl.LOCK_UN)
    return None


def find_or_start_store(data_dir: Path) -> LocalStore:
    return running_store(data_dir) or start_store(data_dir)
