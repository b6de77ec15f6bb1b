"""Run a one-shot prompt through the conversation service and read its events as plain text.

The service ends a failed answer with a `Failed` event; here it becomes the status
`providers.api_errors` gives every provider failure (404 unknown model, 401 key, 429 rate
limit, 502 anything else upstream), and an answer with no text at all is a 502 too: a caller
never gets an empty 200. When streaming, everything up to the first piece of text is read
before the status is sent, so an early failure still gets its status; a failure after that
can only be told in the text itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

from lambdachat.chat.events import Failed, StreamEvent, media_markdown
from lambdachat.chat.ports import ChatPorts
from lambdachat.chat.request import ConversationInput
from lambdachat.chat.service import start_conversation
from lambdachat.create.markdown import code_block
from lambdachat.create.params import CreateParams
from lambdachat.errors import ApiError, UpstreamFailed
from lambdachat.identity import Principal
from lambdachat.media.store import ObjectStore
from lambdachat.providers.api_errors import api_error
from lambdachat.providers.base import Content, Media
from lambdachat.storage import keys


@dataclass(frozen=True)
class Answer:
    text: str = ""
    redirect: str | None = None      # an answer that is one generated media file


def events_for(params: CreateParams, principal: Principal, api_key: str | None,
               api_base: str | None, ports: ChatPorts) -> Iterator[StreamEvent]:
    inp = ConversationInput(messages=[{"role": "user", "content": params.prompt}], model=params.model,
                            provider=params.provider, api_key=api_key, api_base=api_base,
                            web_search=params.web_search)
    return start_conversation(inp, principal, ports)  # an unknown provider raises NotFound here


def _text_events(events: Iterator[StreamEvent]) -> Iterator[Content | Media]:
    """The answer's text and media; a failure raises its ApiError."""
    for event in events:
        if isinstance(event, Failed):
            raise api_error(event.error)
        if isinstance(event, Content | Media):
            yield event


def _text(event: Content | Media) -> str:
    return event.text if isinstance(event, Content) else media_markdown(event)


def _close(events: Iterator[StreamEvent]) -> None:
    close = getattr(events, "close", None)
    if close is not None:
        close()  # stops the provider's upstream request when we stop reading early


def collect(events: Iterator[StreamEvent], params: CreateParams) -> Answer:
    parts: list[str] = []
    try:
        for event in _text_events(events):
            if isinstance(event, Media) and event.urls and not "".join(parts).strip():
                return Answer(redirect=event.urls[0])
            parts.append(_text(event))
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


def stream_text(events: Iterator[StreamEvent]) -> Answer | Iterator[str]:
    """A media-only answer, or the text as it comes (first piece already read, errors before it raised)."""
    texts = _text_events(events)
    try:
        first = next(texts, None)
        if first is None:
            raise UpstreamFailed("The provider returned an empty answer")
    except ApiError:
        _close(events)
        raise
    if isinstance(first, Media) and first.urls:
        _close(events)
        return Answer(redirect=first.urls[0])

    def rest() -> Iterator[str]:
        yield _text(first)
        try:
            for event in texts:
                yield _text(event)
        except ApiError as exc:  # the status is gone already: say it where the reader looks
            yield f"\n\n[{exc.message}]\n"
        finally:
            _close(events)

    return rest()


class AnswerCache:
    def __init__(self, store: ObjectStore, principal: Principal, lifetime_seconds: int) -> None:
        self.store = store
        self.lifetime_seconds = lifetime_seconds
        self.prefix = keys.create_cache_prefix(principal.id)

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
