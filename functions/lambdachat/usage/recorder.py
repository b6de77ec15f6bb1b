"""Record the usage a provider reports during a conversation, without touching the stream.

The conversation stream passes through `record_usage` untouched. When a `Usage` event goes by,
the record is handed to one background worker thread and the stream moves on at once: the
client never waits for DynamoDB, and a failed write is logged, never raised into the stream.
The worker drains at interpreter exit (ThreadPoolExecutor joins its threads), so the local
server loses nothing on a clean stop. In a Lambda, a write still pending when the response
ends resumes on the container's next invocation.

Imports nothing heavy: the conversation handler must not load boto3 before it needs it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from lambdachat.observability import logger
from lambdachat.providers.base import Usage
from lambdachat.usage.model import MAX_TOKENS, UsageRecord

if TYPE_CHECKING:
    from lambdachat.usage.service import UsageService

Event = TypeVar("Event")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def _worker() -> ThreadPoolExecutor:
    global _executor  # noqa: PLW0603 - built on the first usage event only
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usage-recorder")
        return _executor


def _bounded(tokens: int) -> int:
    """A count a record can hold; an upstream's nonsense (negative, absurdly large) counts as 0."""
    return tokens if 0 <= tokens <= MAX_TOKENS else 0


def usage_record(usage: Usage, provider: str, model: str) -> UsageRecord:
    prompt, completion = _bounded(usage.prompt_tokens), _bounded(usage.completion_tokens)
    return UsageRecord(model=model, provider=provider, prompt_tokens=prompt, completion_tokens=completion,
                       total_tokens=_bounded(usage.total_tokens) or prompt + completion,
                       source="conversation", created_at=datetime.now(UTC))


def _store(service: UsageService, principal: str, record: UsageRecord) -> None:
    try:
        service.record(principal, record)
    except Exception:
        logger.exception("usage record failed", extra={"principal": principal, "provider": record.provider})


def submit(service: UsageService, principal: str, record: UsageRecord) -> Future[None]:
    return _worker().submit(_store, service, principal, record)


def drain(timeout: float = 10.0) -> None:
    """Wait for every record handed over so far (tests; a Lambda wrapper that must not defer)."""
    if _executor is not None:
        _worker().submit(lambda: None).result(timeout)


def record_usage(events: Iterator[Event], service: UsageService, principal: str, provider: str,
                 model: str) -> Iterator[Event]:
    try:
        for event in events:
            if isinstance(event, Usage):
                try:
                    submit(service, principal, usage_record(event, provider, model))
                except Exception:  # e.g. the worker cannot start at interpreter shutdown
                    logger.exception("usage record not queued", extra={"provider": provider})
            yield event
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
