"""The operator's provider key only ever travels to the operator's base URL (issue 11, #1).

Two local HTTP servers stand in for the two hosts: `operator` is the server-configured
`CUSTOM_BASE_URL`, `elsewhere` is a base URL a client names (`x-api-base` / `api_base`). Each
records the Authorization header it receives. Local mode, so that the SSRF guard lets a
client-named loopback host through and the only thing under test is which key goes where.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from lambdachat.identity import Principal

from tests.apps import create_app, services_of
from tests.fakes.upstream import FakeUpstream, OpenAIWire, Reply

SERVER_KEY = "sk-operator-0123456789abcdef"
CLIENT_KEY = "sk-client-0123456789abcdef"
UPLOADED_KEY = "sk-uploaded-0123456789abcdef"
CHAT = {"provider": "Custom", "model": "m-1", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeUpstream]:
    with FakeUpstream() as up:
        monkeypatch.setenv("LAMBDACHAT_MODE", "local")
        monkeypatch.setenv("CUSTOM_BASE_URL", up.base_url + "/v1")
        monkeypatch.setenv("CUSTOM_API_KEY", SERVER_KEY)
        yield up


@pytest.fixture
def elsewhere() -> Iterator[FakeUpstream]:
    with FakeUpstream() as up:
        yield up


@pytest.fixture
def client(operator: FakeUpstream) -> FlaskClient:
    return create_app(["conversation", "provider_models", "synthesize", "create"]).test_client()


def _audio() -> Reply:
    return Reply(frames=(b"RIFF fake",), stream=False, headers=(("Content-Type", "audio/wav"),))


def _call(client: FlaskClient, route: str, up: FakeUpstream, headers: dict[str, str]) -> int:
    """One request on `route`; returns its status."""
    if route == "models":
        return client.get("/backend-api/v2/models/Custom", headers=headers).status_code
    if route == "conversation":
        response = client.post("/backend-api/v2/conversation", json=CHAT, headers=headers)
        response.get_data()  # the stream runs as it is read
        return response.status_code
    if route == "synthesize":
        up.script(_audio())
        return client.get("/backend-api/v2/synthesize/Custom?text=hi", headers=headers).status_code
    return client.get("/backend-api/v2/create?prompt=hi&provider=Custom&model=m-1", headers=headers).status_code


ROUTES = ["models", "conversation", "synthesize", "create"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_client_named_base_url_never_gets_the_server_key(client, operator, elsewhere, route) -> None:
    status = _call(client, route, elsewhere, {"x-api-base": elsewhere.base_url + "/v1"})
    assert status == 200
    assert len(elsewhere.seen) >= 1 and operator.seen == []
    assert all("authorization" not in seen.headers for seen in elsewhere.seen)
    assert all(SERVER_KEY not in json.dumps(seen.headers) for seen in elsewhere.seen)


def test_a_client_base_url_in_the_chat_body_never_gets_the_server_key(client, operator, elsewhere) -> None:
    for field in ("api_base", "base_url"):
        client.post("/backend-api/v2/conversation",
                    json={**CHAT, field: elsewhere.base_url + "/v1"}).get_data()
    assert len(elsewhere.seen) == 2 and operator.seen == []
    assert all("authorization" not in seen.headers for seen in elsewhere.seen)


@pytest.mark.parametrize("route", ROUTES)
def test_the_clients_own_key_goes_with_its_base_url(client, operator, elsewhere, route) -> None:
    _call(client, route, elsewhere, {"x-api-base": elsewhere.base_url + "/v1", "x-api-key": CLIENT_KEY})
    assert elsewhere.seen and operator.seen == []
    assert {seen.headers.get("authorization") for seen in elsewhere.seen} == {f"Bearer {CLIENT_KEY}"}


def test_the_principals_uploaded_key_goes_with_its_base_url(client, operator, elsewhere) -> None:
    # An uploaded key is the principal's own, like a key in the request.
    services_of(client.application).uploads().save_upload(
        Principal("local"), "api_key_Custom.json", json.dumps({"api_key": UPLOADED_KEY}).encode())
    elsewhere.script(OpenAIWire.stream("ok"))
    client.post("/backend-api/v2/conversation", json={**CHAT, "api_base": elsewhere.base_url + "/v1"}).get_data()
    assert elsewhere.last.headers.get("authorization") == f"Bearer {UPLOADED_KEY}"


@pytest.mark.parametrize("route", ROUTES)
def test_the_server_key_goes_to_the_server_base_url(client, operator, route) -> None:
    assert _call(client, route, operator, {}) == 200
    assert operator.seen
    assert {seen.headers.get("authorization") for seen in operator.seen} == {f"Bearer {SERVER_KEY}"}


def test_naming_the_server_base_url_itself_still_uses_the_server_key(client, operator) -> None:
    """The SPA may echo the configured URL back; that is the operator's host, not the client's."""
    response = client.get("/backend-api/v2/models/Custom", headers={"x-api-base": operator.base_url + "/v1/"})
    assert response.status_code == 200
    assert operator.last.headers.get("authorization") == f"Bearer {SERVER_KEY}"
