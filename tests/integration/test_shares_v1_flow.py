"""The V1 client's share flow, request for request, in-process and through `lambdachat serve`.

What the unchanged V1 page does (qrcode.html, chat.v1.js): POST the conversation to a fresh
`chat/<uuid>` and require status 200; re-POST the whole conversation after every message
(same origin, so its cookies go along); the viewer polls GET with `If-None-Match: <updated>`;
deleting the conversation sends `DELETE files/<share_id>`.
"""

from __future__ import annotations

import importlib.util
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.apps import create_app
from tests.aws import keys_mode_env, mocked_aws, moto_server
from tests.local_server import local_server


@dataclass
class Reply:
    status: int
    headers: Any
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Send = Callable[..., Reply]


def flask_browser(app: Any, key: str | None = None) -> Send:
    client = app.test_client()

    def send(method: str, path: str, headers: dict[str, str] | None = None, body: str | None = None) -> Reply:
        headers = {**(headers or {}), **({"Authorization": f"Bearer {key}"} if key else {})}
        response = client.open(path, method=method, headers=headers, data=body)
        return Reply(response.status_code, response.headers, response.get_data())

    return send


def http_browser(base_url: str, key: str | None = None) -> tuple[Send, httpx.Client]:
    client = httpx.Client(base_url=base_url, timeout=30)   # keeps cookies like a browser, by path

    def send(method: str, path: str, headers: dict[str, str] | None = None, body: str | None = None) -> Reply:
        headers = {**(headers or {}), **({"Authorization": f"Bearer {key}"} if key else {})}
        response = client.request(method, path, headers=headers, content=body)
        return Reply(response.status_code, response.headers, response.content)

    return send, client


def run_v1_flow(owner: Send, viewer: Send, *, viewer_may_post: bool) -> None:
    share_id = str(uuid.uuid4())                   # crypto.randomUUID()
    conversation_id = str(uuid.uuid4())
    chat = f"/backend-api/v2/chat/{share_id}"
    now = int(time.time() * 1000)
    conversation: dict[str, Any] = {"id": conversation_id, "title": "Holiday plans", "added": now,
                                    "updated": now, "items": [{"role": "user", "content": "Where to go?"}]}
    json_headers = {"content-type": "application/json"}

    # qrcode.html: "Generate QR Code"
    created = owner("POST", chat, json_headers, json.dumps(conversation))
    assert created.status == 200                   # the page checks `response.status !== 200`
    assert created.json()["share_id"] == share_id

    # the other device opens <origin>/chat/<share_id>/<conversation_id>
    opened = viewer("GET", chat, {"accept": "application/json", "x-conversation-id": conversation_id})
    assert opened.status == 200
    assert opened.json() == conversation
    assert opened.headers["X-Robots-Tag"] == "noindex, nofollow"

    def poll(updated: int) -> Reply:
        return viewer("GET", chat, {"if-none-match": str(updated), "x-conversation-id": conversation_id})

    assert poll(conversation["updated"]).status == 304

    # every message on the owner's page re-POSTs the whole conversation, cookie attached
    for n, (role, text) in enumerate([("assistant", "Lisbon."), ("user", "Why?"), ("assistant", "Light.")]):
        conversation["items"].append({"role": role, "content": text, "provider": {"name": "Fake"}})
        conversation["updated"] = now + n + 1
        assert owner("POST", chat, json_headers, json.dumps(conversation)).status == 200
        fresh = poll(conversation["updated"] - 1)
        assert fresh.status == 200 and fresh.json() == conversation
        assert poll(conversation["updated"]).status == 304

    # removing a message re-POSTs too
    conversation["items"].pop()
    conversation["updated"] += 1
    assert owner("POST", chat, json_headers, json.dumps(conversation)).status == 200
    assert poll(conversation["updated"] - 1).json()["items"][-1]["content"] == "Why?"

    # the viewer's own page cannot overwrite the owner's share
    vandal = viewer("POST", chat, json_headers, json.dumps({**conversation, "items": []}))
    assert vandal.status == (403 if viewer_may_post else 401)
    assert poll(0).json() == conversation

    # deleting the conversation: DELETE files/<share_id>, the owner's cookie attached
    assert viewer("DELETE", f"/backend-api/v2/files/{share_id}").status in {401, 404}
    assert poll(0).status == 200
    deleted = owner("DELETE", f"/backend-api/v2/files/{share_id}")
    assert deleted.status == 200
    assert deleted.json() == {"message": "Bucket deleted successfully"}
    assert poll(0).status == 404
    assert poll(conversation["updated"]).status == 404


# ---- in-process (the app every Lambda runs) -------------------------------------------------------

@pytest.fixture
def aws(monkeypatch):
    with mocked_aws(monkeypatch) as client:
        yield client


def test_v1_flow_in_process_open_mode(aws):
    app = create_app()
    run_v1_flow(flask_browser(app), flask_browser(app), viewer_may_post=True)


@pytest.mark.parametrize("viewer_has_a_key", [True, False])
def test_v1_flow_in_process_keys_mode(aws, monkeypatch, viewer_has_a_key):
    from lambdachat.accesskeys.keys import create_key
    from lambdachat.accesskeys.store import DynamoKeyStore
    monkeypatch.setenv("LAMBDACHAT_AUTH", "keys")
    alice = create_key(DynamoKeyStore(), "alice")
    bob = create_key(DynamoKeyStore(), "bob") if viewer_has_a_key else None
    app = create_app()
    run_v1_flow(flask_browser(app, alice), flask_browser(app, bob), viewer_may_post=viewer_has_a_key)


# ---- through the local server ------------------------------------------------------------------------

needs_local = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto", "boto3")),
    reason="the local server needs the `local` extra")


@needs_local
def test_v1_flow_through_the_local_server():
    with local_server() as server:
        owner, owner_client = http_browser(server.url)
        viewer, viewer_client = http_browser(server.url)
        with owner_client, viewer_client:
            run_v1_flow(owner, viewer, viewer_may_post=True)


@needs_local
def test_v1_flow_through_the_local_server_in_keys_mode(monkeypatch):
    with moto_server() as endpoint:
        env, keys = keys_mode_env(monkeypatch, endpoint, "alice", "bob")
        with local_server(env) as server:
            assert httpx.post(f"{server.url}/backend-api/v2/chat/{uuid.uuid4()}", json={"items": []},
                              timeout=30).status_code == 401
            owner, owner_client = http_browser(server.url, keys["alice"])
            viewer, viewer_client = http_browser(server.url, keys["bob"])
            with owner_client, viewer_client:
                run_v1_flow(owner, viewer, viewer_may_post=True)
