"""Demo mode (issue 16 #2, g4f's `app.demo`): `LAMBDACHAT_DEMO=on` serves a public demo. `/models` is
the configured demo list with `"demo": true`, a conversation without a provider is served from
it, per-visitor rate limits are on whatever `LAMBDACHAT_RATE_LIMITS` says, and uploading provider
credentials is a clear 403 with nothing stored."""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from lambdachat.config import Settings
from lambdachat.credentials.store import InMemoryUploadStore
from lambdachat.providers.base import Content, Finish

from tests.apps import create_app, override
from tests.aws import mocked_aws
from tests.fakes.providers import FakeProvider, install

API = "/backend-api/v2"
DEMO_LIST = "Alpha:alpha-1, Beta:shared, Gamma:shared, Nowhere:ghost"


def providers() -> dict[str, FakeProvider]:
    made = {name: FakeProvider(name=name, models=models, script=[Content(f"from {name}"), Finish("stop")])
            for name, models in (("Alpha", ("alpha-1", "alpha-2")), ("Beta", ("shared",)),
                                 ("Gamma", ("shared",)), ("Other", ("other-model",)))}
    install(*made.values())
    return made


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeProvider]:
    monkeypatch.setenv("LAMBDACHAT_DEMO", "on")
    monkeypatch.setenv("LAMBDACHAT_DEMO_MODELS", DEMO_LIST)
    return providers()


def served_by(client, **body) -> tuple[str, str]:
    response = client.post(f"{API}/conversation", json={"messages": [{"role": "user", "content": "hi"}], **body})
    assert response.status_code == 200, response.data
    events = [json.loads(line) for line in response.data.decode().splitlines()]
    chosen = next(e["provider"] for e in events if e["type"] == "provider")
    return chosen["name"], chosen["model"]


def test_models_is_the_configured_demo_list_marked_demo(demo):
    listed = create_app().test_client().get(f"{API}/models").get_json()
    assert listed == [
        {"name": "alpha-1", "image": False, "vision": False, "providers": ["Alpha"], "demo": True},
        {"name": "shared", "image": False, "vision": False, "providers": ["Beta", "Gamma"], "demo": True},
    ]   # Nowhere is no provider here; Other and alpha-2 are not on the list


def test_without_demo_mode_models_lists_everything_unmarked(monkeypatch):
    providers()
    listed = create_app().test_client().get(f"{API}/models").get_json()
    assert {m["name"] for m in listed} == {"alpha-1", "alpha-2", "shared", "other-model"}
    assert not any("demo" in m for m in listed)


def test_a_conversation_without_provider_is_served_from_the_demo_list(demo):
    client = create_app().test_client()
    assert served_by(client, model="alpha-1") == ("Alpha", "alpha-1")
    shared = Counter(served_by(client, model="shared")[0] for _ in range(40))
    assert set(shared) == {"Beta", "Gamma"}            # a model's providers, picked at random
    for body in ({}, {"model": "other-model"}, {"model": "alpha-2"}):
        provider, model = served_by(client, **body)   # not on the list: a demo entry instead
        assert (provider, model) in {("Alpha", "alpha-1"), ("Beta", "shared"), ("Gamma", "shared")}, body
    assert not demo["Other"].requests
    # a client that names its provider keeps it, as in g4f
    assert served_by(client, provider="Other") == ("Other", "other-model")


def test_per_visitor_rate_limits_are_on_in_demo_mode(demo, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_RATE_LIMITS", "off")            # what the operator wrote does not matter
    monkeypatch.setenv("LAMBDACHAT_RATE_CONVERSATION_IP_PER_MINUTE", "1")
    monkeypatch.setenv("LAMBDACHAT_RATE_CONVERSATION_IP_BURST", "1")
    with mocked_aws(monkeypatch):
        client = create_app().test_client()
        chat = {"messages": [{"role": "user", "content": "hi"}]}
        visitor = {"REMOTE_ADDR": "198.51.100.20"}
        assert client.post(f"{API}/conversation", json=chat, environ_base=visitor).status_code == 200
        refused = client.post(f"{API}/conversation", json=chat, environ_base=visitor,
                              headers={"Accept": "application/json"})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        other = client.post(f"{API}/conversation", json=chat, environ_base={"REMOTE_ADDR": "198.51.100.21"})
        assert other.status_code == 200                                  # per visitor, not per site


def test_uploading_provider_credentials_is_refused_with_nothing_stored(demo):
    store = InMemoryUploadStore()
    override(upload_store=store)
    response = create_app().test_client().post(
        f"{API}/upload_cookies", content_type="multipart/form-data",
        data={"file": (io.BytesIO(b'{"Alpha": {"api_key": "sk-visitor"}}'), "keys.json")})
    assert response.status_code == 403
    assert "public demo" in response.get_json()["error"]["message"]
    assert store.names("local") == set()


def test_a_malformed_demo_list_stops_the_server_at_start():
    with pytest.raises(RuntimeError, match="Provider:model"):
        from lambdachat.providers.registry import Registry

        Registry((), Settings(demo=True, demo_models="Alpha:alpha-1, just-a-model"))
