"""Each engine against a local server answering in that engine's documented format."""

from __future__ import annotations

import pytest
from lambdachat.config import Settings
from lambdachat.websearch.base import SearchHit, SearchNotConfigured, SearchRefused, SearchUnavailable, SearchUnreadable
from lambdachat.websearch.engines import Brave, DuckDuckGo, NoEngine, SearXNG, Tavily, engine_for

from tests.fakes.search import SearchWeb
from tests.fakes.upstream import Reply, json_reply

HITS = [SearchHit("Rust (programming language)", "https://en.wikipedia.org/wiki/Rust_(programming_language)",
                  "Rust is a general-purpose programming language"),
        SearchHit("The Rust Book", "https://doc.rust-lang.org/book/", "An introductory book about Rust"),
        SearchHit("Rustup", "https://rustup.rs/", "The Rust toolchain installer")]


@pytest.fixture
def web() -> SearchWeb:
    with SearchWeb() as server:
        server.hits = list(HITS)
        yield server


def test_brave_sends_the_key_in_its_header_and_reads_web_results(web: SearchWeb) -> None:
    hits = Brave(web.base_url, "brave-key-123", 5).search("Rust", 2)
    assert hits == [SearchHit("Rust (programming language)", HITS[0].url,
                              "Rust is a general-purpose programming language"),  # <strong> taken out
                    SearchHit("The Rust Book", HITS[1].url, "An introductory book about Rust")]
    seen = web.last
    assert (seen.path, seen.query["q"], seen.query["count"]) == ("/res/v1/web/search", "Rust", "2")
    assert seen.headers["x-subscription-token"] == "brave-key-123"
    assert seen.headers["accept"] == "application/json"


def test_brave_without_web_results_is_an_empty_list(web: SearchWeb) -> None:
    web.hits = []
    assert Brave(web.base_url, "k", 5).search("nothing at all", 5) == []


def test_tavily_posts_the_query_with_a_bearer_key(web: SearchWeb) -> None:
    hits = Tavily(web.base_url, "tvly-abc", 5).search("Rust", 3)
    assert hits == HITS
    seen = web.last
    assert seen.headers["authorization"] == "Bearer tvly-abc"
    assert seen.json == {"query": "Rust", "max_results": 3, "search_depth": "basic"}


def test_searxng_asks_for_json_and_keeps_the_first_results(web: SearchWeb) -> None:
    assert SearXNG(web.base_url + "/", None, 5).search("Rust", 2) == HITS[:2]
    assert web.last.query == {"q": "Rust", "format": "json"}


def test_searxng_without_the_json_format_says_how_to_enable_it(web: SearchWeb) -> None:
    web.script(Reply(status=403, frames=(b"Forbidden",), stream=False, headers=(("Content-Type", "text/html"),)))
    with pytest.raises(SearchRefused, match=r"search\.formats"):
        SearXNG(web.base_url, None, 5).search("Rust", 2)


def test_duckduckgo_reads_the_html_page_through_ddgs(web: SearchWeb) -> None:
    hits = DuckDuckGo(web.base_url + "/html/", 5).search("Rust", 5)
    assert hits == HITS   # the advert is dropped, redirector links unwrapped
    seen = web.last
    assert (seen.method, seen.path) == ("POST", "/html/")
    assert "q=Rust" in seen.body.decode()


def test_duckduckgo_throttling_is_unavailable(web: SearchWeb) -> None:
    web.script(Reply(status=202, frames=(b"<html>slow down</html>",), stream=False,
                     headers=(("Content-Type", "text/html"),)))
    with pytest.raises(SearchUnavailable):
        DuckDuckGo(web.base_url + "/html/", 5).search("Rust", 5)


@pytest.mark.parametrize(("status", "error"), [(401, SearchRefused), (429, SearchRefused), (500, SearchUnavailable),
                                               (503, SearchUnavailable)])
def test_error_statuses(web: SearchWeb, status: int, error: type[Exception]) -> None:
    web.script(json_reply(status, {"error": "no"}))
    with pytest.raises(error, match=f"HTTP {status}"):
        Brave(web.base_url, "k", 5).search("Rust", 5)


def test_a_body_that_is_not_the_format_is_unreadable(web: SearchWeb) -> None:
    web.script(Reply(frames=(b"<html>captive portal</html>",), stream=False, headers=(("Content-Type", "text/html"),)))
    with pytest.raises(SearchUnreadable):
        Tavily(web.base_url, "k", 5).search("Rust", 5)
    web.script(json_reply(200, {"results": "none"}))
    with pytest.raises(SearchUnreadable):
        Tavily(web.base_url, "k", 5).search("Rust", 5)


def test_an_engine_nobody_answers_is_unavailable() -> None:
    with SearchWeb() as server:
        dead = server.base_url
    for engine in (Brave(dead, "k", 2), SearXNG(dead, None, 2), DuckDuckGo(dead + "/html/", 2)):
        with pytest.raises(SearchUnavailable):
            engine.search("Rust", 5)


def test_the_setting_chooses_the_engine_with_keys_from_settings() -> None:
    def engine(**env: str) -> object:
        return engine_for(Settings.from_env(env))

    brave = engine(LAMBDACHAT_SEARCH_ENGINE="brave", BRAVE_API_KEY="b-key")
    assert isinstance(brave, Brave) and (brave.api_key, brave.base_url) == ("b-key", "https://api.search.brave.com")
    tavily = engine(LAMBDACHAT_SEARCH_ENGINE="tavily", TAVILY_API_KEY="t-key", TAVILY_BASE_URL="http://127.0.0.1:9")
    assert isinstance(tavily, Tavily) and (tavily.api_key, tavily.base_url) == ("t-key", "http://127.0.0.1:9")
    searx = engine(LAMBDACHAT_SEARCH_ENGINE="SearXNG", SEARXNG_BASE_URL="https://searx.example/")
    assert isinstance(searx, SearXNG) and searx.base_url == "https://searx.example"
    assert isinstance(engine(), DuckDuckGo)   # the default, as g4f's
    for env, reason in (({"LAMBDACHAT_SEARCH_ENGINE": "brave"}, "BRAVE_API_KEY"),
                        ({"LAMBDACHAT_SEARCH_ENGINE": "tavily"}, "TAVILY_API_KEY"),
                        ({"LAMBDACHAT_SEARCH_ENGINE": "searxng"}, "SEARXNG_BASE_URL"),
                        ({"LAMBDACHAT_SEARCH_ENGINE": "off"}, "turned off")):
        missing = engine(**env)
        assert isinstance(missing, NoEngine)
        with pytest.raises(SearchNotConfigured, match=reason):
            missing.search("Rust", 5)


def test_an_unknown_engine_name_stops_the_server_at_start() -> None:
    with pytest.raises(RuntimeError, match="LAMBDACHAT_SEARCH_ENGINE"):
        Settings.from_env({"LAMBDACHAT_SEARCH_ENGINE": "google"})
