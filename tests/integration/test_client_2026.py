"""The 2026 g4f web page (gpt4free/g4f.dev, `chat/index.html` + `dist/js/chat.v1.js`, read at commit
b5d03e80, 2026-08-22) against lambdachat: the requests it makes and the fields it reads, request for
request (issue 16 #3). The page is not vendored; each test names the lines it follows.

g4f 8.8.6's backend (`g4f/gui/server/backend_api.py`, `api.py`) says how `/status` and
`/health/<provider>` answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from lambdachat.providers.base import Content, Finish

from tests.apps import create_app
from tests.fakes.providers import FakeProvider, install
from tests.fakes.upstream import FakeUpstream, OpenAIWire

# chat.v1.js 4934-4949: for AnyProvider, get_api_key_by_provider() returns one key per provider.
ANY_PROVIDER_KEYS: dict[str, str | None] = {
    "Pollinations": None, "HuggingFace": None, "Together": None, "GeminiPro": None, "OpenRouter": None,
    "OpenRouterFree": None, "Groq": None, "DeepInfra": None, "Replicate": None, "Puter": None,
    "Nvidia": None, "Ollama": None, "Airforce": None}


@pytest.fixture
def fakes() -> tuple[FakeProvider, FakeProvider]:
    free = FakeProvider(name="Free", label="Free provider", script=[Content("Hello"), Finish("stop")],
                        models=("free-model", "free-big"))
    keyed = FakeProvider(name="Keyed", label="A keyed provider", needs_auth=True, models=("k-1", "k-2"),
                         script=[Content("from keyed"), Finish("stop")])
    install(free, keyed)
    return free, keyed


@pytest.fixture
def client(fakes: tuple[FakeProvider, FakeProvider]) -> Any:
    return create_app().test_client()


def conversation_body(provider: str, model: Any, api_key: Any, ignored: list[str] | None = None) -> dict[str, Any]:
    """The body ask_gpt() posts (chat.v1.js 2267-2285); `base_url` only for Custom, undefined (absent)
    otherwise; the body is sent with `accept: text/event-stream` (4775)."""
    return {"id": "7436301930584686", "conversation_id": "0b8b8b1e-5ad1-4f5e-9f0e-7bd8d0c1f0aa",
            "conversation": None, "model": model, "web_search": False, "provider": provider,
            "messages": [{"role": "user", "content": "Say hi"}], "prompt": None, "action": None,
            "download_media": True, "debug_mode": False, "api_key": api_key, "ignored": ignored or [],
            "aspect_ratio": "16:9"}


def events(response: Any) -> list[dict[str, Any]]:
    """read_response() (chat.v1.js 4846-4890) also takes JSON lines without an SSE prefix."""
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines() if line]


def test_providers_carry_what_the_provider_list_reads(client: Any) -> None:
    """load_providers() (chat.v1.js 3774-3820): sorts by `label` with localeCompare (a string on
    every entry), shows `label`, marks `auth` with a key, and checks the provider's toggle only when
    `active_by_default` (or a key is stored); load_provider_login_urls() (3872-3883) hides the key
    field of a provider that is not active by default. AnyProvider is the page's own first option
    (index.html 686), so it is not listed."""
    body = client.get("/backend-api/v2/providers").get_json()
    by_name = {p["name"]: p for p in body}
    assert set(by_name) == {"Free", "Keyed"}
    for entry in body:
        assert isinstance(entry["label"], str)
        assert {"parent", "auth", "login_url", "hf_space", "nodriver", "live", "login"} <= set(entry)
    assert by_name["Free"]["active_by_default"] is True      # usable as the server is configured
    assert by_name["Keyed"]["active_by_default"] is False    # needs a key the server does not have
    assert by_name["Keyed"]["auth"] is True and by_name["Keyed"]["label"] == "A keyed provider"


def test_a_providers_models_have_the_id_the_page_sends_and_the_label_it_shows(client: Any) -> None:
    """api('models', provider) (chat.v1.js 4748-4771) sends the stored key as `x-api-key`;
    setProviderModels() (5145-5151) uses `model.id || model` as the option's value and
    `model.label || model.id || model` as its text: without them an entry, an object, became
    `[object Object]`. The default entry is selected (5159)."""
    response = client.get("/backend-api/v2/models/Keyed", headers={"x-api-key": "sk-user",
                                                                    "content-type": "application/json"})
    assert response.status_code == 200
    models = response.get_json()
    assert [(m["id"], m["label"], m["model"]) for m in models] == [("k-1", "k-1", "k-1"), ("k-2", "k-2", "k-2")]
    assert [m["default"] for m in models] == [True, False]


def test_any_provider_lists_the_automatic_choices_models_without_using_its_key(
        client: Any, fakes: tuple[FakeProvider, FakeProvider]) -> None:
    """The page starts on AnyProvider (index.html 686; load_providers() selects index 0, 3791) and
    asks `models/AnyProvider` with `x-api-key: [object Object]` (its keys object, 4754-4756, as a
    header value) and `?ignored=<unchecked providers>` (4762-4764). Entries carry `count`, which
    "hide models only one provider serves" filters on (5006-5015)."""
    free, _ = fakes
    response = client.get("/backend-api/v2/models/AnyProvider", headers={"x-api-key": "[object Object]"})
    assert response.status_code == 200
    models = response.get_json()
    assert [m["id"] for m in models] == ["free-model", "free-big"]
    assert [m["label"] for m in models] == ["free-model", "free-big"]
    assert [m["default"] for m in models] == [True, False]
    assert all(m["count"] == 1 for m in models)
    assert free.listed_with == []                      # no provider was asked, with that "key" or any
    ignored = client.get("/backend-api/v2/models/AnyProvider?ignored=" + "Free%20Other")
    assert ignored.status_code == 200 and ignored.get_json() == []


def test_a_conversation_with_any_provider_is_the_automatic_choice(client: Any) -> None:
    """ask_gpt() sends `provider: "AnyProvider"` and `api_key` as the per-provider object (2251,
    2280): it used to be a 404 (unknown provider) and a 400 (`api_key` not a string)."""
    response = client.post("/backend-api/v2/conversation", json=conversation_body("AnyProvider", "free-model",
                                                                                    ANY_PROVIDER_KEYS),
                           headers={"accept": "text/event-stream"})
    assert response.status_code == 200
    stream = events(response)
    assert stream[0]["type"] == "provider" and stream[0]["provider"]["name"] == "Free"
    assert [e["content"] for e in stream if e["type"] == "content"] == ["Hello"]


def test_any_provider_uses_the_key_the_page_holds_for_the_chosen_provider(
        client: Any, fakes: tuple[FakeProvider, FakeProvider]) -> None:
    """A provider the client has a key for (in the AnyProvider keys object) can be the choice,
    and answers with that key."""
    _, keyed = fakes
    body = conversation_body("AnyProvider", "k-2", {**ANY_PROVIDER_KEYS, "Keyed": "sk-keyed"})
    stream = events(client.post("/backend-api/v2/conversation", json=body))
    assert stream[0]["provider"]["name"] == "Keyed"
    assert keyed.requests[0].credentials.api_key == "sk-keyed"
    assert keyed.requests[0].model == "k-2"


@pytest.mark.parametrize("model", ["[object Object]", {"id": "free-model"}, "a" * 201, "free model",
                                   "free-model\n", "../../etc"])
def test_a_model_that_is_not_a_plain_name_is_a_400_and_nothing_is_recorded(client: Any, model: Any) -> None:
    """What the page sent while its entries had no `id` (option value of an object); usage was
    recorded under it (finish_message(), 1880-1891, posts `model: message_provider.model`)."""
    response = client.post("/backend-api/v2/conversation", json=conversation_body("Free", model, None))
    assert response.status_code == 400
    assert "'model'" in response.get_json()["error"]["message"]
    usage = client.post("/backend-api/v2/usage", json={"model": model, "provider": "Free", "label": "Free",
                                                         "prompt_tokens": 1, "completion_tokens": 1})
    assert usage.status_code == 400
    if isinstance(model, str):
        assert client.get("/backend-api/v2/create", query_string={"prompt": "hi", "model": model}).status_code == 400
    day = datetime.now(UTC).date().isoformat()
    assert client.get(f"/backend-api/v2/usage/{day}").get_json() == []


@pytest.mark.parametrize("model", ["openai/gpt-oss-20b:free", "hf.co/bartowski/Llama-3.2-1B-GGUF:Q4_K_M",
                                   "claude-3-5-sonnet@20240620", "gpt-4.1-mini", "models/gemini-2.5-flash"])
def test_real_model_names_pass(client: Any, model: str) -> None:
    usage = client.post("/backend-api/v2/usage", json={"model": model, "provider": "Free",
                                                         "prompt_tokens": 1, "completion_tokens": 1})
    assert usage.status_code == 200


def test_status_answers_as_g4f_8_8(client: Any) -> None:
    """backend_api.py (g4f 8.8.6) get_system_status(): these keys, these types."""
    response = client.get("/backend-api/v2/status")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"status", "uptime", "version", "latest_version", "total_providers",
                         "working_providers", "total_models", "timestamp"}
    assert (body["status"], body["uptime"]) == ("ok", "active")
    assert body["version"] == client.get("/backend-api/v2/version").get_json()["version"]
    assert (body["total_providers"], body["working_providers"], body["total_models"]) == (2, 1, 2)
    assert datetime.fromisoformat(body["timestamp"])


def test_health_of_fakes_answers_as_g4f_8_8(client: Any) -> None:
    """backend_api.py (g4f 8.8.6) get_health(): 404 for an unknown provider, 501 for one without a
    health check (AnyProvider), 401 without a key, else the probe's outcome with max-age=300."""
    unknown = client.get("/backend-api/v2/health/Nope")
    assert unknown.status_code == 404
    assert unknown.get_json() == {"error": {"message": "Provider not found: Nope"}}
    assert client.get("/backend-api/v2/health/AnyProvider").status_code == 501
    assert client.get("/backend-api/v2/health/Keyed").status_code == 401
    keyed = client.get("/backend-api/v2/health/Keyed", headers={"x-api-key": "sk-user"})
    assert keyed.status_code == 200
    assert keyed.get_json() == {"url": None, "status": 200, "ok": True, "quota": None}
    assert keyed.headers["Cache-Control"] == "private, max-age=300"   # found with the client's key
    free = client.get("/backend-api/v2/health/Free")
    assert free.headers["Cache-Control"] == "public, max-age=300"


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as up:
        yield up


