"""`lambdachat keys` finds the local server's data by itself, server running or not, and says in
one line when the storage cannot be reached (no botocore traceback)."""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path

import pytest
import requests

from tests.local_server import local_server, run_lambdachat

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto", "boto3")),
    reason="the local server needs the `local` extra (pip install -e '.[local]')")

PROTECTED = "/backend-api/v2/memory/u1"


def keys(env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    done = run_lambdachat(["keys", *argv], env, timeout=120)
    return done.returncode, done.stdout, done.stderr


def test_keys_work_on_the_local_data_with_and_without_a_running_server(tmp_path: Path) -> None:
    env = {"LAMBDACHAT_DATA_DIR": str(tmp_path)}
    code, alice, err = keys(env, "create", "alice")        # no server: the command starts the store
    assert code == 0, err
    assert keys(env, "list")[1].split("\t")[0] == "alice"

    with local_server({**env, "LAMBDACHAT_AUTH": "keys"}) as server:
        url = f"{server.url}{PROTECTED}"
        assert requests.get(url, timeout=10).status_code == 401
        assert requests.get(url, headers={"Authorization": f"Bearer {alice.strip()}"}, timeout=10).status_code == 200
        code, bob, err = keys(env, "create", "bob")      # the server holds the data: its store is used
        assert code == 0, err
        assert requests.get(url, headers={"Authorization": f"Bearer {bob.strip()}"}, timeout=10).status_code == 200
        assert keys(env, "revoke", "alice")[0] == 0
        assert [line.split("\t")[0] for line in keys(env, "list")[1].splitlines()] == ["bob"]


def test_unreachable_storage_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as probe:           # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
           "AWS_DEFAULT_REGION": "us-east-1", "LAMBDACHAT_DATA_DIR": str(tmp_path)}
    code, out, err = keys(env, "list")
    assert code != 0 and out == ""
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0 and err.startswith("lambdachat keys: cannot reach the table lambdachat"), err


def test_shares_sweep_runs_on_the_local_data_too(tmp_path: Path) -> None:
    done = run_lambdachat(["shares", "sweep"], {"LAMBDACHAT_DATA_DIR": str(tmp_path)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"removed 0 orphaned share bodies from the local data in {tmp_path}"
