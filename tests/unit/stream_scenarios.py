"""Provider scripts that cover every kind of stream event, and their wire bytes.

`stream_golden.json` holds the NDJSON and SSE bytes each scenario produced before the stream
became typed events; it was written by running this module against that code (commit
8aa2146): `PYTHONPATH=<old tree>/functions:<old tree> python -m tests.unit.stream_scenarios`.
Regenerate it only from code whose wire format is known to be right: every g4f client
(the V1 web client, g4f's BackendApi provider, the g4f.dev client) parses these bytes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from lambdachat.chat.request import parse_conversation
from lambdachat.chat.service import start_conversation
from lambdachat.identity import Principal
from lambdachat.providers.base import (
    ChatRequest,
    Content,
    ConversationState,
    Finish,
    Log,
    Media,
    MissingAuthError,
    Notice,
    ProviderEvent,
    RateLimitError,
    Reasoning,
    UpstreamDisconnected,
    Usage,
)
from lambdachat.web.streaming import stream_response

from tests.apps import test_services
from tests.fakes.providers import FakeProvider, install

GOLDEN = Path(__file__).with_name("golden") / "stream_golden.json"
FORMATS = ("ndjson", "sse")


class Crashing(FakeProvider):
    """An adapter with a bug: it raises something that is no ProviderError mid-answer."""

    def stream_chat(self, request: ChatRequest) -> Iterator[ProviderEvent]:
        yield Content("a")
        raise KeyError("choices")


def scenarios() -> dict[str, tuple[FakeProvider, dict[str, object]]]:
    """name -> (the provider, extra request body fields)."""
    return {
        "every_event": (FakeProvider(script=[
            Log("picked model"), Reasoning(status="Thinking"), Reasoning(token="t", status="s"),
            Content('Hé "quoted"\n\t<thi'), Content("nk>why</think>4 ✓ </"),
            Media(urls=("https://example.com/a.png", "https://example.com/b c.png"), alt="two [cats]"),
            Notice("Warning", "slow <b>"), Usage(3, 2), ConversationState({"turn": 1, "ü": [1, None]}),
            Finish("stop"), Log("done"), Content("tail")]), {"download_media": False}),
        "mid_stream_failure": (FakeProvider(script=[
            Content("partial <think>hal"), UpstreamDisconnected("connection closed early")]), {}),
        "refused_key": (FakeProvider(script=[MissingAuthError("Invalid API key")]), {}),
        "no_key": (FakeProvider(needs_auth=True, script=[Content("never")]), {"provider": "Fake"}),
        "crash": (Crashing(), {}),
        "empty_error_text": (FakeProvider(script=[Content("x"), RateLimitError("")]), {}),
    }


def stream_bytes(name: str, fmt: str) -> bytes:
    """Run one scenario through the conversation service and the streaming response."""
    provider, extra = scenarios()[name]
    body = {"messages": [{"role": "user", "content": "hi"}], **extra}
    with Flask(__name__).test_request_context():
        install(provider)
        events = start_conversation(parse_conversation(body), Principal("local"), test_services())
        response = stream_response(events, fmt)
        return b"".join(response.response)  # type: ignore[arg-type]


def golden() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


if __name__ == "__main__":
    out = {name: {fmt: stream_bytes(name, fmt).decode() for fmt in FORMATS} for name in scenarios()}
    GOLDEN.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {GOLDEN}\n")
