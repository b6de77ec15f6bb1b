"""Send an event iterator as a streamed HTTP response (NDJSON, or SSE with `?format=sse`).

The first event is computed before the status line goes out (g4f's `safe_iter_generator`):
an error raised before it becomes an ordinary JSON error response with its status. After it,
the iterator itself ends the stream with an `error` event. Each event is one write, so a line
is never cut in half, and closing the response (client gone) closes the iterator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import Response, g

from lambdachat.chat.events import Event, ndjson, sse
from lambdachat.observability import logger

STREAM_HEADERS = {
    "Cache-Control": "no-cache, no-store",
    "X-Accel-Buffering": "no",          # nginx and friends: do not hold the stream back
    "X-Content-Type-Options": "nosniff",
}


def framing_for(fmt: str | None) -> tuple[Callable[[Event], bytes], str]:
    if fmt == "sse":
        return sse, "text/event-stream"
    return ndjson, "application/x-ndjson"


def stream_response(events: Iterator[Event], fmt: str | None) -> Response:
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
