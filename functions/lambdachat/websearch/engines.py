"""The search engines behind `base.SearchEngine`, one class each, and the one the settings choose.

Brave, Tavily and SearXNG are JSON APIs reached with httpx; DuckDuckGo is read through the `ddgs`
package g4f uses (its DuckDuckGo backend alone: its other backends are other engines), imported
on first use so a turn without web search never loads it. Every engine's address is the
operator's (a fixed API or `SEARXNG_BASE_URL`), never a client's, so keys go only there; the
pages the hits point to are fetched elsewhere, through the SSRF guard (`websearch.pages`).
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from lambdachat.config import Settings
from lambdachat.websearch.base import (
    SearchEngine,
    SearchHit,
    SearchNotConfigured,
    SearchRefused,
    SearchUnavailable,
    SearchUnreadable,
)

BRAVE_URL = "https://api.search.brave.com"
TAVILY_URL = "https://api.tavily.com"
DUCKDUCKGO_URL = "https://html.duckduckgo.com/html/"
_TAG = re.compile(r"<[^>]{0,200}>")  # Brave marks the query words in snippets with <strong>


def _clean(text: object) -> str:
    return " ".join(_TAG.sub("", text).split()) if isinstance(text, str) else ""


def _hits(items: object, keys: tuple[str, str, str], max_results: int, engine: str) -> list[SearchHit]:
    """Hits from a JSON list of objects; `keys` name the title, URL and snippet fields."""
    if not isinstance(items, list):
        raise SearchUnreadable(f"{engine} answered without a result list")
    hits = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get(keys[1]), str):
            hits.append(SearchHit(_clean(item.get(keys[0])), item[keys[1]], _clean(item.get(keys[2]))))
    return hits[:max_results]


class JsonEngine:
    """An engine reached with one HTTP request that answers JSON."""

    name = ""

    def __init__(self, base_url: str, api_key: str | None, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self._client = httpx.Client(headers={"User-Agent": "lambdachat", "Accept": "application/json"},
                                    follow_redirects=False, trust_env=False)

    def _json(self, request: httpx.Request) -> Any:
        try:
            response = self._client.send(request)
        except httpx.TimeoutException as exc:
            raise SearchUnavailable(f"{self.name} did not answer within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise SearchUnavailable(f"{self.name} is unreachable ({type(exc).__name__})") from exc
        if response.status_code in (401, 403, 429):
            raise SearchRefused(f"{self.name} refused the search (HTTP {response.status_code})")
        if response.status_code != 200:
            raise SearchUnavailable(f"{self.name} answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise SearchUnreadable(f"{self.name} answered something that is not JSON") from exc

    def _build(self, method: str, path: str, **kwargs: Any) -> httpx.Request:
        return self._client.build_request(method, self.base_url + path, timeout=self.timeout, **kwargs)


class Brave(JsonEngine):
    """Brave Web Search API: `GET /res/v1/web/search`, the key in `X-Subscription-Token`."""

    name = "brave"

    def search(self, query: str, max_results: int) -> list[SearchHit]:
        request = self._build("GET", "/res/v1/web/search", params={"q": query, "count": min(max_results, 20)},
                              headers={"X-Subscription-Token": self.api_key or ""})
        body = self._json(request)
        web = body.get("web") if isinstance(body, dict) else None
        # a query with no web results has no `web` section at all
        return _hits(web.get("results", []) if isinstance(web, dict) else [], ("title", "url", "description"),
                     max_results, self.name)


class Tavily(JsonEngine):
    """Tavily: `POST /search` with a JSON body, the key as a Bearer token."""

    name = "tavily"

    def search(self, query: str, max_results: int) -> list[SearchHit]:
        request = self._build("POST", "/search", headers={"Authorization": f"Bearer {self.api_key or ''}"},
                              json={"query": query, "max_results": max_results, "search_depth": "basic"})
        body = self._json(request)
        return _hits(body.get("results") if isinstance(body, dict) else None, ("title", "url", "content"),
                     max_results, self.name)


class SearXNG(JsonEngine):
    """A SearXNG instance: `GET /search?format=json` (the instance must allow the json format)."""

    name = "searxng"

    def search(self, query: str, max_results: int) -> list[SearchHit]:
        try:
            body = self._json(self._build("GET", "/search", params={"q": query, "format": "json"}))
        except SearchRefused as exc:
            raise SearchRefused(f"{exc}: is `json` listed in the instance's search.formats?") from exc
        return _hits(body.get("results") if isinstance(body, dict) else None, ("title", "url", "content"),
                     max_results, self.name)


def _unwrap(href: str) -> str:
    """DuckDuckGo's HTML page may link through its redirector (`//duckduckgo.com/l/?uddg=<url>`)."""
    full = "https:" + href if href.startswith("//") else href
    parts = urlsplit(full)
    if parts.path == "/l/" and (parts.hostname or "").endswith("duckduckgo.com"):
        return parse_qs(parts.query).get("uddg", [full])[0]
    return full


