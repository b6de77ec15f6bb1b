"""Run one conversation turn: pick the provider, stream its answer as typed events.

`start_conversation` does everything that can fail as a client error (unknown provider,
bad action) before returning; the returned iterator then never raises for an upstream
problem: it ends with a `Failed` event instead. Closing the iterator closes the
provider's iterator, which stops the upstream request.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lambdachat.chat.events import Failed, ProviderChosen, ProviderState, StreamEvent, ThinkingEdge
from lambdachat.chat.fitting import fit_request
from lambdachat.chat.grounding import ground, search_query
from lambdachat.chat.ports import ChatPorts
from lambdachat.chat.prompt import build_messages
from lambdachat.chat.request import ConversationInput
from lambdachat.chat.think import Piece, ThinkSplitter
from lambdachat.errors import NotFound
from lambdachat.files.parts import mentions_bucket
from lambdachat.identity import Principal
from lambdachat.observability import logger
from lambdachat.providers.base import (
    ChatRequest,
    Content,
    ConversationState,
    Finish,
    Log,
    Media,
    MissingAuthError,
    Notice,
    Provider,
    ProviderError,
    ProviderEvent,
    Reasoning,
    Usage,
)
from lambdachat.providers.registry import is_automatic
from lambdachat.usage.recorder import record_usage

if TYPE_CHECKING:
    from lambdachat.websearch.service import WebSearch


@dataclass
class Turn:
    provider: Provider
    model: str
    request: ChatRequest
    search: str | None = None      # the web search query, when the turn searches


def plan_turn(inp: ConversationInput, ports: ChatPorts, principal: Principal | None = None) -> Turn:
    registry = ports.providers()
    if not is_automatic(inp.provider):
        provider = registry.get_provider(inp.provider)
        if provider is None:
            raise NotFound(f"Provider not found: {inp.provider}")
        model = inp.model
    else:
        demo = registry.demo_choice(inp.model)   # a public demo serves only its configured list
        provider, model = demo if demo is not None else (
            registry.choose_provider(inp.model, inp.ignored, frozenset(inp.api_keys)), inp.model)
    api_key = inp.api_key or inp.api_keys.get(provider.name)
    creds = ports.credentials(provider, api_key, inp.api_base, principal)
    model = model or provider.default_model()
    # S3 + DynamoDB only when a bucket is named
    buckets = ports.buckets(principal) if principal is not None and mentions_bucket(inp.messages) else None
    request = ChatRequest(model=model, messages=build_messages(inp, provider, buckets), credentials=creds,
                          params=dict(inp.params), conversation=_provider_state(inp, provider))
    return Turn(provider=provider, model=model, request=request, search=search_query(inp))


def _provider_state(inp: ConversationInput, provider: Provider) -> dict[str, object] | None:
    state = (inp.conversation or {}).get(provider.name)
    return state if isinstance(state, dict) else None


def start_conversation(inp: ConversationInput, principal: Principal, ports: ChatPorts) -> Iterator[StreamEvent]:
    turn = plan_turn(inp, ports, principal)
    logger.info("conversation", extra={"provider": turn.provider.name, "model": turn.model,
                                       "action": inp.action, "principal": principal.id})
    stream = _stream(turn, _media_keeper(principal.id, ports) if inp.download_media else None, ports.web_search)
    return record_usage(stream, ports.usage(), principal.id, turn.provider.name, turn.model)


def _media_keeper(principal_id: str, ports: ChatPorts) -> Callable[[Media], list[ProviderEvent]]:
    """Copies generated media into S3; the media package (and its fetcher) loads on first use,
    since most answers carry no media and it would cost every cold start."""
    keeper: list[Callable[[Media], list[ProviderEvent]]] = []

    def keep(media: Media) -> list[ProviderEvent]:
        if not keeper:
            from lambdachat.media.generated import MediaKeeper

            keeper.append(MediaKeeper(principal_id, ports.media_store))
        return keeper[0](media)

    return keep


def _stream(turn: Turn, keep_media: Callable[[Media], list[ProviderEvent]] | None = None,
            web: Callable[[], WebSearch] | None = None) -> Iterator[StreamEvent]:
    yield ProviderChosen.of(turn.provider, turn.model)
    provider, request = turn.provider, turn.request
    if provider.needs_auth and not request.credentials.api_key:
        yield Failed(MissingAuthError(f"Add an API key for {provider.name} in settings"))
        return
    tail: list[StreamEvent] = []   # finish and usage go after all content
    logs: list[StreamEvent] = []   # buffered log lines go last
    sources = ""                   # g4f sends a web search's sources after the answer, before finish
    if turn.search is not None and web is not None:
        sources = yield from _buffer_logs(ground(request, turn.search, web), logs)
    splitter = ThinkSplitter()
    upstream: Iterator[ProviderEvent] | None = None
    try:
        # Inside the try: counting may load the embedded model, and its failure ends the turn.
        request, left_out = fit_request(provider, request)
        if left_out is not None:
            yield left_out
        upstream = provider.stream_chat(request)
        for item in upstream:
            if isinstance(item, Content):
                yield from _split(splitter.feed(item.text))
            elif isinstance(item, Finish | Usage):
                tail.append(item)
            elif isinstance(item, Log):
                logs.append(item)
            elif isinstance(item, Media) and keep_media is not None:
                # copied into S3, URLs rewritten to /media/…; a failed copy adds a `Notice`
                yield from (_keyed(kept, provider.name) for kept in keep_media(item))
            else:
                yield _keyed(item, provider.name)
        yield from _split(splitter.flush())
        if sources:
            yield Content(sources)
        yield from tail
    except ProviderError as exc:
        yield from _split(splitter.flush())
        logger.warning("provider failed", extra={"provider": provider.name, "error": type(exc).__name__})
        yield Failed(exc)
    except Exception as exc:  # a bug in an adapter must still end the stream with a whole line
        logger.exception("provider crashed", extra={"provider": provider.name})
        yield Failed(ProviderError(f"{type(exc).__name__}: {exc}"))
    finally:
        close = getattr(upstream, "close", None)
        if close is not None:
            close()
    yield from logs


def _buffer_logs(events: Generator[Notice | Log, None, str], logs: list[StreamEvent]
                 ) -> Generator[Notice, None, str]:
    """Passes `events` on, keeping log lines for the end of the stream; returns their result."""
    while True:
        try:
            event = next(events)
        except StopIteration as done:
            return str(done.value)
        if isinstance(event, Log):
            logs.append(event)
        else:
            yield event


def _keyed(event: ProviderEvent, provider_name: str) -> StreamEvent:
    """A provider's state is kept under its name (the client holds state for many providers)."""
    if isinstance(event, ConversationState):
        return ProviderState(provider_name, event.data)
    return event


def _split(pieces: Iterator[Piece]) -> Iterator[StreamEvent]:
    for piece in pieces:
        if piece.edge is not None:
            yield ThinkingEdge(piece.edge)
        elif piece.thinking:
            yield Reasoning(token=piece.text)
        else:
            yield Content(piece.text)
