"""`web_search` on the conversation and on `/create`: the engine's pages go into the prompt, the
answer ends with the numbered sources, and a search that fails is said and skipped."""

from __future__ import annotations

import json

import pytest
from lambdachat.providers.base import Content, Finish
from lambdachat.websearch.engines import Brave

from tests.apps import LazyClient, override, use_real
from tests.fakes.providers import FakeProvider, install
from tests.fakes.search import SearchWeb, html_page

QUESTION = "What is Rust?"


@pytest.fixture
def web(monkeypatch):
    # the pages live on 127.0.0.1, which cloud mode never fetches (one test checks that)
    monkeypatch.setenv("LAMBDACHAT_ALLOW_PRIVATE_UPSTREAMS", "1")
    with SearchWeb() as server:
        server.pages["rust"] = html_page("Rust", "Rust is a systems programming language.")
        server.pages["book"] = html_page("The Book", "The Rust Programming Language book.")
        server.hits = [server.hit("Rust language", "/pages/rust", "rust snippet"),
                       server.hit("The Rust Book", "/pages/book", "book snippet")]
        yield server


@pytest.fixture
def provider():
    fake = FakeProvider(script=[Content("Rust is a language [[0]](x)."), Finish("stop")])
    install(fake)
    return fake


def brave(web: SearchWeb) -> None:
    override(search_engine=Brave(web.base_url, "brave-key", 5))


def converse(body: dict, client: LazyClient | None = None) -> list[dict]:
    client = client or LazyClient(["conversation"])
    response = client.post("/backend-api/v2/conversation", json={"provider": "Fake", **body})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def user_message(provider: FakeProvider) -> str:
    return provider.requests[-1].messages[-1]["content"]


def test_web_search_true_grounds_the_last_user_message_and_ends_with_sources(web, provider):
    brave(web)
    events = converse({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
                                    {"role": "user", "content": QUESTION}], "web_search": True})
    assert web.seen[0].query["q"] == QUESTION
    prompt = user_message(provider)
    assert prompt.startswith("### Title: Rust language\n\nRust\nHome\nRust is a systems programming language.")
    assert f"> **Source:** [[0]]({web.base_url}/pages/rust)" in prompt
    assert "[[Number]](Url)" in prompt and prompt.endswith(f"User request:\n{QUESTION}")
    assert provider.requests[-1].messages[0]["content"] == "Hi"       # the history is left alone
    types = [e["type"] for e in events]
    assert types[:3] == ["provider", "content", "content"] and "finish" in types
    assert events[2]["content"] == (f"\n\n\n\n> [0] [Rust language]({web.base_url}/pages/rust)\n>\n"
                                    f"> [1] [The Rust Book]({web.base_url}/pages/book)")
    assert types.index("finish") > 2 and events[-1]["type"] == "log" and "2 Results" in events[-1]["log"]


def test_a_query_string_is_what_gets_searched(web, provider):
    brave(web)
    converse({"messages": [{"role": "user", "content": QUESTION}], "web_search": "rust language history"})
    assert web.seen[0].query["q"] == "rust language history"
    assert user_message(provider).endswith(f"User request:\n{QUESTION}")


def test_no_engine_reachable_is_a_message_and_the_answer_goes_on(provider):
    # the tests' default engine is unreachable (tests/apps.py)
    events = converse({"messages": [{"role": "user", "content": QUESTION}], "web_search": True})
    message = next(e for e in events if e["type"] == "message")
    assert message["error"] == "SearchUnavailable" and "answering without it" in message["message"]
    assert user_message(provider) == QUESTION
    assert [e["content"] for e in events if e["type"] == "content"] == ["Rust is a language [[0]](x)."]
    assert any(e["type"] == "finish" for e in events)


def test_the_configured_engine_is_used(web, provider, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_SEARCH_ENGINE", "searxng")
    monkeypatch.setenv("SEARXNG_BASE_URL", web.base_url)
    use_real("search_engine")
    events = converse({"messages": [{"role": "user", "content": QUESTION}], "web_search": True})
    assert (web.seen[0].path, web.seen[0].query) == ("/search", {"q": QUESTION, "format": "json"})
    assert "Rust is a systems programming language." in user_message(provider)
    assert any(e["type"] == "content" and "> [1] [The Rust Book]" in e["content"] for e in events)


def test_a_missing_key_is_said_not_hidden(provider, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_SEARCH_ENGINE", "brave")
    use_real("search_engine")
    events = converse({"messages": [{"role": "user", "content": QUESTION}], "web_search": True})
    message = next(e for e in events if e["type"] == "message")
    assert message["error"] == "SearchNotConfigured" and "BRAVE_API_KEY" in message["message"]


def test_in_cloud_mode_results_pointing_inward_keep_only_their_snippet(web, provider, monkeypatch):
    monkeypatch.delenv("LAMBDACHAT_ALLOW_PRIVATE_UPSTREAMS")
    brave(web)
    converse({"messages": [{"role": "user", "content": QUESTION}], "web_search": True})
    prompt = user_message(provider)
    assert "rust snippet" in prompt and "systems programming" not in prompt
    assert not any(s.path.startswith("/pages/") for s in web.seen)


def test_without_web_search_nothing_is_searched(web, provider):
    brave(web)
    converse({"messages": [{"role": "user", "content": QUESTION}], "web_search": False})
    converse({"messages": [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "Rust is"}],
              "action": "continue", "web_search": True})   # carrying on an answer does not search again
    assert web.seen == []


@pytest.mark.parametrize("value", [3, ["rust"], {"q": "rust"}, "q" * 501])
def test_a_web_search_value_that_is_neither_a_flag_nor_a_query_is_400(provider, value):
    response = LazyClient(["conversation"]).post("/backend-api/v2/conversation", json={
        "provider": "Fake", "messages": [{"role": "user", "content": QUESTION}], "web_search": value})
    assert response.status_code == 400 and "web_search" in response.get_json()["error"]["message"]


def test_create_with_web_search_ends_the_text_with_the_sources(web, provider):
    brave(web)
    response = LazyClient(["create"]).get("/backend-api/v2/create", query_string={
        "prompt": QUESTION, "provider": "Fake", "web_search": "true"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("Rust is a language") and text.endswith(f"> [1] [The Rust Book]({web.base_url}/pages/book)")
    assert "Rust is a systems programming language." in user_message(provider)


@pytest.mark.parametrize("name", ["conversation", "create"])
def test_a_handler_loads_no_search_engine_or_page_reader_until_a_turn_searches(name):
    import subprocess
    import sys
    from pathlib import Path

    heavy = ("ddgs", "primp", "lxml", "lambdachat.netguard", "lambdachat.websearch.engines",
             "lambdachat.websearch.pages")
    code = f"import sys, functions.{name}; print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"
