"""The event stream a provider's answer becomes: order, think tags, errors, closing.

Read as the g4f objects clients get (`wire_event`): what these tests assert is the contract.
"""

import pytest
from lambdachat.chat.request import parse_conversation
from lambdachat.chat.service import start_conversation
from lambdachat.errors import NotFound
from lambdachat.identity import Principal
from lambdachat.providers.base import (
    Content,
    ConversationState,
    Finish,
    Log,
    MissingAuthError,
    Notice,
    RateLimitError,
    Reasoning,
    UpstreamDisconnected,
    Usage,
)
from lambdachat.web.streaming import wire_event

from tests.apps import test_services
from tests.fakes.providers import FakeProvider, install

ME = Principal("local")


def run(monkeypatch, fake, **body):
    install(fake)
    body.setdefault("messages", [{"role": "user", "content": "hi"}])
    return [wire_event(event) for event in start_conversation(parse_conversation(body), ME, test_services())]


def types(events):
    return [e["type"] for e in events]


def test_provider_first_content_then_finish_usage_and_logs_last(monkeypatch):
    fake = FakeProvider(script=[Log("picked model"), Content("Hel"), Usage(3, 2), Content("lo"),
                                Finish("stop"), ConversationState({"turn": 1})])
    events = run(monkeypatch, fake, provider="Fake")
    assert types(events) == ["provider", "content", "content", "conversation", "usage", "finish", "log"]
    assert events[0]["provider"] == {"name": "Fake", "label": "Fake provider", "model": "fake-model",
                                     "url": None}
    assert "".join(e["content"] for e in events if e["type"] == "content") == "Hello"
    assert events[3]["conversation"] == {"Fake": {"turn": 1}}
    assert events[4]["usage"] == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def test_think_tags_and_reasoning_fields_become_reasoning_events(monkeypatch):
    fake = FakeProvider(script=[Reasoning(status="Thinking"), Content("<think>why"), Content("</think>4")])
    events = run(monkeypatch, fake)
    assert events[1:] == [
        {"type": "reasoning", "status": "Thinking"},
        {"type": "reasoning", "is_thinking": "<think>"},
        {"type": "reasoning", "token": "why"},
        {"type": "reasoning", "is_thinking": "</think>"},
        {"type": "content", "content": "4"},
    ]


def test_mid_stream_failure_keeps_sent_content_and_ends_with_error(monkeypatch):
    fake = FakeProvider(script=[Content("partial"), UpstreamDisconnected("connection closed early")])
    events = run(monkeypatch, fake)
    assert types(events) == ["provider", "content", "error"]
    assert events[-1] == {"type": "error", "error": "UpstreamDisconnected",
                          "message": "UpstreamDisconnected: connection closed early"}


def test_refused_key_is_an_auth_event(monkeypatch):
    events = run(monkeypatch, FakeProvider(script=[MissingAuthError("Invalid API key")]))
    assert events[-1] == {"type": "auth", "auth": "MissingAuthError",
                          "message": "MissingAuthError: Invalid API key"}


def test_keyed_provider_without_key_answers_auth_without_calling_upstream(monkeypatch):
    fake = FakeProvider(needs_auth=True, script=[Content("should not run")])
    events = run(monkeypatch, fake, provider="Fake")
    assert types(events) == ["provider", "auth"]
    assert fake.requests == []


def test_request_key_reaches_the_provider(monkeypatch):
    fake = FakeProvider(needs_auth=True, script=[Content("ok")])
    run(monkeypatch, fake, provider="Fake", api_key="sk-user")
    assert fake.requests[0].credentials.api_key == "sk-user"


def test_rate_limit_and_notice(monkeypatch):
    events = run(monkeypatch, FakeProvider(script=[Notice("Warning", "slow"), RateLimitError("try later")]))
    assert events[1] == {"type": "message", "message": "Warning: slow", "error": "Warning"}
    assert events[-1]["error"] == "RateLimitError"


def test_a_crashing_adapter_still_ends_with_a_whole_error_event(monkeypatch):
    class Broken(FakeProvider):
        def stream_chat(self, request):
            yield Content("a")
            raise KeyError("choices")

    events = run(monkeypatch, Broken())
    assert types(events) == ["provider", "content", "error"]


def test_unknown_provider_fails_before_any_event(monkeypatch):
    install(FakeProvider())
    with pytest.raises(NotFound):
        start_conversation(parse_conversation({"messages": [{"role": "user", "content": "x"}],
                                               "provider": "Nope"}), ME, test_services())


def test_closing_the_stream_closes_the_provider(monkeypatch):
    fake = FakeProvider(script=[Content(str(i)) for i in range(100)])
    install(fake)
    stream = start_conversation(parse_conversation({"messages": [{"role": "user", "content": "x"}]}), ME,
                                test_services())
    next(stream), next(stream)
    stream.close()
    assert fake.closed


def test_params_and_state_are_forwarded(monkeypatch):
    fake = FakeProvider(script=[Content("ok")])
    run(monkeypatch, fake, temperature=0.2, conversation={"Fake": {"id": "abc"}, "Other": {"x": 1}})
    assert fake.requests[0].params == {"temperature": 0.2}
    assert fake.requests[0].conversation == {"id": "abc"}


def test_no_usable_provider_is_a_clear_404_not_a_crash(monkeypatch):
    install(FakeProvider(needs_auth=True))
    with pytest.raises(NotFound, match="No provider is configured"):
        start_conversation(parse_conversation({"messages": [{"role": "user", "content": "x"}]}), ME,
                           test_services())


def test_the_embedded_model_is_only_offered_where_it_is_installed(monkeypatch):
    from lambdachat.providers import local

    assert "Local" in [p.name for p in test_services().providers().configured_providers()]
    monkeypatch.setattr(local.importlib.util, "find_spec", lambda name: None)
    assert "Local" not in [p.name for p in test_services().providers().configured_providers()]
    with pytest.raises(NotFound, match="No provider is configured"):
        test_services().providers().choose_provider("")
