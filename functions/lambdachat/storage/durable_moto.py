"""moto made durable: a write-ahead log of every answered mutating request, plus snapshots.

Runs in the local store's own process (`storage.store_process`), never in the serving one.
One lock around every request makes moto's state change in log order; a mutating request is
appended to the log and fsynced *before* its answer leaves, so whatever a client saw answered
2xx is on disk. At start the last snapshot (a pickle of moto's S3 and DynamoDB backends) is
loaded and the log since it replayed through the same WSGI app; then a new snapshot is written
and the replayed logs deleted. A log past `COMPACT_BYTES` is folded into a snapshot by a forked
child while serving goes on, so a start never replays more than about that much.

Replay is faithful because moto's answers depend only on its state and the request, with three
exceptions handled here: S3's LastModified (the recorded time is put back while replaying), a
multipart upload's id (the new id replaces the old in the parts and the completion), and failed
requests (not logged: they changed nothing).
"""

from __future__ import annotations

import io
import os
import pickle
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lambdachat.storage.moto_fixes import forget_model_instances, item_level_transactions
from lambdachat.storage.wal import WriteAheadLog, fsync_dir, read_records

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# DynamoDB operations that change nothing (X-Amz-Target's suffix); every other POST/PUT/DELETE is logged.
_READ_OPERATIONS = ("Get", "BatchGet", "Query", "Scan", "Describe", "List", "TransactGet")
_UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")
_QUERY_UPLOAD_ID = re.compile(r"(^|&)uploadId=([^&]+)")
SNAPSHOT = "snapshot.pickle"
COMPACT_BYTES = 64 * 1024 * 1024  # a log this long is folded into a snapshot (start replays less)


def mutates(environ: dict[str, Any]) -> bool:
    if environ["REQUEST_METHOD"] in ("GET", "HEAD", "OPTIONS"):
        return False
    operation = str(environ.get("HTTP_X_AMZ_TARGET", "")).rpartition(".")[2]
    return not (operation and operation.startswith(_READ_OPERATIONS))


def _read_body(environ: dict[str, Any]) -> bytes:
    length = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if length.isdigit():
        return bytes(stream.read(int(length)))
    return bytes(stream.read()) if environ.get("wsgi.input_terminated") else b""


def _backends() -> tuple[Any, Any]:
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends

    return s3_backends, dynamodb_backends


class _ReplayClock:
    """While replaying, moto's S3 stamps objects with the time of the original request."""

    def __init__(self) -> None:
        import moto.s3.models as s3_models

        self._module = s3_models
        self._original = getattr(s3_models, "utcnow")  # noqa: B009 - not in moto's typed exports

    def at(self, epoch: float) -> None:
        setattr(self._module, "utcnow", lambda: datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None))  # noqa: B010

    def restore(self) -> None:
        setattr(self._module, "utcnow", self._original)  # noqa: B010


