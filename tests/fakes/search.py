"""Local fakes of the web search engines, answering in each engine's documented response format,
and of the pages their results point to.

    with SearchWeb() as web:                       # one server for every engine and page
        web.hits = [web.hit("Rust", "/pages/rust", "Rust is a language")]
        web.pages["rust"] = html_page("Rust", "Rust is a systems language.")
        Brave(web.base_url, "key", 5).search("rust", 5)
        assert web.last.headers["x-subscription-token"] == "key"

Routes: Brave `GET /res/v1/web/search`, Tavily `POST /search`, SearXNG `GET /search?format=json`,
DuckDuckGo's HTML endpoint `POST /html/`, pages at `GET /pages/<name>`. Replies scripted with
`script()` (tests/fakes/upstream.py) take precedence, to answer errors.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote

from lambdachat.websearch.base import SearchError, SearchHit

from tests.fakes.upstream import FakeUpstream, Reply, Seen, json_reply


@dataclass
class FakeSearchEngine:
    """An in-memory engine: these hits, or this error, and the queries it was asked."""

    hits: list[SearchHit] = field(default_factory=list)
    error: SearchError | None = None
    name: str = "fake"
    queries: list[str] = field(default_factory=list)

    def search(self, query: str, max_results: int) -> list[SearchHit]:
        self.queries.append(query)
        if self.error is not None:
            raise self.error
        return self.hits[:max_results]


def html_page(title: str, *paragraphs: str, charset: str = "utf-8") -> Reply:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = (f"<!doctype html><html><head><meta charset=\"{charset}\"><title>{html.escape(title)}</title>"
            f"<style>p {{ color: red }}</style><script>var tracking = 1;</script></head>"
            f"<body><nav>Home</nav><h1>{html.escape(title)}</h1>{body}<footer>Home</footer></body></html>")
    return Reply(frames=(page.encode(charset),), stream=False,
                 headers=(("Content-Type", f"text/html; charset={charset}"),))


def brave_body(hits: list[SearchHit], query: str) -> dict[str, object]:
    """Brave's WebSearchApiResponse: the hits under `web.results`, query words in <strong>."""
    results = [{"title": h.title, "url": h.url, "is_source_local": False, "is_source_both": False,
                "description": h.snippet.replace(query, f"<strong>{query}</strong>") if query else h.snippet,
                "page_age": "2026-11-02T10:00:00", "language": "en", "family_friendly": True,
                "type": "search_result", "subtype": "generic", "is_live": False,
                "profile": {"name": "Example", "url": h.url, "long_name": "example.com", "img": ""},
                "meta_url": {"scheme": "https", "netloc": "example.com", "hostname": "example.com",
                             "favicon": "", "path": "\u203a pages"}, "age": "November 2, 2026"}
               for h in hits]
    body: dict[str, object] = {
        "type": "search",
        "query": {"original": query, "show_strict_warning": False, "is_navigational": False,
                  "is_news_breaking": False, "spellcheck_off": True, "country": "us", "bad_results": False,
                  "should_fallback": False, "postal_code": "", "city": "", "header_country": "",
                  "more_results_available": True, "state": ""},
        "mixed": {"type": "mixed", "main": [{"type": "web", "index": i, "all": False} for i in range(len(hits))],
                  "top": [], "side": []},
    }
    if hits:  # a query without web results has no `web` section
        body["web"] = {"type": "search", "results": results, "family_friendly": True}
    return body


def tavily_body(hits: list[SearchHit], query: str) -> dict[str, object]:
    return {"query": query, "follow_up_questions": None, "answer": None, "images": [],
            "results": [{"url": h.url, "title": h.title, "content": h.snippet, "score": 0.9 - i / 10,
                         "raw_content": None} for i, h in enumerate(hits)],
            "response_time": 1.05, "request_id": "123e4567-e89b-12d3-a456-426614174111"}


