"""One web search: the engine's hits, their pages' text within the word budget, and what the
prompt and the end of the answer get from them, in g4f's format (`g4f/tools/web_search.py`).

g4f puts the results above the user's request with an instruction to cite `[[n]](url)`, numbers
the sources from 0, and ends the answer with them as a block quote of links; V1 clients and the
2026 client render exactly that markdown, so the format is kept as g4f writes it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from lambdachat.websearch.base import SearchEngine, SearchHit
from lambdachat.websearch.words import bounded_words

if TYPE_CHECKING:
    from lambdachat.websearch.pages import PageReader  # netguard and httpcore load only with a search

# g4f's DEFAULT_INSTRUCTIONS, word for word: a history written by g4f then reads the same.
INSTRUCTIONS = """
Using the provided web search results, to write a comprehensive reply to the user request.
Make sure to add the sources of cites using [[Number]](Url) notation after the reference. Example: [[0]](http://google.com)
"""
MAX_QUERY_CHARS = 400   # Brave's limit, the strictest of the engines


@dataclass(frozen=True)
class SearchLimits:
    max_results: int
    max_words: int       # all pages together, titles counted
    page_words: int
    seconds: float       # the engine and every page fetch


@dataclass(frozen=True)
class Found:
    title: str
    url: str
    text: str            # the page's text, or the engine's snippet when it could not be read


@dataclass(frozen=True)
class Grounding:
    query: str
    found: tuple[Found, ...]
    used_words: int

    def prompt(self, request: str) -> str:
        """The user's message with the results above it (g4f's `do_search`)."""
        return f"{self.results()}\n\nInstruction: {INSTRUCTIONS}\n\nUser request:\n{request}".strip()

    def results(self) -> str:
        return "\n\n\n\n".join(
            f"### Title: {f.title}\n\n{f.text}\n\n> **Source:** [[{i}]]({_link_url(f.url)})"
            for i, f in enumerate(self.found))

    def sources(self) -> str:
        """The end of the answer (g4f's `Sources.__str__`)."""
        if not self.found:
            return ""
        return "\n\n\n\n" + "\n>\n".join(f"> [{i}] [{_link_title(f)}]({_link_url(f.url)})"
                                         for i, f in enumerate(self.found))


def _link_title(found: Found) -> str:
    title = " ".join(found.title.split()) or found.url.split("//", 1)[-1].split("?")[0].removeprefix("www.")
    return title.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _link_url(url: str) -> str:
    """Whitespace, angle brackets and parentheses would end a markdown link early."""
    return quote(url, safe=":/?#[]@!$&'*+,;=%~")


def query_text(text: str) -> str:
    """What is sent to the engine: the words of the user's message, at most MAX_QUERY_CHARS."""
    words = " ".join(text.split())
    if len(words) <= MAX_QUERY_CHARS:
        return words
    return words[:MAX_QUERY_CHARS].rsplit(" ", 1)[0] or words[:MAX_QUERY_CHARS]


def _words(text: str) -> int:
    return len(text.split())


class WebSearch:
    def __init__(self, engine: SearchEngine, pages: PageReader, limits: SearchLimits) -> None:
        self.engine = engine
        self.pages = pages
        self.limits = limits

    def run(self, query: str) -> Grounding:
        """Search and read; raises `SearchError` when the engine gives nothing to go on."""
        deadline = time.monotonic() + self.limits.seconds
        hits = [h for h in self.engine.search(query, self.limits.max_results) if _fetchable(h)]
        texts = self.pages.texts([h.url for h in hits], self.limits.page_words, deadline)
        found: list[Found] = []
        left = self.limits.max_words
        for hit, text in zip(hits, texts, strict=True):
            body = text or hit.snippet
            left -= _words(hit.title) + 5   # g4f's charge for a result's title and source line
            if left <= 0:
                break
            if _words(body) > left:
                body = bounded_words([body], left)
            left -= _words(body)
            found.append(Found(hit.title, hit.url, body))
        return Grounding(query, tuple(found), self.limits.max_words - max(left, 0))


def _fetchable(hit: SearchHit) -> bool:
    """Only web addresses become sources (a `javascript:` link must never reach the answer)."""
    return hit.url.lower().startswith(("http://", "https://"))
