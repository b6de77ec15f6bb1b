"""Memory, usage, stats and log through `lambdachat serve` (embedded moto), in both auth modes.

Also checks what only a real server shows: the usage metric is flushed as an EMF line on the
server's stdout, with no Lambda handler decorator around the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from lambdachat.config import reload_settings

from tests.local_server import LocalServer, local_server


def today() -> str:
    """Read at each use, not at import: a run that crosses midnight UTC must not fail."""
    return datetime.now(UTC).date().isoformat()
MEM = "/backend-api/v2/memory"


@pytest.fixture(scope="module")
def open_server() -> Iterator[LocalServer]:
    with local_server() as running:
        yield running


@pytest.fixture(scope="module")
def keys_server() -> Iterator[LocalServer]:
    with local_server({"LAMBDACHAT_AUTH": "keys"}) as running:
        yield running


def make_keys(server: LocalServer, monkeypatch: pytest.MonkeyPatch, *names: str) -> dict[str, dict[str, str]]:
    """Create access keys in the server's own embedded DynamoDB, as `lambdachat keys create` would."""
    from lambdachat.accesskeys.keys import create_key
    from lambdachat.accesskeys.store import DynamoKeyStore
    from lambdachat.storage import aws

    ready = server.log("embedded AWS ready")
    assert ready is not None
    for name, value in {"AWS_ENDPOINT_URL": ready["endpoint"], "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    reload_settings()   # the endpoint is a setting
    aws.client.cache_clear()
    try:
        return {name: {"Authorization": f"Bearer {create_key(DynamoKeyStore(), name)}"} for name in names}
    finally:
        aws.client.cache_clear()


def test_memory_usage_stats_and_log_in_open_mode(open_server):
    with httpx.Client(base_url=open_server.url, timeout=30) as client:
        body = {"id": "c1", "items": [{"role": "user", "content": "My daughter plays the cello"}]}
        assert client.post(f"{MEM}/u1", json=body).json() == {"count": 1}
        found = client.get(f"{MEM}/u1", params={"search": "cello"}).json()
        assert found[0]["memory"] == "My daughter plays the cello"
        assert client.delete(f"{MEM}/u1/{found[0]['id']}").status_code == 200
        assert client.get(f"{MEM}/u1").json()["count"] == 0

        usage = {"model": "local-model", "provider": "Local", "prompt_tokens": 4, "completion_tokens": 6}
        assert client.post("/backend-api/v2/usage", json=usage).json() == {}
        assert [r["total_tokens"] for r in client.get(f"/backend-api/v2/usage/{today()}").json()] == [10]
        assert client.get("/backend-api/v2/stats?days=1").json()["totals"]["total_tokens"] == 10
        assert client.post("/backend-api/v2/log", json={"error": "X", "message": "boom"}).json() == {}
        assert client.get("/backend-api/v2/stats?days=400").status_code == 400

    metric = next((line for line in list(open_server.logs) if "_aws" in line), None)
    assert metric is not None, "the usage metric was not flushed"
    assert (metric["model"], metric["provider"], metric["TotalTokens"]) == ("local-model", "Local", [10.0])
    assert open_server.log("client log") is not None


def test_keys_mode_needs_a_key_and_keeps_principals_apart(keys_server, monkeypatch):
    auth = make_keys(keys_server, monkeypatch, "alice", "bob")
    with httpx.Client(base_url=keys_server.url, timeout=30) as client:
        for method, path in (("GET", f"{MEM}/u1"), ("POST", f"{MEM}/u1"), ("DELETE", f"{MEM}/u1"),
                             ("POST", "/backend-api/v2/usage"), ("GET", f"/backend-api/v2/usage/{today()}"),
                             ("GET", "/backend-api/v2/stats"), ("POST", "/backend-api/v2/log")):
            assert client.request(method, path, json={}).status_code == 401, path
        body = {"id": "c1", "items": [{"role": "user", "content": "alice's note"}]}
        assert client.post(f"{MEM}/u1", json=body, headers=auth["alice"]).json() == {"count": 1}
        assert client.get(f"{MEM}/u1", headers=auth["bob"]).json()["count"] == 0
        assert client.get(f"{MEM}/u1", params={"search": "note"}, headers=auth["bob"]).json() == []
        usage = {"model": "m", "provider": "P", "prompt_tokens": 3}
        assert client.post("/backend-api/v2/usage", json=usage, headers={**auth["alice"], "x-user": "bob"}).json() == {}
        assert client.get("/backend-api/v2/stats", headers=auth["bob"]).json()["totals"]["total_tokens"] == 0
        assert client.get("/backend-api/v2/stats", headers=auth["alice"]).json()["totals"]["total_tokens"] == 3
        assert client.post("/backend-api/v2/log", json={"message": "m"}, headers=auth["bob"]).json() == {}
