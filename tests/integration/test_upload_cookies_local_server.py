"""Through `lambdachat serve`: an uploaded key file reaches the provider, for its principal only.

The OpenAI provider is pointed at a local fake upstream that records the Authorization header
each call carried, so the test sees exactly which key went out.
"""

from __future__ import annotations

import importlib.util
import json

import httpx
import pytest

from tests.aws import keys_mode_env, moto_server
from tests.fakes.upstream import FakeUpstream
from tests.local_server import local_server

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto", "boto3")),
    reason="the local server needs the `local` extra")

KEY_FILE = ("api_key_OpenAI.json", b'{"api_key": "sk-uploaded-by-alice"}', "application/json")


def ask(client: httpx.Client, headers: dict[str, str]) -> list[dict[str, object]]:
    body = {"provider": "OpenAI", "model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    response = client.post("/backend-api/v2/conversation", json=body, headers=headers)
    assert response.status_code == 200
    return [json.loads(line) for line in response.text.splitlines()]


def test_open_mode_uploaded_key_is_what_the_provider_receives():
    with FakeUpstream() as upstream, local_server({"OPENAI_BASE_URL": upstream.base_url + "/v1"}) as server, \
            httpx.Client(base_url=server.url, timeout=60) as client:
        assert ask(client, {})[-1]["type"] == "auth"          # no key anywhere yet
        saved = client.post("/backend-api/v2/upload_cookies", files={"file": KEY_FILE})
        assert saved.status_code == 200 and saved.json() == "File saved"
        assert [e["type"] for e in ask(client, {})][-1] != "error"
        assert upstream.seen[-1].headers["authorization"] == "Bearer sk-uploaded-by-alice"
        listed = client.get("/backend-api/v2/models/OpenAI")
        assert listed.status_code == 200
        assert upstream.seen[-1].headers["authorization"] == "Bearer sk-uploaded-by-alice"
        refused = client.post("/backend-api/v2/upload_cookies", files={"file": ("x.txt", b"x", "text/plain")})
        assert refused.status_code == 400 and refused.json()["error"]["message"]


def test_keys_mode_an_upload_serves_only_its_principal(monkeypatch):
    with moto_server() as endpoint, FakeUpstream() as upstream:
        env, keys = keys_mode_env(monkeypatch, endpoint, "alice", "bob")
        alice, bob = ({"Authorization": f"Bearer {keys[n]}"} for n in ("alice", "bob"))
        with local_server({**env, "OPENAI_BASE_URL": upstream.base_url + "/v1"}) as server, \
                httpx.Client(base_url=server.url, timeout=60) as client:
            assert client.post("/backend-api/v2/upload_cookies", files={"file": KEY_FILE}).status_code == 401
            assert client.post("/backend-api/v2/upload_cookies", files={"file": KEY_FILE},
                               headers=alice).status_code == 200
            ask(client, alice)
            assert upstream.seen[-1].headers["authorization"] == "Bearer sk-uploaded-by-alice"
            calls = len(upstream.seen)
            assert ask(client, bob)[-1]["type"] == "auth"     # bob has no key of his own
            assert len(upstream.seen) == calls                # and alice's never left for him
