"""The memory, usage, stats and log Lambda handlers, invoked as Lambda invokes them.

Each with both event shapes (API Gateway HTTP API v2 and Function URL), on moto, in both auth
modes: `none` (everyone is `local`) and `keys` (a Bearer access key names the principal).
"""

from __future__ import annotations

import base64
import importlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from lambdachat.usage import recorder

from tests.aws import mocked_aws
from tests.events import LambdaContext, function_url_event, http_api_event


def today() -> str:
    """Read at each use, not at import: a run that crosses midnight UTC must not fail."""
    return datetime.now(UTC).date().isoformat()
MEM = "/backend-api/v2/memory"


def _http_api(method: str, path: str, route: str, **kw: Any) -> dict[str, Any]:
    return http_api_event(method, path, route=route, **kw)


def _function_url(method: str, path: str, route: str, **kw: Any) -> dict[str, Any]:
    return function_url_event(method, path, **kw)


@pytest.fixture(params=[_http_api, _function_url], ids=["http-api", "function-url"])
def make_event(request):
    return request.param


def call(module: ModuleType, event: dict[str, Any]) -> tuple[int, Any]:
    reply = module.handler(event, LambdaContext(function_name=f"lambdachat-dev-{module.__name__}"))
    body = reply.get("body", "")
    text = base64.b64decode(body).decode() if reply.get("isBase64Encoded") else body
    return int(reply["statusCode"]), json.loads(text)


def handlers() -> dict[str, ModuleType]:
    """Freshly imported, so each app is built under the auth mode the test set."""
    return {name: importlib.reload(importlib.import_module(f"functions.{name}"))
            for name in ("memory", "usage", "stats", "log")}


@pytest.fixture
def aws(monkeypatch) -> Iterator[None]:
    with mocked_aws(monkeypatch):
        yield
        recorder.drain()


@pytest.fixture
def open_mode(aws) -> dict[str, ModuleType]:
    return handlers()


@pytest.fixture
def keys_mode(aws, monkeypatch) -> Iterator[tuple[dict[str, ModuleType], dict[str, str]]]:
    from lambdachat.accesskeys.keys import create_key
    from lambdachat.accesskeys.store import DynamoKeyStore

    store = DynamoKeyStore()
    keys = {name: create_key(store, name) for name in ("alice", "bob")}
    monkeypatch.setenv("LAMBDACHAT_AUTH", "keys")
    from lambdachat.config import reload_settings

    reload_settings()   # a new process, in keys mode
    yield handlers(), {name: f"Bearer {key}" for name, key in keys.items()}
    monkeypatch.delenv("LAMBDACHAT_AUTH")
    reload_settings()
    handlers()     # leave the modules as every other test expects them: open mode


def test_memory_handler_adds_pages_searches_and_deletes(open_mode, make_event):
    memory = open_mode["memory"]
    body = {"id": "c1", "items": [{"role": "user", "content": "I am allergic to peanuts"},
                                  {"role": "assistant", "content": "Noted: no peanuts"}]}
    route = "/backend-api/v2/memory/{user_id}"
    assert call(memory, make_event("POST", f"{MEM}/u1", route, json_body=body)) == (200, {"count": 2})
    status, page = call(memory, make_event("GET", f"{MEM}/u1", route, query="page=1&page_size=1"))
    assert status == 200 and page["count"] == 2 and len(page["results"]) == 1
    status, found = call(memory, make_event("GET", f"{MEM}/u1", route, query="search=allergic"))
    assert status == 200 and found[0]["memory"] == "I am allergic to peanuts"
    one = f"{MEM}/u1/{found[0]['id']}"
    assert call(memory, make_event("DELETE", one, route + "/{memory_id}"))[0] == 200
    assert call(memory, make_event("DELETE", f"{MEM}/u1", route))[1]["count"] == 1
    assert call(memory, make_event("GET", f"{MEM}/u1", route, query="page=abc"))[0] == 400


def test_usage_and_stats_handlers(open_mode, make_event):
    record = {"model": "m", "provider": "P", "prompt_tokens": 2, "completion_tokens": 1}
    assert call(open_mode["usage"], make_event("POST", "/backend-api/v2/usage", "/backend-api/v2/usage",
                                               json_body=record)) == (200, {})
    status, day = call(open_mode["usage"], make_event("GET", f"/backend-api/v2/usage/{today()}",
                                                      "/backend-api/v2/usage/{day}"))
    assert status == 200 and [r["total_tokens"] for r in day] == [3]
    status, stats = call(open_mode["stats"], make_event("GET", "/backend-api/v2/stats", "/backend-api/v2/stats",
                                                        query="days=2"))
    assert status == 200 and len(stats["days"]) == 2 and stats["totals"]["total_tokens"] == 3
    assert call(open_mode["usage"], make_event("POST", "/backend-api/v2/usage", "/backend-api/v2/usage",
                                               body="x" * 5000))[0] == 413


def test_log_handler(open_mode, make_event):
    event = make_event("POST", "/backend-api/v2/log", "/backend-api/v2/log",
                       json_body={"error": "RateLimitError", "message": "slow", "provider": "P"})
    assert call(open_mode["log"], event) == (200, {})


def test_a_handler_serves_only_its_own_routes(open_mode, make_event):
    status, body = call(open_mode["stats"], make_event("POST", "/backend-api/v2/log", "/backend-api/v2/log",
                                                       json_body={}))
    assert status == 404 and "error" in body


def test_keys_mode_needs_a_key_and_keeps_principals_apart(keys_mode, make_event):
    mods, auth = keys_mode
    route = "/backend-api/v2/memory/{user_id}"
    body = {"id": "c1", "items": [{"role": "user", "content": "alice's secret"}]}
    for name, method, path in (("memory", "GET", f"{MEM}/u1"), ("usage", "POST", "/backend-api/v2/usage"),
                               ("stats", "GET", "/backend-api/v2/stats"), ("log", "POST", "/backend-api/v2/log")):
        status, error = call(mods[name], make_event(method, path, path, json_body={}))
        assert status == 401 and "error" in error
    assert call(mods["memory"], make_event("POST", f"{MEM}/u1", route, json_body=body,
                                           headers={"Authorization": auth["alice"]}))[0] == 200
    _, mine = call(mods["memory"], make_event("GET", f"{MEM}/u1", route, headers={"Authorization": auth["alice"]}))
    _, theirs = call(mods["memory"], make_event("GET", f"{MEM}/u1", route, headers={"Authorization": auth["bob"]}))
    assert (mine["count"], theirs["count"]) == (1, 0)

    usage = {"model": "m", "provider": "P", "prompt_tokens": 5}
    call(mods["usage"], make_event("POST", "/backend-api/v2/usage", "/backend-api/v2/usage", json_body=usage,
                                   headers={"Authorization": auth["alice"], "x-user": "bob"}))
    _, bob_stats = call(mods["stats"], make_event("GET", "/backend-api/v2/stats", "/backend-api/v2/stats",
                                                  headers={"Authorization": auth["bob"]}))
    _, alice_stats = call(mods["stats"], make_event("GET", "/backend-api/v2/stats", "/backend-api/v2/stats",
                                                    headers={"Authorization": auth["alice"]}))
    assert (alice_stats["totals"]["total_tokens"], bob_stats["totals"]["total_tokens"]) == (5, 0)
