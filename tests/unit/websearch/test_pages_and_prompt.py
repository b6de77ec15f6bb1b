"""Result pages read through the SSRF guard within their budgets, and the prompt and sources in g4f's format."""

from __future__ import annotations

import time

import pytest
from lambdachat.netguard import AddressPolicy
from lambdachat.websearch.base import SearchHit
from lambdachat.websearch.pages import PageReader
from lambdachat.websearch.service import Found, Grounding, SearchLimits, WebSearch, query_text

from tests.fakes.search import FakeSearchEngine, SearchWeb, html_page
from tests.fakes.upstream import Reply

LOCAL = AddressPolicy(allow_private=True)      # the pages live on 127.0.0.1
CLOUD = AddressPolicy(allow_private=False)     # cloud mode: no private address is fetched


@pytest.fixture
def web() -> SearchWeb:
    with SearchWeb() as server:
        yield server


def later(seconds: float = 5.0) -> float:
    return time.monotonic() + seconds


def test_a_page_gives_its_visible_text_without_scripts_or_repeats(web: SearchWeb) -> None:
    web.pages["rust"] = html_page("Rust", "Rust is fast.", "Rust is memory-safe.")
    text = PageReader(LOCAL, 1 << 20).text(web.base_url + "/pages/rust", 100, later())
    assert text == "Rust\nHome\nRust is fast.\nRust is memory-safe."   # title, nav, h1 (a repeat), paragraphs
    assert "tracking" not in text and "color" not in text


def test_a_page_is_cut_at_its_word_budget_and_not_read_further(web: SearchWeb) -> None:
    # ~1.3 MB, one paragraph per 1000 words
    paragraphs = [" ".join(f"w{i}" for i in range(start, start + 1000)) for start in range(0, 200_000, 1000)]
    page = html_page("Long", *paragraphs)
    frames = tuple(page.frames[0][i:i + 16384] for i in range(0, len(page.frames[0]), 16384))
    web.pages["long"] = Reply(frames=frames, headers=page.headers).slow(0.01)   # streamed, as a real server does
    text = PageReader(LOCAL, 8 << 20).text(web.base_url + "/pages/long", 50, later())
    assert len(text.split()) == 50 and text.split()[-1] == "w47"   # "Long", "Home", "Long", then w0…
    seen = web.last
    assert seen.disconnected.wait(5) and seen.frames_sent < 10 < len(frames)   # the rest was never downloaded


def test_pages_that_are_not_text_or_not_there_give_nothing(web: SearchWeb) -> None:
    web.pages["pdf"] = Reply(frames=(b"%PDF-1.7",), stream=False, headers=(("Content-Type", "application/pdf"),))
    reader = PageReader(LOCAL, 1 << 20)
    assert reader.text(web.base_url + "/pages/pdf", 100, later()) == ""
    assert reader.text(web.base_url + "/pages/missing", 100, later()) == ""
    assert reader.text("javascript:alert(1)", 100, later()) == ""
    assert reader.text(web.base_url + "/pages/missing", 100, time.monotonic() - 1) == ""


def test_in_cloud_mode_a_result_pointing_inward_is_not_fetched(web: SearchWeb) -> None:
    web.pages["secret"] = html_page("Internal", "the admin password is hunter2")
    assert PageReader(CLOUD, 1 << 20).text(web.base_url + "/pages/secret", 100, later()) == ""
    assert not any(s.path == "/pages/secret" for s in web.seen)


def search(web: SearchWeb, hits: list[SearchHit], policy: AddressPolicy = LOCAL, **limits: float) -> Grounding:
    chosen = {"max_results": 5, "max_words": 2500, "page_words": 625, "seconds": 5.0, **limits}
    engine = FakeSearchEngine(hits)
    return WebSearch(engine, PageReader(policy, 1 << 20), SearchLimits(**chosen)).run("rust")  # type: ignore[arg-type]


def test_a_search_reads_the_pages_and_keeps_the_snippet_of_one_it_cannot(web: SearchWeb) -> None:
    web.pages["a"] = html_page("A", "Alpha page text.")
    grounding = search(web, [web.hit("Page A", "/pages/a", "snippet a"), web.hit("Page B", "/pages/gone", "snippet b"),
                             SearchHit("Evil", "javascript:alert(1)", "x")])
    assert [f.title for f in grounding.found] == ["Page A", "Page B"]      # no javascript: source
    assert "Alpha page text." in grounding.found[0].text
    assert grounding.found[1].text == "snippet b"


def test_the_total_word_budget_bounds_the_prompt(web: SearchWeb) -> None:
    for name in "abcde":
        web.pages[name] = html_page(name, " ".join([f"{name}{i}" for i in range(400)]))
    grounding = search(web, [web.hit(f"Title {n}", f"/pages/{n}") for n in "abcde"], max_words=1000, page_words=300)
    assert all(len(f.text.split()) <= 300 for f in grounding.found)
    assert sum(len(f.text.split()) + len(f.title.split()) + 5 for f in grounding.found) <= 1000
    assert grounding.used_words <= 1000 and len(grounding.found) == 4   # the fourth is cut, the fifth left out


def test_prompt_and_sources_are_g4fs() -> None:
    grounding = Grounding("rust", (Found("Rust", "https://www.rust-lang.org/", "Rust is fast."),
                                   Found("A [weird] title", "https://example.com/a b(c)", "Text")), 10)
    assert grounding.prompt("What is Rust?") == (
        "### Title: Rust\n\nRust is fast.\n\n> **Source:** [[0]](https://www.rust-lang.org/)"
        "\n\n\n\n"
        "### Title: A [weird] title\n\nText\n\n> **Source:** [[1]](https://example.com/a%20b%28c%29)"
        "\n\nInstruction: \n"
        "Using the provided web search results, to write a comprehensive reply to the user request.\n"
        "Make sure to add the sources of cites using [[Number]](Url) notation after the reference. "
        "Example: [[0]](http://google.com)\n"
        "\n\nUser request:\nWhat is Rust?")
    assert grounding.sources() == ("\n\n\n\n> [0] [Rust](https://www.rust-lang.org/)\n>\n"
                                   "> [1] [A \\[weird\\] title](https://example.com/a%20b%28c%29)")


def test_the_query_is_the_message_words_within_the_engines_limit() -> None:
    assert query_text("  What is\n\nRust?  ") == "What is Rust?"
    long = query_text("word " * 200)
    assert len(long) <= 400 and long.endswith("word")
