"""Run a one-shot prompt through the conversation service and read its events as plain text.

The service ends a failed answer with an `error`/`auth` event; here those become statuses
(404 unknown model, 401 key, 429 rate limit, 502 anything else upstream), and an answer with
no text at all is a 502 too: a caller never gets an empty 200. When streaming, everything up
to the first piece of text is read before the status is sent, so an early failure still gets
its status; a failure after that can only be told in the text itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

from lambdachat.chat.events import Event
from lambdachat.chat.ports import ChatPorts
from lambdachat.chat.request import ConversationInput
from lambdachat.chat.service import start_conversation
from lambdachat.create.markdown import code_block
from lambdachat.create.params import CreateParams
from lambdachat.errors import ApiError, NotFound, RateLimited, Unauthorized, UpstreamFailed
from lambdachat.files.layout import principal_segment
from lambdachat.identity import Principal
from lambdachat.media.store import ObjectStore

_STATUS_BY_ERROR: dict[str, type[ApiError]] = {
    "ModelNotFoundError": NotFound, "RateLimitError": RateLimited, "MissingAuthError": Unauthorized,
}


@dataclass(frozen=True)
class Answer:
    text: str = ""
    redirect: str | None = None      # an answer that is one generated media file


def _as_error(event: Event) -> ApiError:
    kind = str(event.get("auth") or event.get("error") or "")
    message = str(event.get("message") or kind or "The provider failed")
    return _STATUS_BY_ERROR.get(kind, UpstreamFailed)(message)


def events_for(params: CreateParams, principal: Principal, api_key: str | None,
               api_base: str | None, ports: ChatPorts) -> Iterator[Event]:
    inp = ConversationInput(messages=[{"role": "user", "content": params.prompt}], model=params.model,
                            provider=params.provider, api_key=api_key, api_base=api_base,
                            web_search=params.web_search)
    return start_conversation(inp, principal, ports)  # an unknown provider raises NotFound here


def _text_events(events: Iterator[Event]) -> Iterator[Event]:
    """Content and media events; an error or auth event raises its ApiError."""
    for event in events:
        if event["type"] in {"error", "auth"}:
            raise _as_error(event)
        if event["type"] == "content":
            yield event


def _close(events: Iterator[Event]) -> None:
    close = getattr(events, "close", None)
    if close is not None:
        close()  # stops the provider's upstream request when we stop reading early


def collect(events: Iterator[Event], params: CreateParams) -> Answer:
    parts: list[str] = []
    try:
        for event in _text_events(events):
            if event.get("urls") and not "".join(parts).strip():
                return Answer(redirect=str(event["urls"][0]))
            parts.append(str(event["content"]))
    finally:
        _close(events)
    text = "".join(parts)
    if params.filter_markdown:
        block = code_block(text, params.language)
        if block is None and params.language:
            raise UpstreamFailed(f"The answer has no ```{params.language} code block")
        text = text if block is None else block
    if not text.strip():
        raise UpstreamFailed("The provider returned an empty answer")
    return Answer(text=text)


def stream_text(events: Iterator[Event]) -> Answer | Iterator[str]:
    """A media-only answer, or the text as it comes (first piece already read, errors before it raised)."""
    texts = _text_events(events)
    try:
        first = next(texts, None)
        if first is None:
            raise UpstreamFailed("The provider returned an empty answer")
    except ApiError:
        _close(events)
        raise
    if first.get("urls"):
        _close(events)
        return Answer(redirect=str(first["urls"][0]))

    def rest() -> Iterator[str]:
        yield str(first["content"])
        try:
            for event in texts:
                yield str(event["content"])
        except ApiError as exc:  # the status is gone already: say it where the reader looks
            yield f"\n\n[{exc.message}]\n"
        finally:
            _close(events)

    return rest()


class AnswerCache:
    def __init__(self, store: ObjectStore, principal: Principal, lifetime_seconds: int) -> None:
        self.store = store
        self.lifetime_seconds = lifetime_seconds
        self.prefix = f"cache/create/{principal_segment(principal.id)}/"

    def get(self, params: CreateParams) -> str | None:
        raw = self.store.read(self.prefix + params.cache_digest() + ".json")
        if raw is None:
            return None
        try:
            item = json.loads(raw)
            fresh = time.time() - float(item["created_at"]) < self.lifetime_seconds
            return str(item["answer"]) if fresh else None
        except (ValueError, KeyError, TypeError):
            return None  # a damaged entry is a miss; the next answer overwrites it

    def put(self, params: CreateParams, answer: str) -> None:
        body = json.dumps({"created_at": time.time(), "answer": answer}, ensure_ascii=False).encode()
        self.store.put(self.prefix + params.cache_digest() + ".json", body, "application/json")
