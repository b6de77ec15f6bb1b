"""Send a conversation's typed events as a streamed HTTP response: g4f's NDJSON, or SSE with `?format=sse`.

This is the one place the typed events become g4f's wire objects, `{"type": T, T: value, ...}`;
the V1 web client, g4f's BackendApi provider and the g4f.dev client parse these bytes, so
their shape and key order are the contract (`tests/unit/golden/stream_golden.json` holds them).

The first event is computed before the status line goes out (g4f's `safe_iter_generator`):
an error raised before it becomes an ordinary JSON error response with its status. After it,
the iterator itself ends the stream with an `error` event. Each event is one write, so a line
is never cut in half, and closing the response (client gone) closes the iterator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, g

from lambdachat.chat.events import Failed, ProviderChosen, ProviderState, StreamEvent, ThinkingEdge, media_markdown
from lambdachat.observability import logger
from lambdachat.providers.api_errors import api_error
from lambdachat.providers.base import Content, Finish, Log, Media, MissingAuthError, Notice, Reasoning, Usage
from lambdachat.web.sse import STREAM_HEADERS, sse_frame

WireEvent = dict[str, Any]


def wire_event(event: StreamEvent) -> WireEvent:
    """The g4f object for one event (key order matters: clients see the bytes)."""
    if isinstance(event, Content):
        return {"type": "content", "content": event.text}
    if isinstance(event, Reasoning):
        fields = {k: v for k, v in (("token", event.token), ("status", event.status)) if v is not None}
        return {"type": "reasoning", **fields}
    if isinstance(event, ThinkingEdge):
        return {"type": "reasoning", "is_thinking": event.tag}
    if isinstance(event, ProviderChosen):
        return {"type": "provider", "provider": {"name": event.name, "label": event.label,
                                                 "model": event.model, "url": event.url}}
    if isinstance(event, Usage):
        return {"type": "usage", "usage": {"prompt_tokens": event.prompt_tokens,
                                           "completion_tokens": event.completion_tokens,
                                           "total_tokens": event.total_tokens}}
    if isinstance(event, Finish):
        return {"type": "finish", "finish": {"reason": event.reason}}
    if isinstance(event, ProviderState):
        return {"type": "conversation", "conversation": {event.provider: event.data}}
    if isinstance(event, Media):
        return {"type": "content", "content": media_markdown(event), "urls": list(event.urls), "alt": event.alt}
    if isinstance(event, Notice):
        return {"type": "message", "message": f"{event.kind}: {event.text}", "error": event.kind}
    if isinstance(event, Log):
        return {"type": "log", "log": event.text}
    return _failure(event)


def _failure(event: Failed) -> WireEvent:
    # A refused or missing key is its own event type: the client then asks for a key. The text
    # is the one an HTTP answer to the same failure carries.
    kind = "auth" if isinstance(event.error, MissingAuthError) else "error"
    return {"type": kind, kind: type(event.error).__name__, "message": api_error(event.error).message}


def ndjson(event: StreamEvent) -> bytes:
    return (json.dumps(wire_event(event), ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def sse(event: StreamEvent) -> bytes:
    wire = wire_event(event)
    return sse_frame(wire, wire["type"])


def framing_for(fmt: str | None) -> tuple[Callable[[StreamEvent], bytes], str]:
    if fmt == "sse":
        return sse, "text/event-stream"
    return ndjson, "application/x-ndjson"


def stream_response(events: Iterator[StreamEvent], fmt: str | None) -> Response:
    encode, mimetype = framing_for(fmt)
    try:
        first = next(events)
    except StopIteration:
        first = None

    request_id = g.get("request_id", "")

    def body() -> Iterator[bytes]:
        # The view has returned and its request keys are cleared by now; the server iterates
        # this body on one thread, so the id set here tags every line logged while streaming.
        logger.thread_safe_append_keys(request_id=request_id)
        try:
            if first is not None:
                yield encode(first)
            for event in events:
                yield encode(event)
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()
            logger.thread_safe_clear_keys()

    return Response(body(), status=200, mimetype=mimetype, headers=STREAM_HEADERS, direct_passthrough=True)
