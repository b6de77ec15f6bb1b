"""Run `lambdachat serve` as a real subprocess for integration and browser tests.

The server binds port 0 and the test learns the real address from the server's own
"ready" log line, so parallel runs never race for a port.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

READY_SECONDS = 90.0  # moto's import and first calls are slow on a busy 2-core machine


@dataclass
class LocalServer:
    url: str
    process: subprocess.Popen[str]
    logs: list[dict[str, Any]] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def log(self, message: str) -> dict[str, Any] | None:
        """The first JSON log line whose message starts with `message`."""
        return next((line for line in list(self.logs) if str(line.get("message", "")).startswith(message)),
                    None)


def _command() -> list[str]:
    script = Path(sys.executable).with_name("lambdachat")
    if script.exists():
        return [str(script), "serve"]
    found = shutil.which("lambdachat")
    return [found, "serve"] if found else [sys.executable, "-m", "lambdachat.cli", "serve"]


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The test runner's environment without anything that configures the server."""
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith(("LAMBDACHAT_", "AWS_")) or k.endswith(("_API_KEY", "_BASE_URL")))}
    env.update({"PYTHONUNBUFFERED": "1", "LAMBDACHAT_WARM_MODEL": "0", "NO_PROXY": "127.0.0.1,localhost"})
    env.update(extra)
    return env


@contextmanager
def local_server(env: dict[str, str] | None = None) -> Iterator[LocalServer]:
    """A running server on a free port; `env` is added to a clean environment."""
    env = dict(env or {})
    own_data = None
    if "LAMBDACHAT_DATA_DIR" not in env:  # each server its own data: never the user's, never another test's
        own_data = tempfile.mkdtemp(prefix="lambdachat-data-")
        env["LAMBDACHAT_DATA_DIR"] = own_data
    process = subprocess.Popen([*_command(), "--host", "127.0.0.1", "--port", "0"],
                               env=_clean_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, bufsize=1)
    logs: list[dict[str, Any]] = []
    stderr: list[str] = []
    ready = threading.Event()
    url: list[str] = []

    def read_stdout() -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            logs.append(line)
            if isinstance(line, dict) and "url" in line and not url:
                url.append(line["url"])
                ready.set()
        ready.set()  # the process ended: stop waiting

    def read_stderr() -> None:
        assert process.stderr is not None
        stderr.extend(process.stderr)

    readers = [threading.Thread(target=f, daemon=True) for f in (read_stdout, read_stderr)]
    for reader in readers:
        reader.start()
    try:
        if not ready.wait(READY_SECONDS) or not url:
            raise RuntimeError(f"lambdachat serve did not become ready:\n{''.join(stderr)[-4000:]}")
        yield LocalServer(url=url[0], process=process, logs=logs, stderr=stderr)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        for reader in readers:
            reader.join(timeout=5)
        if own_data is not None:
            shutil.rmtree(own_data, ignore_errors=True)


def run_lambdachat(argv: list[str], env: dict[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """One `lambdachat <argv>` to its end (`env` added to a clean environment): exit status and output."""
    return subprocess.run([*_command()[:-1], *argv], env=_clean_env(env),
                          capture_output=True, text=True, timeout=timeout, check=False)


def serve_once(env: dict[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """`lambdachat serve` expected to refuse to start: its exit status and output."""
    return run_lambdachat(["serve", "--host", "127.0.0.1", "--port", "0"], env, timeout)


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (the gunicorn worker, the local store), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = [pid]
    for candidate in found:
        found += [child for child, parent in parents.items() if parent == candidate]
    return found
