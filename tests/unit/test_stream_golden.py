"""The conversation stream's bytes on the wire stay exactly what g4f clients parse today.

`golden/stream_golden.json` was recorded from the code before typed events (see
`stream_scenarios`); both the whole path (provider script → service → framing) and a typed
event sequence framed on its own must reproduce it byte for byte.
"""

from collections.abc import Iterator

import pytest
from flask import Flask
from lambdachat.chat.events import Failed, ProviderChosen, ProviderState, StreamEvent, ThinkingEdge
from lambdachat.chat.request import parse_conversation
from lambdachat.chat.service import start_conversation
from lambdachat.identity import Principal
from lambdachat.providers.base import (
    Content,
    Finish,
    Log,
    Media,
    MissingAuthError,
    Notice,
    ProviderError,
    RateLimitError,
    Reasoning,
    UpstreamDisconnected,
    Usage,
)
from lambdachat.web.streaming import stream_response

from tests.apps import test_services
from tests.fakes.providers import install
from tests.unit.stream_scenarios import FORMATS, golden, scenarios, stream_bytes

FAKE = ProviderChosen(name="Fake", label="Fake provider", model="fake-model", url=None)

# What the service yields for each scenario, written out as typed events.
TYPED: dict[str, list[StreamEvent]] = {
    "every_event": [
        FAKE, Reasoning(status="Thinking"), Reasoning(token="t", status="s"), Content('Hé "quoted"\n\t'),
        ThinkingEdge("<think>"), Reasoning(token="why"), ThinkingEdge("</think>"), Content("4 ✓ </"),
        Media(urls=("https://example.com/a.png", "https://example.com/b c.png"), alt="two [cats]"),
        Notice("Warning", "slow <b>"), ProviderState("Fake", {"turn": 1, "ü": [1, None]}), Content("tail"),
        Usage(3, 2), Finish("stop"), Log("picked model"), Log("done")],
    "mid_stream_failure": [FAKE, Content("partial "), ThinkingEdge("<think>"), Reasoning(token="hal"),
                           Failed(UpstreamDisconnected("connection closed early"))],
    "refused_key": [FAKE, Failed(MissingAuthError("Invalid API key"))],
    "no_key": [FAKE, Failed(MissingAuthError("Add an API key for Fake in settings"))],
    "crash": [FAKE, Content("a"), Failed(ProviderError("KeyError: 'choices'"))],
    "empty_error_text": [FAKE, Content("x"), Failed(RateLimitError(""))],
}


def comparable(event: StreamEvent) -> object:
    """Exceptions compare by identity: a failure compares by its class and text instead."""
    if isinstance(event, Failed):
        return Failed, type(event.error), str(event.error)
    return event


def framed(events: list[StreamEvent], fmt: str) -> str:
    stream: Iterator[StreamEvent] = iter(events)
    with Flask(__name__).test_request_context():
        return b"".join(stream_response(stream, fmt).response).decode()


def test_every_scenario_is_written_out_as_typed_events():
    assert set(TYPED) == set(scenarios())


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(scenarios()))
def test_each_scenario_streams_the_recorded_bytes(name, fmt):
    assert stream_bytes(name, fmt).decode() == golden()[name][fmt]


@pytest.mark.parametrize("name", list(scenarios()))
def test_the_service_yields_the_typed_events(name):
    provider, extra = scenarios()[name]
    install(provider)
    body = {"messages": [{"role": "user", "content": "hi"}], **extra}
    events = list(start_conversation(parse_conversation(body), Principal("local"), test_services()))
    assert [comparable(e) for e in events] == [comparable(e) for e in TYPED[name]]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(scenarios()))
def test_a_typed_event_sequence_frames_to_the_recorded_bytes(name, fmt):
    assert framed(TYPED[name], fmt) == golden()[name][fmt]
