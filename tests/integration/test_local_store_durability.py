"""The local server keeps its data: kill -9 of every process of `lambdachat serve` in the middle
of concurrent uploads, share updates and memory writes loses nothing it answered with 2xx; and it
refuses, in one line, a data directory it cannot write or that another server holds."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.local_server import LocalServer, local_server, process_tree, serve_once

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto", "boto3")),
    reason="the local server needs the `local` extra (pip install -e '.[local]')")

WRITERS = 6              # per kind: 18 clients writing at once
WRITES_EACH = 40         # bound on each client's loop
ACKED_BEFORE_KILL = 90   # answered writes, all kinds together, before the kill
SHARE = "/backend-api/v2/chat"
BUCKET_FULL = "f0000000-0000-4000-8000-000000000001"


def share_body(text: str) -> str:
    return json.dumps({"id": "conv", "title": "t", "items": [{"role": "user", "content": text}]})


class Writes:
    """What the server answered with 2xx (and the share update in flight when it died)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.files: list[tuple[str, str, str]] = []
        self.memories: dict[str, list[str]] = {}
        self.shares: dict[str, list[str]] = {}      # share id -> [last acknowledged, in flight]
        self.count = 0

    def acked(self) -> None:
        with self.lock:
            self.count += 1


def answered(url: str, **kwargs: object) -> bool:
    """True when the server answered 200; a connection the kill cut is simply not acknowledged."""
    try:
        return requests.post(url, timeout=30, **kwargs).status_code == 200  # type: ignore[arg-type]
    except requests.RequestException:
        return False


def upload(server: LocalServer, writes: Writes, stop: threading.Event, i: int) -> None:
    bucket = f"d0000000-0000-4000-8000-{i:012d}"
    for j in range(WRITES_EACH):
        if stop.is_set():
            return
        name, text = f"f{j}.txt", f"file {i}-{j} " + "x" * 2000
        if answered(f"{server.url}/backend-api/v2/files/{bucket}",
                    files=[("files", (name, text.encode(), "text/plain"))]):
            writes.files.append((bucket, name, text))
            writes.acked()


def remember(server: LocalServer, writes: Writes, stop: threading.Event, i: int) -> None:
    user = f"user{i}"
    writes.memories[user] = []
    for j in range(WRITES_EACH):
        if stop.is_set():
            return
        text = f"memory {i}-{j} about durable things"
        if answered(f"{server.url}/backend-api/v2/memory/{user}",
                    json={"id": f"c{i}", "items": [{"role": "user", "content": text}]}):
            writes.memories[user].append(text)
            writes.acked()


def update_share(server: LocalServer, writes: Writes, stop: threading.Event, share_id: str, token: str) -> None:
    for j in range(WRITES_EACH):
        if stop.is_set():
            return
        text = f"share {share_id} version {j}"
        writes.shares[share_id][1] = text
        if answered(f"{server.url}{SHARE}/{share_id}", data=share_body(text),
                    headers={"content-type": "application/json", "x-share-token": token}):
            writes.shares[share_id][0] = text
            writes.acked()


def kill_every_process(server: LocalServer) -> int:
    pids = process_tree(server.process.pid)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    return len(pids)


