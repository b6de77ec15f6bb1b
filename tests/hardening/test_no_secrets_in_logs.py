"""No secret reaches a log line: a keys-mode server run that uses every kind of secret it handles.

Provider keys (server env, `x-api-key` header, `api_key` in the body, an uploaded key file), access
keys and a share's owner token all travel through `lambdachat serve`; afterwards not one of them
appears anywhere in the server's stdout or stderr.
"""

from __future__ import annotations

import io
import json
import secrets

import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.test_records_local_server import make_keys
from tests.local_server import local_server

API = "/backend-api/v2"


def test_no_secret_in_any_log_line(monkeypatch: pytest.MonkeyPatch) -> None:
    server_key = "sk-server" + secrets.token_hex(16)
    header_key = "sk-header" + secrets.token_hex(16)
    body_key = "plainbody" + secrets.token_hex(16)   # no known key shape: only never logging it helps
    uploaded_key = "sk-upload" + secrets.token_hex(16)
    with FakeUpstream() as upstream, local_server({
        "LAMBDACHAT_AUTH": "keys", "OPENAI_API_KEY": server_key, "OPENAI_BASE_URL": upstream.base_url + "/v1",
        "CUSTOM_BASE_URL": upstream.base_url + "/v1", "LAMBDACHAT_RATE_LIMITS": "off",
    }) as server:
        keys = make_keys(server, monkeypatch, "alice")
        access_key = keys["alice"]["Authorization"].removeprefix("Bearer ")
        with httpx.Client(base_url=server.url, headers=keys["alice"], timeout=30) as client:
            hello = {"messages": [{"role": "user", "content": "hi"}]}
            for extra, headers in (({"provider": "OpenAI"}, {}), ({"provider": "Custom"}, {"x-api-key": header_key}),
                                   ({"provider": "Custom", "api_key": body_key}, {})):
                assert client.post(f"{API}/conversation", json={**hello, **extra}, headers=headers).status_code == 200
            files = {"file": ("api_key_Custom.json", io.BytesIO(json.dumps({"api_key": uploaded_key}).encode()))}
            assert client.post(f"{API}/upload_cookies", files=files).status_code == 200
            assert client.post(f"{API}/conversation", json={**hello, "provider": "Custom"}).status_code == 200
            created = client.post(f"{API}/chat/5b0c6a2e-1f3d-4e8a", json={"id": "c", "items": []}).json()
            share_token = created["owner_token"]
            assert client.post(f"{API}/chat/5b0c6a2e-1f3d-4e8a", json={"id": "c", "items": []},
                               headers={"x-share-token": share_token}).status_code == 200
            assert client.delete(f"{API}/chat/5b0c6a2e-1f3d-4e8a", headers={"x-share-token": "wrong" * 5}
                                 ).status_code == 403
            report = {"error": "AuthError", "message": f"Bearer {access_key} failed with {header_key}",
                      "api_key": body_key, "provider": "Custom"}
            assert client.post(f"{API}/log", json=report).status_code == 200
            # A wrong access key and a rejected request are logged too.
            assert client.get(f"{API}/stats", headers={"Authorization": f"Bearer {access_key}x"}).status_code == 401
        sent = {s.headers.get("authorization", "") for s in upstream.seen}
        assert {f"Bearer {server_key}", f"Bearer {header_key}", f"Bearer {body_key}",
                f"Bearer {uploaded_key}"} <= sent  # every key really was used
        output = "\n".join(json.dumps(line) for line in server.logs) + "".join(server.stderr)
    assert len(server.logs) > 10
    for name, secret in {"server provider key": server_key, "x-api-key": header_key, "body api_key": body_key,
                         "uploaded key": uploaded_key, "access key": access_key, "share token": share_token}.items():
        assert secret not in output, f"the {name} appears in the server's log"
