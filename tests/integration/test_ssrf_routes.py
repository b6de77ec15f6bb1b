"""The Custom provider's client-given base URL goes through the SSRF guard; the server's own does not.

The fake upstream listens on 127.0.0.1, which is exactly what a cloud deployment must refuse
when a client names it, and what a local one must allow (Ollama on the same machine).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.apps import create_app
from tests.fakes.upstream import FakeUpstream

CHAT = {"provider": "Custom", "model": "m-1", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as up:
        yield up


def _mode(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    monkeypatch.setenv("LAMBDACHAT_MODE", mode)   # apps created after this are in that mode


def _events(body: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in body.splitlines() if line]


def test_cloud_refuses_a_client_base_url_on_loopback(monkeypatch, upstream) -> None:
    _mode(monkeypatch, "cloud")
    client = create_app(["conversation", "provider_models"]).test_client()
    listing = client.get("/backend-api/v2/models/Custom", headers={"x-api-base": upstream.base_url + "/v1"})
    assert listing.status_code == 502
    assert "not a public address" in listing.get_json()["error"]["message"]
    chat = client.post("/backend-api/v2/conversation", json={**CHAT, "api_base": upstream.base_url + "/v1"})
    errors = [e for e in _events(chat.get_data(as_text=True)) if e.get("type") == "error"]
    assert errors and "not a public address" in str(errors[0]["message"])
    assert upstream.seen == []


def test_local_mode_reaches_a_client_base_url_on_loopback(monkeypatch, upstream) -> None:
    _mode(monkeypatch, "local")
    client = create_app(["conversation"]).test_client()
    chat = client.post("/backend-api/v2/conversation", json={**CHAT, "api_base": upstream.base_url + "/v1"})
    assert any(e.get("type") == "content" for e in _events(chat.get_data(as_text=True)))
    assert len(upstream.seen) == 1


def test_cloud_trusts_the_server_configured_base_url(monkeypatch, upstream) -> None:
    _mode(monkeypatch, "cloud")
    monkeypatch.setenv("CUSTOM_BASE_URL", upstream.base_url + "/v1")
    client = create_app(["conversation"]).test_client()
    chat = client.post("/backend-api/v2/conversation", json=CHAT)
    assert any(e.get("type") == "content" for e in _events(chat.get_data(as_text=True)))


@pytest.mark.parametrize("base", ["file:///etc/passwd", "http://user:pw@example.com/v1", "gopher://x/"])
def test_a_base_url_that_is_not_plain_http_is_400_before_streaming(monkeypatch, base: str) -> None:
    client = create_app(["conversation"]).test_client()
    response = client.post("/backend-api/v2/conversation", json={**CHAT, "api_base": base})
    assert response.status_code == 400
    assert "api_base" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("mode", ["cloud", "local"])
@pytest.mark.parametrize("base", ["http://0177.0.0.1/v1", "http://[::1/v1", "http://xn--/v1", "http://\uff41.com/v1"])
def test_a_base_url_the_http_client_cannot_parse_is_400_on_every_route(monkeypatch, mode: str, base: str) -> None:
    _mode(monkeypatch, mode)
    client = create_app(["conversation", "provider_models", "synthesize", "create"]).test_client()
    responses = {
        "models": client.get("/backend-api/v2/models/Custom", headers={"x-api-base": base}),
        "conversation": client.post("/backend-api/v2/conversation", json={**CHAT, "api_base": base}),
        "synthesize": client.get("/backend-api/v2/synthesize/Custom?text=hi", headers={"x-api-base": base}),
        "create": client.get("/backend-api/v2/create?prompt=hi&provider=Custom", headers={"x-api-base": base}),
    }
    for route, response in responses.items():
        assert response.status_code == 400, route
        assert "api_base is not usable: malformed URL" in response.get_json()["error"]["message"], route


def test_a_malformed_server_configured_base_url_is_a_clear_upstream_error(monkeypatch) -> None:
    monkeypatch.setenv("CUSTOM_BASE_URL", "http://0177.0.0.1/v1")
    response = create_app(["provider_models"]).test_client().get("/backend-api/v2/models/Custom")
    assert response.status_code == 502
    assert "configured base URL is malformed" in response.get_json()["error"]["message"]
