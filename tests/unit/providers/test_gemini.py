"""The Gemini adapter against the fake: generateContent body, SSE chunks, thoughts, usage."""

from __future__ import annotations

import pytest
from lambdachat.providers.base import ChatRequest, Content, Credentials, Finish, Reasoning, Usage
from lambdachat.providers.gemini import Gemini

from tests.fakes.upstream import GeminiWire
from tests.unit.providers.conftest import GEMINI_KEY, drain

PNG = "data:image/png;base64,iVBO"


def chat(up, messages=None, params=None, model="gemini-2.5-flash"):
    creds = Credentials(api_key=GEMINI_KEY, base_url=up.base_url)
    request = ChatRequest(model=model, messages=messages or [{"role": "user", "content": "Say hello"}],
                          credentials=creds, params=params or {})
    return drain(Gemini().stream_chat(request))


def test_text_finish_and_the_last_usage_are_read(upstream):
    upstream.script(GeminiWire.stream("Hello", " world", usage=(8, 5, 0)))
    events, exc = chat(upstream)
    assert exc is None
    assert events == [Content("Hello"), Content(" world"), Finish("stop"), Usage(8, 5)]


def test_thought_parts_become_reasoning_and_count_as_completion(upstream):
    upstream.script(GeminiWire.stream("4", thoughts=("**Adding** two and two",), usage=(8, 1, 20)))
    events, _ = chat(upstream)
    assert events == [Reasoning(token="**Adding** two and two"), Content("4"), Finish("stop"), Usage(8, 21)]


@pytest.mark.parametrize(("reason", "finish"), [("STOP", "stop"), ("MAX_TOKENS", "length"),
                                                ("SAFETY", "safety"), ("RECITATION", "recitation")])
def test_finish_reasons_are_mapped(upstream, reason, finish):
    upstream.script(GeminiWire.stream("x", finish=reason))
    events, exc = chat(upstream)
    assert exc is None
    assert Finish(finish) in events


def test_a_blocked_prompt_finishes_with_the_block_reason(upstream):
    upstream.script(GeminiWire.blocked("SAFETY"))
    events, exc = chat(upstream)
    assert exc is None
    assert events == [Finish("safety"), Usage(8, 0)]


def test_request_url_header_and_key_stay_out_of_the_url(upstream):
    chat(upstream)
    seen = upstream.last
    assert (seen.method, seen.path) == ("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent")
    assert seen.query == {"alt": "sse"}
    assert seen.headers["x-goog-api-key"] == GEMINI_KEY


def test_roles_system_instruction_images_and_merged_turns(upstream):
    chat(upstream, messages=[
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Look:"},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": PNG}}]},
    ])
    body = upstream.last.json
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "Hi"}]},
        {"role": "model", "parts": [{"text": "Hello!"}]},
        {"role": "user", "parts": [{"text": "Look:"},
                                   {"inlineData": {"mimeType": "image/png", "data": "iVBO"}}]},
    ]


def test_params_go_to_generation_config(upstream):
    chat(upstream, params={"temperature": 0.1, "max_tokens": 64, "top_p": 0.9, "stop": ["END"]})
    config = upstream.last.json["generationConfig"]
    assert config["temperature"] == 0.1
    assert config["maxOutputTokens"] == 64
    assert config["topP"] == 0.9
    assert config["stopSequences"] == ["END"]


@pytest.mark.parametrize(("model", "asks"), [("gemini-2.5-flash", True), ("gemini-2.0-flash", False)])
def test_thoughts_are_asked_for_only_from_models_that_think(upstream, model, asks):
    chat(upstream, model=model)
    body = upstream.last.json
    assert ("thinkingConfig" in body.get("generationConfig", {})) is asks


def test_live_model_list_strips_the_prefix_and_skips_non_chat_models(upstream):
    upstream.script(GeminiWire.models("gemini-2.5-flash", "gemini-2.5-pro"))
    models = Gemini().list_models(Credentials(api_key=GEMINI_KEY, base_url=upstream.base_url))
    assert [(m.id, m.default) for m in models] == [("gemini-2.5-flash", True), ("gemini-2.5-pro", False)]
    assert upstream.last.path == "/v1beta/models"
    assert upstream.last.headers["x-goog-api-key"] == GEMINI_KEY