def test_health_probes_the_providers_model_list_and_reports_a_refusal_in_the_body(
        monkeypatch: pytest.MonkeyPatch, upstream: FakeUpstream) -> None:
    """g4f's OpenaiTemplate.get_health() GETs `<base>/models` with the key and reports the
    upstream status (`probe_health`: `{"url", "status", "ok", "quota", "error"}`), a 200 either way."""
    monkeypatch.setenv("OPENAI_BASE_URL", upstream.base_url + "/v1")
    monkeypatch.setenv("LAMBDACHAT_MODEL_CACHE_SECONDS", "0")
    client = create_app(["provider_models"]).test_client()
    upstream.script(OpenAIWire.models("gpt-4o-mini"), OpenAIWire.error(401, "Incorrect API key provided"))
    good = client.get("/backend-api/v2/health/OpenAI", headers={"x-api-key": "sk-good"})
    assert good.get_json() == {"url": "https://platform.openai.com", "status": 200, "ok": True, "quota": None}
    assert upstream.seen[-1].path == "/v1/models"
    assert upstream.seen[-1].headers["authorization"] == "Bearer sk-good"
    refused = client.get("/backend-api/v2/health/OpenAI", headers={"x-api-key": "sk-bad"})
    assert refused.status_code == 200
    body = refused.get_json()
    assert (body["status"], body["ok"]) == (401, False)
    assert body["error"].startswith("MissingAuthError")
