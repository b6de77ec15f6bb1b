"""Fixtures shared by the integration tests that run a server against a fake provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.upstream import FakeUpstream


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    """One fake OpenAI/Anthropic/Gemini upstream per test module (script replies per test)."""
    with FakeUpstream() as up:
        yield up
