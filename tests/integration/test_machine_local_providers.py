"""Ollama and LM Studio default to a server on this machine; in the cloud that machine is the
function itself, reached without the SSRF guard. Unconfigured, they do not exist there (issue 11, #13)."""

from __future__ import annotations

import socket

import pytest

from tests.apps import create_app

MACHINE_LOCAL = ["Ollama", "LMStudio", "ollama", "lmstudio"]


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Records every outbound connection attempt, and refuses it."""
    attempts: list[object] = []

    def refuse(sock: socket.socket, address: object) -> None:
        attempts.append(address)
        raise ConnectionRefusedError("no connection expected")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def _mode(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    monkeypatch.setenv("LAMBDACHAT_MODE", mode)


def _client():  # type: ignore[no-untyped-def]
    return create_app(["conversation", "provider_models", "providers", "create"]).test_client()


@pytest.mark.parametrize("name", MACHINE_LOCAL)
def test_in_the_cloud_an_unconfigured_machine_local_provider_is_unknown(monkeypatch, no_connections, name) -> None:
    _mode(monkeypatch, "cloud")
    client = _client()
    unknown = client.get("/backend-api/v2/models/NoSuchProvider").get_json()
    listing = client.get(f"/backend-api/v2/models/{name}")
    assert listing.status_code == 404
    assert listing.get_json()["error"]["message"] == unknown["error"]["message"].replace("NoSuchProvider", name)
    chat = client.post("/backend-api/v2/conversation",
                       json={"provider": name, "messages": [{"role": "user", "content": "hi"}]})
    assert chat.status_code == 404
    assert client.get(f"/backend-api/v2/create?prompt=hi&provider={name}").status_code == 404
    assert no_connections == []


def test_in_the_cloud_they_are_not_listed_until_configured(monkeypatch) -> None:
    _mode(monkeypatch, "cloud")
    names = {p["name"] for p in _client().get("/backend-api/v2/providers").get_json()}
    assert not names & {"Ollama", "LMStudio"}
    assert {"OpenAI", "Custom"} <= names   # keyed ones and Custom (its base URL is guarded) stay
    monkeypatch.setenv("OLLAMA_BASE_URL", "http://ollama.internal:11434/v1")
    names = {p["name"] for p in _client().get("/backend-api/v2/providers").get_json()}
    assert "Ollama" in names and "LMStudio" not in names


def test_on_the_users_own_machine_they_exist_unconfigured(monkeypatch) -> None:
    _mode(monkeypatch, "local")
    names = {p["name"] for p in _client().get("/backend-api/v2/providers").get_json()}
    assert {"Ollama", "LMStudio"} <= names
