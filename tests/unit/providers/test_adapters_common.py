"""What every HTTP adapter owes its caller, checked for all three dialects against the fake:
error statuses map to our errors, dropped and stalled streams end with the right error after
the text already received, closing the stream closes the upstream connection, and a key
never shows up in a message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from lambdachat.providers.anthropic import Anthropic
from lambdachat.providers.base import (
    ChatRequest,
    Content,
    Credentials,
    MissingAuthError,
    ModelNotFoundError,
    Provider,
    RateLimitError,
    UpstreamDisconnected,
    UpstreamError,
    UpstreamTimeout,
)
from lambdachat.providers.gemini import Gemini
from lambdachat.providers.openai_compat import PRESETS, OpenAICompatible

from tests.fakes.upstream import AnthropicWire, FakeUpstream, GeminiWire, OpenAIWire, Reply
from tests.unit.providers.conftest import ANTHROPIC_KEY, GEMINI_KEY, OPENAI_KEY, drain


@dataclass
class Dialect:
    name: str
    provider: Provider
    wire: Any
    key: str
    path: str              # the base URL's path the adapter expects under the fake's origin
    unterminated: Reply    # a complete HTTP body whose stream never says it is finished

    def request(self, up: FakeUpstream, key: str | None = None) -> ChatRequest:
        creds = Credentials(api_key=key or self.key, base_url=up.base_url + self.path)
        return ChatRequest(model=self.provider.default_model(),
                           messages=[{"role": "user", "content": "Say hello"}], credentials=creds)

    def creds(self, up: FakeUpstream) -> Credentials:
        return self.request(up).credentials


DIALECTS = [
    Dialect("openai", OpenAICompatible(PRESETS[0]), OpenAIWire, OPENAI_KEY, "/v1",
            OpenAIWire.stream("Hel", "lo", finish=None, usage=None, done=False)),
    Dialect("anthropic", Anthropic(), AnthropicWire, ANTHROPIC_KEY, "",
            AnthropicWire.stream("Hel", "lo", stop=False)),
    Dialect("gemini", Gemini(), GeminiWire, GEMINI_KEY, "", GeminiWire.stream("Hel", "lo", finish=None)),
]
ids = [d.name for d in DIALECTS]

# (dialect, HTTP status of the upstream, the error we raise, the status it keeps)
STATUSES = [
    ("openai", 401, MissingAuthError, None), ("openai", 403, MissingAuthError, None),
    ("openai", 404, ModelNotFoundError, None), ("openai", 429, RateLimitError, None),
    ("openai", 500, UpstreamError, 500), ("openai", 503, UpstreamError, 503),
    ("anthropic", 401, MissingAuthError, None), ("anthropic", 403, MissingAuthError, None),
    ("anthropic", 404, ModelNotFoundError, None), ("anthropic", 429, RateLimitError, None),
    ("anthropic", 500, UpstreamError, 500), ("anthropic", 529, UpstreamError, 529),
    ("gemini", 400, MissingAuthError, None),   # Gemini's "API key not valid" is a 400
    ("gemini", 403, MissingAuthError, None), ("gemini", 404, ModelNotFoundError, None),
    ("gemini", 429, RateLimitError, None), ("gemini", 500, UpstreamError, 500),
    ("gemini", 503, UpstreamError, 503),
]


def dialect(name: str) -> Dialect:
    return next(d for d in DIALECTS if d.name == name)


@pytest.mark.parametrize(("name", "status", "error", "kept_status"), STATUSES)
def test_error_status_maps_to_our_error_with_the_upstream_message(upstream, name, status, error, kept_status):
    d = dialect(name)
    upstream.script(d.wire.error(status))
    events, exc = drain(d.provider.stream_chat(d.request(upstream)))
    assert events == []
    assert type(exc) is error
    upstream_message = d.wire.ERRORS[status][-1]
    assert upstream_message.split(".")[0] in str(exc)
    if kept_status is not None:
        assert isinstance(exc, UpstreamError)
        assert exc.status == kept_status


def test_a_plain_bad_request_stays_an_upstream_error_with_its_status(upstream):
    upstream.script(GeminiWire.error(400, message="Invalid JSON payload received."))
    _, exc = drain(Gemini().stream_chat(dialect("gemini").request(upstream)))
    assert type(exc) is UpstreamError
    assert exc.status == 400
    assert "Invalid JSON payload received." in str(exc)


@pytest.mark.parametrize("d", DIALECTS, ids=ids)
def test_rate_limit_message_says_when_to_retry(upstream, d):
    upstream.script(d.wire.error(429, retry_after=17))
    _, exc = drain(d.provider.stream_chat(d.request(upstream)))
    assert isinstance(exc, RateLimitError)
    assert "retry after 17 s" in str(exc)


@pytest.mark.parametrize("d", DIALECTS, ids=ids)
def test_a_key_echoed_by_the_upstream_never_reaches_the_message(upstream, d):
    upstream.script(d.wire.error(401, message=f"Incorrect API key provided: {d.key}"))
    _, exc = drain(d.provider.stream_chat(d.request(upstream)))
    assert isinstance(exc, MissingAuthError)
    assert d.key not in str(exc)
    assert "Incorrect API key provided" in str(exc)
    assert d.key not in repr(exc.args)


@pytest.mark.parametrize("d", DIALECTS, ids=ids)
def test_listing_models_with_a_refused_key_is_an_auth_error(upstream, d):
    status = 400 if d.name == "gemini" else 401
    upstream.script(d.wire.error(status))
    with pytest.raises(MissingAuthError):
        d.provider.list_models(d.creds(upstream))


@pytest.mark.parametrize("d", DIALECTS, ids=ids)
def test_a_connection_dropped_mid_answer_keeps_the_text_then_says_disconnected(upstream, d):
    reply = d.wire.stream("Hel", "lo", " there")
    upstream.script(reply.cut(after=reply.frame_index(" there")))
    events, exc = drain(d.provider.stream_chat(d.request(upstream)))
    # what arrived before the cut is not thrown away
    assert [e.text for e in events if isinstance(e, Content)] == ["Hel", "lo"]
    assert isinstance(exc, UpstreamDisconnected)


@pytest.mark.parametrize("d", DIALECTS, ids=ids)
def test_a_connection_reset_mid_answer_is_a_disconnect_too(upstream, d):
    reply = d.wire.stream("Hel", "lo", " there")
    upstream.script(reply.cut(after=reply.frame_index(" there"), reset=True))
    _, exc = drain(d.provider.stream_chat(d.request(upstream)))
    assert isinstance(exc, UpstreamDisconnected)


@pytest.mark.parametrize("d", DIALECTS, ids=ids)
def test_a_stream_that_ends_without_finishing_is_a_disconnect(upstream, d):
    upstream.script(d.unterminated)
    events, exc = drain(d.provider.stream_chat(d.request(upstream)))
    assert [e.text for e in events if isinstance(e, Content)] == ["Hel", "lo"]
    assert isinstance(exc, UpstreamDisconnected)


@pytest.mark.parametrize("d", DIALECTS, ids=ids)
def test_an_upstream_that_goes_silent_times_out(upstream, short_stream_timeout, d):
    reply = d.wire.stream("Hel", "lo", " there")
    upstream.script(reply.stalled(after=reply.frame_index(" there")))
    events, exc = drain(d.provider.stream_chat(d.request(upstream)))
    assert [e.text for e in events if isinstance(e, Content)] == ["Hel", "lo"]
    assert isinstance(exc, UpstreamTimeout)
    assert f"{short_stream_timeout:g} s" in str(exc)


@pytest.mark.parametrize("d", DIALECTS, ids=ids)
def test_closing_the_stream_closes_the_upstream_connection(upstream, d):
    upstream.script(d.wire.stream(*["word "] * 200).slow(0.05))
    stream = d.provider.stream_chat(d.request(upstream))
    first = next(e for e in stream if isinstance(e, Content))
    assert first == Content("word ")
    stream.close()  # what the web layer does when the browser goes away
    seen = upstream.last
    assert seen.disconnected.wait(5), "the upstream never saw the client leave"
    assert not seen.completed.is_set()
    assert seen.frames_sent < 200


@pytest.mark.parametrize(("d", "reply", "error"), [
    (dialect("openai"), OpenAIWire.stream_error("Hel", code=502), UpstreamError),
    (dialect("openai"), OpenAIWire.stream_error("Hel", code=429, message="Rate limited upstream"),
     RateLimitError),
    (dialect("anthropic"), AnthropicWire.stream_error("Hel"), UpstreamError),
    (dialect("anthropic"), AnthropicWire.stream_error("Hel", kind="rate_limit_error", message="slow down"),
     RateLimitError),
    (dialect("gemini"), GeminiWire.stream_error("Hel", status=503), UpstreamError),
], ids=["openrouter-502", "openrouter-429", "anthropic-overloaded", "anthropic-rate", "gemini-503"])
def test_an_error_object_inside_the_stream_ends_it_with_our_error(upstream, d, reply, error):
    upstream.script(reply)
    events, exc = drain(d.provider.stream_chat(d.request(upstream)))
    assert Content("Hel") in events
    assert type(exc) is error


@pytest.mark.parametrize("d", DIALECTS, ids=ids)
def test_an_unreachable_upstream_is_an_upstream_error(d):
    with FakeUpstream() as up:
        base = up.base_url  # a port that was free a moment ago and is closed now
    creds = Credentials(api_key=d.key, base_url=base + d.path)
    request = ChatRequest(model=d.provider.default_model(), messages=[{"role": "user", "content": "hi"}],
                          credentials=creds)
    _, exc = drain(d.provider.stream_chat(request))
    assert type(exc) is UpstreamError
    assert "Could not reach" in str(exc)
