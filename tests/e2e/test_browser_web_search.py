"""Web search as a person uses it: the composer's toggle, a real server searching a local SearXNG
fake and reading its pages, an OpenAI-compatible fake answering, the sources shown as links."""

from __future__ import annotations

import importlib.util

import pytest

from tests.e2e.pages import checked_page
from tests.fakes.search import SearchWeb, html_page
from tests.fakes.upstream import FakeUpstream
from tests.local_server import local_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto")),
                       reason="the local server is not installed (make install)"),
]


def test_the_toggle_searches_the_web_and_the_answer_links_its_sources(browser):
    from playwright.sync_api import expect

    with SearchWeb() as web, FakeUpstream(chunks=1) as llm:
        web.pages["rust"] = html_page("Rust", "Rust is a systems programming language.")
        web.pages["book"] = html_page("The Book", "The Rust Programming Language book.")
        web.hits = [web.hit("Rust language", "/pages/rust", "rust"), web.hit("The Rust Book", "/pages/book", "book")]
        # every answer: a scripted reply would go to the model list the page asks for first
        llm.chunk_text = f"Rust is a language [[0]]({web.base_url}/pages/rust)."
        env = {"LAMBDACHAT_SEARCH_ENGINE": "searxng", "SEARXNG_BASE_URL": web.base_url,
               "CUSTOM_BASE_URL": llm.base_url + "/v1"}
        with local_server(env) as server, checked_page(browser) as page:
            page.goto(server.url)
            expect(page.locator("body[data-ready='true']")).to_have_count(1)
            toggle = page.locator("#web-search")
            expect(toggle).to_have_attribute("aria-pressed", "false")
            toggle.click()
            expect(toggle).to_have_attribute("aria-pressed", "true")
            page.select_option("#provider", "Custom")
            page.fill("#prompt", "What is Rust?")
            page.press("#prompt", "Enter")

            sources = page.locator(".message.assistant blockquote a")
            expect(sources).to_have_count(2, timeout=30_000)
            assert [sources.nth(i).text_content() for i in range(2)] == ["Rust language", "The Rust Book"]
            assert sources.first.get_attribute("href") == f"{web.base_url}/pages/rust"
            citation = page.locator(".message.assistant a", has_text="[0]")
            expect(citation).to_have_attribute("href", f"{web.base_url}/pages/rust")

        assert web.seen[0].query == {"q": "What is Rust?", "format": "json"}
        prompt = llm.last.json["messages"][-1]["content"]
        assert "Rust is a systems programming language." in prompt and prompt.endswith("What is Rust?")
