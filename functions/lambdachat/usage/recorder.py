"""Record the usage a provider reports during a conversation, without touching the stream.

The conversation stream passes through `record_usage` untouched. When a `usage` event goes by,
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
from typing import TYPE_CHECKING, Any

from lambdachat.observability import logger
from lambdachat.usage.model import MAX_TOKENS, UsageRecord

if TYPE_CHECKING:
    from lambdachat.usage.service import UsageService

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def _worker() -> ThreadPoolExecutor:
    global _executor  # noqa: PLW0603 - built on the first usage event only
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usage-recorder")
        return _executor


def _tokens(usage: dict[str, Any], key: str) -> int:
    value = usage.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TOKENS else 0


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


def record_usage(events: Iterator[dict[str, Any]], service: UsageService, principal: str, provider: str,
                 model: str) -> Iterator[dict[str, Any]]:
    try:
        for event in events:
            usage = event.get("usage") if event.get("type") == "usage" else None
            if isinstance(usage, dict):
                try:
                    prompt, completion = _tokens(usage, "prompt_tokens"), _tokens(usage, "completion_tokens")
                    submit(service, principal, UsageRecord(
                        model=model, provider=provider, prompt_tokens=prompt, completion_tokens=completion,
                        total_tokens=_tokens(usage, "total_tokens") or prompt + completion,
                        source="conversation", created_at=datetime.now(UTC)))
                except Exception:  # e.g. the worker cannot start at interpreter shutdown
                    logger.exception("usage record not queued", extra={"provider": provider})
            yield event
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
