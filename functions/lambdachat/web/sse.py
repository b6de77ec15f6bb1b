"""Server-sent event framing and the headers every streamed answer carries (conversation and file events)."""

from __future__ import annotations

import json
from typing import Any

STREAM_HEADERS = {
    "Cache-Control": "no-cache, no-store",
    "X-Accel-Buffering": "no",          # nginx and friends: do not hold the stream back
    "X-Content-Type-Options": "nosniff",
}


def sse_frame(data: dict[str, Any], event: str | None = None, *, compact: bool = True) -> bytes:
    """One server-sent event (`event:` only when named; g4f's file events have none)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":") if compact else None)
    return (f"event: {event}\n" if event else "").encode() + f"data: {text}\n\n".encode()
