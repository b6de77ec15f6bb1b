"""The events of one conversation turn, typed, as `chat.service` yields them.

A closed union: the provider events that pass through unchanged (`Content`, `Reasoning`,
`Usage`, `Finish`, `Media`, `Notice`, `Log`) plus what the service itself adds: which provider
answers, the edges of a `<think>` block, the provider's state keyed by its name, and the failure
that ends a turn. Nothing here knows a wire format: `web/streaming.py` frames these as g4f's
NDJSON/SSE, and `create/answer.py` reads them as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdachat.providers.base import (
    Content,
    Finish,
    Log,
    Media,
    Notice,
    Provider,
    ProviderError,
    Reasoning,
    Usage,
)


@dataclass(frozen=True)
class ProviderChosen:
    """Always the first event: who answers, with which model."""

    name: str
    label: str
    model: str
    url: str | None

    @classmethod
    def of(cls, provider: Provider, model: str) -> ProviderChosen:
        return cls(name=provider.name, label=provider.label or provider.name, model=model, url=provider.url)


@dataclass(frozen=True)
class ThinkingEdge:
    """Where a `<think>` block opens or closes in the answer's text (`tag` is the tag itself)."""

    tag: str


@dataclass(frozen=True)
class ProviderState:
    """State the client keeps under the provider's name and sends back next turn."""

    provider: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Failed:
    """The turn ended with this failure; whatever came before it stays sent."""

    error: ProviderError


StreamEvent = (ProviderChosen | Content | Reasoning | ThinkingEdge | Usage | Finish | ProviderState | Media
               | Notice | Log | Failed)


def media_markdown(media: Media) -> str:
    """The text a media event adds to the answer: each URL as a linked image between markers."""
    markdown = "\n".join(f"[![{media.alt}]({url})]({url})" for url in media.urls)
    return f"\n<!-- generated images start -->\n{markdown}\n<!-- generated images end -->\n"
