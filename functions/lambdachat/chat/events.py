"""The g4f stream's event objects: `{"type": T, T: value, ...}`, and their two framings."""

from __future__ import annotations

import json
from typing import Any

from lambdachat.providers.base import (
    Content,
    ConversationState,
    Finish,
    Log,
    Media,
    MissingAuthError,
    Notice,
    Provider,
    ProviderEvent,
    Reasoning,
    Usage,
)

Event = dict[str, Any]


def provider_event(provider: Provider, model: str) -> Event:
    return {"type": "provider", "provider": {"name": provider.name, "label": provider.label or provider.name,
                                             "model": model, "url": provider.url}}


def error_event(exc: BaseException) -> Event:
    kind = type(exc).__name__
    text = str(exc) or kind
    if isinstance(exc, MissingAuthError):
        return {"type": "auth", "auth": kind, "message": f"{kind}: {text}"}
    return {"type": "error", "error": kind, "message": f"{kind}: {text}"}


def content_event(text: str) -> Event:
    return {"type": "content", "content": text}


def reasoning_event(**fields: str) -> Event:
    return {"type": "reasoning", **fields}


def to_event(event: ProviderEvent, provider_name: str) -> Event:
    """Map a provider event other than Content (which goes through the think splitter)."""
    if isinstance(event, Reasoning):
        fields = {k: v for k, v in (("token", event.token), ("status", event.status)) if v is not None}
        return reasoning_event(**fields)
    if isinstance(event, Usage):
        return {"type": "usage", "usage": {"prompt_tokens": event.prompt_tokens,
                                           "completion_tokens": event.completion_tokens,
                                           "total_tokens": event.total_tokens}}
    if isinstance(event, Finish):
        return {"type": "finish", "finish": {"reason": event.reason}}
    if isinstance(event, ConversationState):
        return {"type": "conversation", "conversation": {provider_name: event.data}}
    if isinstance(event, Media):
        markdown = "\n".join(f"[![{event.alt}]({url})]({url})" for url in event.urls)
        return {"type": "content", "content": f"\n<!-- generated images start -->\n{markdown}\n"
                                              "<!-- generated images end -->\n",
                "urls": list(event.urls), "alt": event.alt}
    if isinstance(event, Notice):
        return {"type": "message", "message": f"{event.kind}: {event.text}", "error": event.kind}
    if isinstance(event, Log):
        return {"type": "log", "log": event.text}
    if isinstance(event, Content):
        return content_event(event.text)
    raise TypeError(f"not a provider event: {event!r}")


def ndjson(event: Event) -> bytes:
    return (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def sse(event: Event) -> bytes:
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event['type']}\ndata: {data}\n\n".encode()