class DurableMoto:
    """The WSGI app of the store: moto's own, serialised and logged."""

    def __init__(self, directory: Path, compact_bytes: int = COMPACT_BYTES) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        forget_model_instances()
        item_level_transactions()
        self.directory = directory
        self._inner: WsgiApp = DomainDispatcherApplication(create_backend_app)
        self._lock = threading.Lock()
        self._upload_ids: dict[str, str] = {}
        self._compact_bytes = compact_bytes
        self._compactor: int | None = None   # pid of the forked child writing a snapshot
        self._wal_generation = self._recover() + 1
        self._wal = WriteAheadLog(self._wal_path(self._wal_generation))

    # --- serving ---------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = _read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        with self._lock:
            status, headers, answer = self._call(environ)
            if mutates(environ) and status.startswith("2"):
                self._log(environ, answer, body)
                if self._wal.size > self._compact_bytes and self._compactor is None:
                    self._compact()
        start_response(status, headers)
        return [answer]

    def _log(self, environ: dict[str, Any], answer: bytes, body: bytes) -> None:
        try:
            self._wal.append(self._meta(environ, answer), body)
        except OSError as exc:
            # The write is applied in memory but not on disk: serving on would show what a restart
            # loses. Stop now (the client gets no answer, so it was never acknowledged); the log on
            # disk is whole up to the last answered write, and the next start begins from it.
            print(f"local store: cannot write its log in {self.directory} ({exc.strerror or exc}); "
                  "stopping so that nothing unlogged is served", file=sys.stderr, flush=True)
            os._exit(4)

    def _call(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured[:] = [status, headers]
            return lambda _data: None

        chunks = self._inner(environ, capture)
        try:
            answer = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return captured[0], captured[1], answer

    @staticmethod
    def _meta(environ: dict[str, Any], answer: bytes) -> dict[str, Any]:
        meta: dict[str, Any] = {"environ": {k: v for k, v in environ.items() if isinstance(v, str)},
                                "t": time.time()}
        if "uploads" in environ.get("QUERY_STRING", "") and (found := _UPLOAD_ID.search(answer)):
            meta["upload_id"] = found.group(1).decode()
        return meta

    def _compact(self) -> None:
        """Fold the log into a snapshot without stopping: a forked child pickles the state as of now
        (copy-on-write, taken under the lock) while this process goes on with a new log."""
        done = self._wal_generation
        pid = os.fork()
        if pid == 0:  # the child: only this thread exists, and no request is half-applied (the lock)
            code = 1
            try:
                self._write_snapshot(done)
                for generation, path in self._logs():
                    if generation <= done:
                        path.unlink()
                code = 0
            except BaseException as exc:  # the child must reach _exit whatever happens
                print(f"local store: snapshot failed: {exc}", file=sys.stderr)
            finally:
                os._exit(code)
        self._wal.close()
        self._wal_generation = done + 1
        self._wal = WriteAheadLog(self._wal_path(self._wal_generation))
        self._compactor = pid
        threading.Thread(target=self._reap, args=(pid,), name="compaction", daemon=True).start()

    def _reap(self, pid: int) -> None:
        _pid, status = os.waitpid(pid, 0)
        if status:  # the logs are all still there: nothing is lost, the next start replays them
            print(f"local store: a snapshot failed (status {status}); the log keeps every write", file=sys.stderr)
        with self._lock:
            self._compactor = None

    def close(self) -> None:
        with self._lock:  # an append in progress finishes first
            self._wal.close()

    # --- recovery ----------------------------------------------------------------------------
    def _wal_path(self, generation: int) -> Path:
        return self.directory / f"wal-{generation:08d}.log"

    def _logs(self) -> list[tuple[int, Path]]:
        found = [(int(p.stem[4:]), p) for p in self.directory.glob("wal-*.log") if p.stem[4:].isdigit()]
        return sorted(found)

    def _recover(self) -> int:
        """Load the snapshot, replay the logs after it, and fold them into a new snapshot."""
        generation = self._load_snapshot()
        logs = [(g, p) for g, p in self._logs() if g > generation]
        clock = _ReplayClock()
        replayed = diverged = 0
        try:
            for log_generation, path in logs:
                for record in read_records(path):
                    clock.at(float(record.meta.get("t", time.time())))
                    replayed += 1
                    try:
                        diverged += not self._replay(record.meta, record.body)
                    except Exception:  # one bad record must not make every other one unreachable
                        diverged += 1
                generation = log_generation
        finally:
            clock.restore()
        if replayed or not (self.directory / SNAPSHOT).exists():
            self._write_snapshot(generation)
        for log_generation, path in self._logs():
            if log_generation <= generation:
                path.unlink()
        print(f"local store: {replayed} logged writes replayed"
              + (f", {diverged} of them answered differently than when logged" if diverged else ""), file=sys.stderr)
        return generation

    def _replay(self, meta: dict[str, Any], body: bytes) -> bool:
        """Apply one logged write again; False when moto no longer answers it with 2xx."""
        environ: dict[str, Any] = dict(meta["environ"])
        query = environ.get("QUERY_STRING", "")
        environ["QUERY_STRING"] = _QUERY_UPLOAD_ID.sub(
            lambda m: f"{m.group(1)}uploadId={self._upload_ids.get(m.group(2), m.group(2))}", query)
        environ.update({"wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
                        "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False})
        status, _headers, answer = self._call(environ)
        if "upload_id" in meta and (found := _UPLOAD_ID.search(answer)):
            self._upload_ids[meta["upload_id"]] = found.group(1).decode()
        return status.startswith("2")

    def _load_snapshot(self) -> int:
        path = self.directory / SNAPSHOT
        if not path.exists():
            return 0
        with open(path, "rb") as file:
            state = pickle.load(file)
        s3_backends, dynamodb_backends = _backends()
        s3_backends.clear()
        s3_backends.update(state["s3"])
        s3_backends.bucket_accounts.clear()
        s3_backends.bucket_accounts.update(state["bucket_accounts"])
        dynamodb_backends.clear()
        dynamodb_backends.update(state["dynamodb"])
        return int(state["generation"])

    def _write_snapshot(self, generation: int) -> None:
        """Atomically: a new file, fsynced, renamed over the old one; the logs go only after."""
        s3_backends, dynamodb_backends = _backends()
        state = {"generation": generation, "s3": dict(s3_backends),
                 "bucket_accounts": dict(s3_backends.bucket_accounts), "dynamodb": dict(dynamodb_backends)}
        temporary = self.directory / f"{SNAPSHOT}.tmp"
        with open(temporary, "wb") as file:
            pickle.dump(state, file, protocol=pickle.HIGHEST_PROTOCOL)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.directory / SNAPSHOT)
        fsync_dir(self.directory)
