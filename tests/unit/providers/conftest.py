"""Fixtures for the HTTP adapter tests: a fake upstream per test, and a short stall limit."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest
from lambdachat.config import reload_settings
from lambdachat.providers.base import ProviderError, ProviderEvent

from tests.fakes.upstream import FakeUpstream

# Realistic key shapes, long enough that finding one in a message is never a coincidence.
OPENAI_KEY = "sk-proj-TESTKEY0123456789abcdefXYZ"
ANTHROPIC_KEY = "sk-ant-api03-TESTKEY0123456789abcdef"
GEMINI_KEY = "AIzaSyTESTKEY0123456789abcdefghijklm"


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture
def short_stream_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setenv("LAMBDACHAT_STREAM_TIMEOUT", "0.3")
    reload_settings()   # read by the provider's HTTP client on each request
    return 0.3


def drain(events: Iterable[ProviderEvent]) -> tuple[list[ProviderEvent], ProviderError | None]:
    """Everything a stream yielded, and the provider error it ended with (if any)."""
    got: list[ProviderEvent] = []
    try:
        for event in events:
            got.append(event)
    except ProviderError as exc:
        return got, exc
    return got, None