def searxng_body(hits: list[SearchHit], query: str) -> dict[str, object]:
    return {"query": query, "number_of_results": 0,
            "results": [{"url": h.url, "title": h.title, "content": h.snippet, "publishedDate": None,
                         "thumbnail": "", "engine": "duckduckgo", "template": "default.html",
                         "parsed_url": ["https", "example.com", "/", "", "", ""], "img_src": "", "priority": "",
                         "engines": ["duckduckgo", "brave"], "positions": [i + 1, i + 2], "score": 4.0 - i,
                         "category": "general"} for i, h in enumerate(hits)],
            "answers": [], "corrections": [], "infoboxes": [], "suggestions": [], "unresponsive_engines": []}


def duckduckgo_page(hits: list[SearchHit], redirect: bool = True) -> Reply:
    """html.duckduckgo.com/html/'s result page: one `result__body` div per hit, the links going
    through DuckDuckGo's redirector (`//duckduckgo.com/l/?uddg=`), plus an ad, which is dropped."""
    def link(url: str) -> str:
        return f"//duckduckgo.com/l/?uddg={quote(url, safe='')}&amp;rut=abc123" if redirect else html.escape(url)

    ad = ('<div class="result results_links results_links_deep result--ad"><div class="links_main links_deep '
          'result__body"><h2 class="result__title"><a class="result__a" href="https://duckduckgo.com/y.js?ad_'
          'provider=bing&amp;u3=x">Buy now</a></h2><a class="result__snippet" href="https://duckduckgo.com/y.js'
          '?ad_provider=bing&amp;u3=x">An advert</a></div></div>')
    items = "".join(
        f'<div class="result results_links results_links_deep web-result "><div class="links_main links_deep '
        f'result__body"><h2 class="result__title"><a rel="nofollow" class="result__a" href="{link(h.url)}">'
        f'{html.escape(h.title)}</a></h2><div class="result__extras"><div class="result__extras__url">'
        f'<a class="result__url" href="{link(h.url)}">{html.escape(h.url)}</a></div></div>'
        f'<a class="result__snippet" href="{link(h.url)}">{html.escape(h.snippet)}</a>'
        f'<div class="clear"></div></div></div>' for h in hits)
    page = (f'<!DOCTYPE html><html><head><title>query at DuckDuckGo</title></head><body class="body--html">'
            f'<div id="links" class="results">{ad}{items}</div></body></html>')
    return Reply(frames=(page.encode(),), stream=False, headers=(("Content-Type", "text/html; charset=UTF-8"),))


class SearchWeb(FakeUpstream):
    """Every engine and every page on one loopback server."""

    def __init__(self) -> None:
        super().__init__()
        self.hits: list[SearchHit] = []
        self.pages: dict[str, Reply] = {}

    def hit(self, title: str, page: str, snippet: str = "") -> SearchHit:
        return SearchHit(title, self.base_url + page, snippet)

    def query_of(self, seen: Seen) -> str:
        if seen.method == "POST" and seen.path == "/search":
            return str(seen.json.get("query", ""))
        if seen.method == "POST":
            return parse_qs(seen.body.decode()).get("q", [""])[0]
        return seen.query.get("q", "")

    def default_reply(self, seen: Seen) -> Reply:
        query = self.query_of(seen)
        if seen.method == "GET" and seen.path == "/res/v1/web/search":
            return json_reply(200, brave_body(self.hits, query))
        if seen.method == "POST" and seen.path == "/search":
            return json_reply(200, tavily_body(self.hits, query))
        if seen.method == "GET" and seen.path == "/search":
            if seen.query.get("format") != "json":  # what an instance without the json format answers
                return Reply(status=403, frames=(b"Forbidden",), stream=False, headers=(("Content-Type", "text/html"),))
            return json_reply(200, searxng_body(self.hits, query))
        if seen.method == "POST" and seen.path == "/html/":
            return duckduckgo_page(self.hits)
        name = seen.path.removeprefix("/pages/")
        if seen.method == "GET" and name in self.pages:
            return self.pages[name]
        return Reply(status=404, frames=(b"not found",), stream=False, headers=(("Content-Type", "text/plain"),))

