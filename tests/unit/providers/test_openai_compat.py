"""The OpenAI-compatible adapter against the fake: what it sends, and how it reads the chunks."""

from __future__ import annotations

import pytest
from lambdachat.providers.base import (
    ChatRequest,
    Content,
    Credentials,
    Finish,
    MissingAuthError,
    ModelNotFoundError,
    Reasoning,
    Usage,
)
from lambdachat.providers.openai_compat import PRESETS, OpenAICompatible

from tests.fakes.upstream import OpenAIWire, json_reply
from tests.unit.providers.conftest import OPENAI_KEY, drain

PNG = "data:image/png;base64,iVBO"


def preset(name: str) -> OpenAICompatible:
    return OpenAICompatible(next(p for p in PRESETS if p.name == name))


def chat(up, *, provider=None, key=OPENAI_KEY, model="gpt-4o-mini", messages=None, params=None, base="/v1"):
    provider = provider or preset("OpenAI")
    creds = Credentials(api_key=key, base_url=up.base_url + base if base is not None else None)
    request = ChatRequest(model=model, messages=messages or [{"role": "user", "content": "Say hello"}],
                          credentials=creds, params=params or {})
    return drain(provider.stream_chat(request))


def test_content_finish_and_usage_are_read_from_the_chunks(upstream):
    upstream.script(OpenAIWire.stream("Hello", ", ", "world", finish="length", usage=(11, 3)))
    events, exc = chat(upstream)
    assert exc is None
    assert events == [Content("Hello"), Content(", "), Content("world"), Finish("length"), Usage(11, 3)]


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])  # DeepSeek / OpenRouter
def test_reasoning_deltas_become_reasoning_events(upstream, field):
    upstream.script(OpenAIWire.stream("4", reasoning=("2+2 ", "is 4"), reasoning_field=field))
    events, exc = chat(upstream)
    assert exc is None
    assert events[:3] == [Reasoning(token="2+2 "), Reasoning(token="is 4"), Content("4")]


def test_the_request_carries_model_messages_params_and_the_key(upstream):
    messages = [{"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                             {"type": "image_url", "image_url": {"url": PNG}}]}]
    chat(upstream, model="gpt-4o", messages=messages, params={"temperature": 0.2, "max_tokens": 50})
    seen = upstream.last
    assert (seen.method, seen.path) == ("POST", "/v1/chat/completions")
    assert seen.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert seen.json == {"model": "gpt-4o", "messages": messages, "stream": True,
                         "stream_options": {"include_usage": True}, "temperature": 0.2, "max_tokens": 50}


def test_mistral_is_not_sent_stream_options_it_refuses(upstream):
    chat(upstream, provider=preset("Mistral"), model="mistral-small-latest")
    assert "stream_options" not in upstream.last.json


def test_keyless_servers_get_no_authorization_header(upstream):
    events, exc = chat(upstream, provider=preset("Ollama"), key=None, model="llama3.2")
    assert exc is None
    assert "authorization" not in upstream.last.headers
    assert Content("tok ") in events


def test_custom_without_a_base_url_asks_for_one():
    custom = preset("Custom")
    request = ChatRequest(model="m", messages=[{"role": "user", "content": "hi"}])
    _, exc = drain(custom.stream_chat(request))
    assert isinstance(exc, MissingAuthError)
    assert "base URL" in str(exc)
    with pytest.raises(MissingAuthError):
        custom.list_models(Credentials())
    assert not custom.is_configured(Credentials())
    assert custom.is_configured(Credentials(base_url="http://127.0.0.1:9/v1"))


def test_custom_talks_to_the_base_url_it_is_given(upstream):
    _, exc = chat(upstream, provider=preset("Custom"), key=None, model="my-model", base="/api/v1")
    assert exc is None
    assert upstream.last.path == "/api/v1/chat/completions"
    assert upstream.last.json["model"] == "my-model"


def test_without_a_model_the_first_listed_one_is_used(upstream):
    # LM Studio has no default model: the one it has loaded is the one it lists.
    upstream.script(OpenAIWire.models("qwen2.5-7b-instruct", "text-embedding-nomic"))
    _, exc = chat(upstream, provider=preset("LMStudio"), key=None, model="")
    assert exc is None
    assert [s.path for s in upstream.seen] == ["/v1/models", "/v1/chat/completions"]
    assert upstream.last.json["model"] == "qwen2.5-7b-instruct"


def test_without_a_model_and_none_listed_the_error_says_so(upstream):
    upstream.script(json_reply(200, {"object": "list", "data": []}))
    _, exc = chat(upstream, provider=preset("LMStudio"), key=None, model="")
    assert isinstance(exc, ModelNotFoundError)


def test_live_model_list_marks_default_and_vision(upstream):
    upstream.script(OpenAIWire.models("gpt-4o-mini", "gpt-3.5-turbo"))
    models = preset("OpenAI").list_models(Credentials(api_key=OPENAI_KEY, base_url=upstream.base_url + "/v1"))
    assert [(m.id, m.default, m.vision) for m in models] == [("gpt-4o-mini", True, True),
                                                             ("gpt-3.5-turbo", False, False)]
    assert upstream.last.headers["authorization"] == f"Bearer {OPENAI_KEY}"


def test_openrouter_models_that_read_images_are_marked_vision(upstream):
    upstream.script(json_reply(200, {"data": [
        {"id": "x/seeing", "architecture": {"input_modalities": ["text", "image"]}},
        {"id": "x/blind", "architecture": {"input_modalities": ["text"]}}]}))
    models = preset("OpenRouter").list_models(Credentials(api_key=OPENAI_KEY, base_url=upstream.base_url))
    assert {m.id: m.vision for m in models} == {"x/seeing": True, "x/blind": False}


def test_known_models_need_no_network_and_mark_the_default():
    models = preset("Groq").known_models()  # the test guard would fail any connection
    assert [m.id for m in models if m.default] == ["llama-3.3-70b-versatile"]


def test_presets_are_the_documented_set():
    by_name = {p.name: p for p in PRESETS}
    assert set(by_name) == {"OpenAI", "Groq", "OpenRouter", "DeepSeek", "Mistral", "Together", "xAI",
                            "Ollama", "LMStudio", "Custom"}
    assert by_name["Ollama"].base_url == "http://127.0.0.1:11434/v1"
    assert by_name["LMStudio"].base_url == "http://127.0.0.1:1234/v1"
    assert by_name["LMStudio"].label == "LM Studio"
    keyless = {p.name for p in PRESETS if not p.needs_auth}
    assert keyless == {"Ollama", "LMStudio", "Custom"}
    assert by_name["Custom"].base_url is None


def test_connections_are_pooled_across_requests(upstream):
    creds = Credentials(api_key=OPENAI_KEY, base_url=upstream.base_url + "/v1")
    provider = preset("OpenAI")
    provider.list_models(creds)
    drain(provider.stream_chat(ChatRequest("gpt-4o-mini", [{"role": "user", "content": "hi"}], creds)))
    provider.list_models(creds)
    assert len({s.client_port for s in upstream.seen}) == 1
