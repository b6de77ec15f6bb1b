"""The one small interface every search engine implements, what it returns, and how it fails.

An engine turns a query into at most `max_results` `SearchHit`s. It knows nothing of prompts or
pages: `websearch.service` fetches the pages and writes the prompt. Engines raise only the
errors below, so the conversation can tell the user why it answers without the web and go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SearchHit:
    """One result as the engine gave it: the page's title, address and the engine's snippet."""

    title: str
    url: str
    snippet: str = ""


class SearchEngine(Protocol):
    name: str

    def search(self, query: str, max_results: int) -> list[SearchHit]:
        """The engine's best hits for `query`, best first (raises a `SearchError`)."""
        ...


# ---- errors an engine raises (the class name is the `error` field of the `message` event) ----

class SearchError(Exception):
    """No search this turn; the answer goes on without it."""


class SearchNotConfigured(SearchError):
    """The chosen engine lacks its key, its base URL or its package."""


class SearchUnavailable(SearchError):
    """The engine could not be reached, timed out, or answered with an error status."""


class SearchRefused(SearchError):
    """The engine refused the server's key (401/403) or is rate limiting it (429)."""


class SearchUnreadable(SearchError):
    """The engine answered 200 with a body that is not its documented format."""