def test_every_acknowledged_write_survives_kill_9_of_every_server_process(tmp_path: Path) -> None:
    env = {"LAMBDACHAT_DATA_DIR": str(tmp_path / "data")}
    writes, stop = Writes(), threading.Event()
    with local_server(env) as server:
        tokens = {}
        for i in range(WRITERS):
            share_id = f"durable-share-{i}"
            created = requests.post(f"{server.url}{SHARE}/{share_id}", data=share_body("first"), timeout=30,
                                    headers={"content-type": "application/json"})
            assert created.status_code == 200, created.text
            tokens[share_id] = created.json()["owner_token"]
            writes.shares[share_id] = ["first", "first"]
        threads = [threading.Thread(target=f, args=(server, writes, stop, i), daemon=True)
                   for i in range(WRITERS) for f in (upload, remember)]
        threads += [threading.Thread(target=update_share, args=(server, writes, stop, sid, token), daemon=True)
                    for sid, token in tokens.items()]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while writes.count < ACKED_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.05)
        killed = kill_every_process(server)   # while every client still writes
        assert killed >= 3, "the master, its worker and the local store"
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert writes.count >= ACKED_BEFORE_KILL

    with local_server(env) as again:
        for bucket in {b for b, _, _ in writes.files}:
            text = requests.get(f"{again.url}/backend-api/v2/files/{bucket}", timeout=30).text
            for name, content in ((n, c) for b, n, c in writes.files if b == bucket):
                assert f"```{name}\n{content}\n```" in text, (bucket, name)
        for user, texts in writes.memories.items():
            listed = requests.get(f"{again.url}/backend-api/v2/memory/{user}?page_size=100", timeout=30).json()
            assert set(texts) <= {m["memory"] for m in listed["results"]}, user
        for share_id, (acknowledged, in_flight) in writes.shares.items():
            shared = requests.get(f"{again.url}{SHARE}/{share_id}", timeout=30)
            assert shared.status_code == 200, shared.text
            assert shared.json()["items"][0]["content"] in {acknowledged, in_flight}, share_id


def refusal_line(result: object) -> str:
    stderr = str(getattr(result, "stderr", ""))
    assert getattr(result, "returncode", 0) != 0
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith("lambdachat:")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_second_server_on_the_same_data_directory_refuses_in_one_line(tmp_path: Path) -> None:
    env = {"LAMBDACHAT_DATA_DIR": str(tmp_path)}
    with local_server(env) as first:
        line = refusal_line(serve_once(env, timeout=60))
        assert "in use by another lambdachat" in line and str(tmp_path) in line
        assert requests.get(f"{first.url}/backend-api/v2/version", timeout=10).status_code == 200


def test_a_data_directory_that_cannot_be_written_is_refused_in_one_line(tmp_path: Path) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a directory")
    env = {"LAMBDACHAT_DATA_DIR": str(in_the_way / "data")}
    line = refusal_line(serve_once(env, timeout=60))
    assert f"cannot write to the data directory {in_the_way / 'data'}" in line
    assert in_the_way.read_text() == "not a directory"


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "sigterm", "crash"])
def test_the_store_process_ends_with_the_server_however_the_server_ends(tmp_path: Path, how: int) -> None:
    with local_server({"LAMBDACHAT_DATA_DIR": str(tmp_path)}) as server:
        below = process_tree(server.process.pid)[1:]
        assert len(below) >= 2, "a worker and the local store"
        server.process.send_signal(how)
        server.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in below) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in below if alive(pid)], "orphans left behind"


@contextlib.contextmanager
def small_disk(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` at `path` (root only); the test is skipped where it cannot be mounted."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_disk_loses_no_answered_write_and_is_refused_at_start(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "3m") as disk:
        env = {"LAMBDACHAT_DATA_DIR": str(disk / "data")}
        stored: list[tuple[str, str]] = []
        with local_server(env) as server:
            for j in range(40):   # ~200 KB a file (and its log record): the disk fills well before the end
                name, text = f"f{j}.txt", f"file {j} " + "y" * 200_000
                if not answered(f"{server.url}/backend-api/v2/files/{BUCKET_FULL}",
                                files=[("files", (name, text.encode(), "text/plain"))]):
                    break
                stored.append((name, text))
        assert 0 < len(stored) < 40
        line = refusal_line(serve_once(env, timeout=120))   # the start needs room for its snapshot
        assert "No space left on device" in line
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        with local_server(env) as again:
            text = requests.get(f"{again.url}/backend-api/v2/files/{BUCKET_FULL}", timeout=30).text
            for name, content in stored:
                assert f"```{name}\n{content}\n```" in text, name