class DuckDuckGo:
    """DuckDuckGo's HTML endpoint through `ddgs`; no key. `search_url` is the page it posts to."""

    name = "duckduckgo"

    def __init__(self, search_url: str = DUCKDUCKGO_URL, timeout: float = 10.0) -> None:
        self.search_url = search_url
        self.timeout = timeout

    def search(self, query: str, max_results: int) -> list[SearchHit]:
        try:
            # typed (py.typed) once installed; the ignore is for a checker running without the extra
            from ddgs.engines.duckduckgo import Duckduckgo  # type: ignore[import-not-found,unused-ignore]
            from ddgs.exceptions import DDGSException  # type: ignore[import-not-found,unused-ignore]
        except ImportError as exc:
            raise SearchNotConfigured("the duckduckgo engine needs the `ddgs` package "
                                      "(pip install 'lambdachat[search]')") from exc
        engine = Duckduckgo(timeout=max(1, math.ceil(self.timeout)))
        engine.search_url = self.search_url   # an instance attribute: the class keeps DuckDuckGo's own
        try:
            found = engine.search(query, region="wt-wt", safesearch="moderate")
        except DDGSException as exc:  # its timeout is one too
            raise SearchUnavailable(f"duckduckgo is unreachable ({type(exc).__name__})") from exc
        if found is None:  # not a 200 (DuckDuckGo answers 202 when it throttles) or an empty page
            raise SearchUnavailable("duckduckgo answered without a result page (throttled?)")
        hits = [SearchHit(r.title, _unwrap(r.href), r.body) for r in found if r.href]
        return hits[:max_results]


class NoEngine:
    """`LAMBDACHAT_SEARCH_ENGINE=off`, or an engine whose key or base URL is missing."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason

    def search(self, query: str, max_results: int) -> list[SearchHit]:
        raise SearchNotConfigured(self.reason)


ENGINES = ("duckduckgo", "searxng", "brave", "tavily", "off")


def engine_for(settings: Settings) -> SearchEngine:
    """The engine `LAMBDACHAT_SEARCH_ENGINE` names, with its key and base URL from `Settings`
    (`<ENGINE>_BASE_URL` points any of them elsewhere: a proxy, a local test server)."""
    name, timeout = settings.search_engine, settings.search_seconds
    base = settings.provider_variable(f"{name.upper()}_BASE_URL")
    if name == "off":
        return NoEngine(name, "web search is turned off on this server")
    if name == "duckduckgo":
        return DuckDuckGo(base or DUCKDUCKGO_URL, timeout)
    if name == "searxng":
        if not base:
            return NoEngine(name, "the searxng engine needs SEARXNG_BASE_URL")
        return SearXNG(base, None, timeout)
    key = settings.provider_variable(f"{name.upper()}_API_KEY")
    if not key:
        return NoEngine(name, f"the {name} engine needs {name.upper()}_API_KEY")
    engine = Brave if name == "brave" else Tavily
    return engine(base or (BRAVE_URL if name == "brave" else TAVILY_URL), key, timeout)

