"""The Anthropic adapter against the fake: Messages API body, event parsing, prefill."""

from __future__ import annotations

import pytest
from lambdachat.providers.anthropic import DEFAULT_MAX_TOKENS, Anthropic
from lambdachat.providers.base import ChatRequest, Content, Credentials, Finish, Reasoning, Usage

from tests.fakes.upstream import AnthropicWire
from tests.unit.providers.conftest import ANTHROPIC_KEY, drain


def chat(up, messages=None, params=None, model="claude-sonnet-4-20250514"):
    creds = Credentials(api_key=ANTHROPIC_KEY, base_url=up.base_url)
    request = ChatRequest(model=model, messages=messages or [{"role": "user", "content": "Say hello"}],
                          credentials=creds, params=params or {})
    return drain(Anthropic().stream_chat(request))


def test_text_usage_and_finish_are_read_from_the_events(upstream):
    upstream.script(AnthropicWire.stream("Hello", " world", usage=(25, 15)))
    events, exc = chat(upstream)
    assert exc is None
    assert events == [Content("Hello"), Content(" world"), Finish("stop"), Usage(25, 15)]


def test_thinking_deltas_become_reasoning(upstream):
    upstream.script(AnthropicWire.stream("4", thinking=("Two plus two ", "is four.")))
    events, _ = chat(upstream)
    assert events[:3] == [Reasoning(token="Two plus two "), Reasoning(token="is four."), Content("4")]


@pytest.mark.parametrize(("stop_reason", "finish"), [("end_turn", "stop"), ("max_tokens", "length"),
                                                     ("stop_sequence", "stop"), ("pause_turn", "pause_turn")])
def test_stop_reasons_map_to_finish_reasons(upstream, stop_reason, finish):
    upstream.script(AnthropicWire.stream("x", stop_reason=stop_reason))
    events, _ = chat(upstream)
    assert Finish(finish) in events


def test_request_uses_the_messages_api_headers_and_default_max_tokens(upstream):
    chat(upstream)
    seen = upstream.last
    assert (seen.method, seen.path) == ("POST", "/v1/messages")
    assert seen.headers["x-api-key"] == ANTHROPIC_KEY
    assert seen.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in seen.headers
    assert seen.json == {"model": "claude-sonnet-4-20250514", "stream": True,
                         "max_tokens": DEFAULT_MAX_TOKENS,
                         "messages": [{"role": "user", "content": [{"type": "text", "text": "Say hello"}]}]}


def test_system_messages_move_to_the_system_field(upstream):
    chat(upstream, messages=[{"role": "system", "content": "Be brief."},
                             {"role": "user", "content": "Hi"},
                             {"role": "system", "content": [{"type": "text", "text": "Answer in French."}]}])
    body = upstream.last.json
    assert body["system"] == "Be brief.\n\nAnswer in French."
    assert [m["role"] for m in body["messages"]] == ["user"]


def test_images_become_anthropic_image_blocks(upstream):
    chat(upstream, messages=[{"role": "user", "content": [
        {"type": "text", "text": "Compare these"},
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}},
        {"type": "image_url", "image_url": "https://example.com/cat.png"}]}])
    assert upstream.last.json["messages"][0]["content"] == [
        {"type": "text", "text": "Compare these"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}}]


def test_params_are_translated_and_unknown_ones_dropped(upstream):
    chat(upstream, params={"max_tokens": 100, "temperature": 0.3, "top_k": 5, "stop": "END", "seed": 1,
                           "presence_penalty": 0.5})
    body = upstream.last.json
    assert (body["max_tokens"], body["temperature"], body["top_k"]) == (100, 0.3, 5)
    assert body["stop_sequences"] == ["END"]
    assert "seed" not in body and "presence_penalty" not in body


def test_a_trailing_assistant_message_is_sent_as_a_prefill_without_trailing_space(upstream):
    assert Anthropic.supports_prefill
    chat(upstream, messages=[{"role": "user", "content": "Count to five"},
                             {"role": "assistant", "content": "1, 2, 3, \n"}])
    last = upstream.last.json["messages"][-1]
    assert last == {"role": "assistant", "content": [{"type": "text", "text": "1, 2, 3,"}]}


def test_live_model_list(upstream):
    upstream.script(AnthropicWire.models("claude-sonnet-4-20250514", "claude-3-5-haiku-20241022"))
    models = Anthropic().list_models(Credentials(api_key=ANTHROPIC_KEY, base_url=upstream.base_url))
    assert [(m.id, m.default, m.vision) for m in models] == [("claude-sonnet-4-20250514", True, True),
                                                             ("claude-3-5-haiku-20241022", False, True)]
    assert upstream.last.path == "/v1/models"
    assert upstream.last.headers["x-api-key"] == ANTHROPIC_KEY
