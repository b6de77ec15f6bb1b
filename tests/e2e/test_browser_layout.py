"""Phone-sized layout and keyboard use: nothing overflows at 360 px, the chat list opens and
closes, focus order starts where a screen reader user expects it."""

from __future__ import annotations

import importlib.util
import json
from typing import Any

import pytest

from tests.e2e.pages import checked_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto")),
                       reason="the local server is not installed (make install)"),
]

LONG = "A long answer with a wide table and code.\n\n| a | b | c | d |\n|---|---|---|---|\n| 1 | 2 | 3 | 4 |\n\n" \
       "```\n" + "x" * 300 + "\n```\n\nhttps://example.org/" + "very-long-path-" * 20


@pytest.fixture
def phone(browser: Any) -> Any:
    with checked_page(browser, viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True) as page:
        yield page


def overflow(page: Any) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))


def test_nothing_is_wider_than_a_360_px_phone(phone, server):
    from playwright.sync_api import expect

    phone.route("**/backend-api/v2/conversation", lambda route: route.fulfill(
        status=200, content_type="application/x-ndjson",
        body=json.dumps({"type": "content", "content": LONG}) + "\n"))
    phone.goto(server.url)
    phone.fill("#prompt", "x" * 200)
    phone.press("#prompt", "Enter")
    expect(phone.locator(".message.assistant.finished")).to_have_count(1)
    assert overflow(phone) <= 0
    expect(phone.locator("#send")).to_be_in_viewport()
    expect(phone.locator("#sidebar")).not_to_be_in_viewport()

    phone.click("#toggle-sidebar")
    expect(phone.locator("#search")).to_be_focused()
    expect(phone.locator("#conversations .title")).to_have_count(1)
    phone.keyboard.press("Escape")
    expect(phone.locator("#sidebar")).not_to_be_in_viewport()

    phone.click("#share")
    phone.click("#create-share")
    expect(phone.locator("#share-dialog canvas.qr")).to_be_in_viewport()
    assert overflow(phone) <= 0
    url = phone.locator("#share-url").input_value()
    for path in (url, server.url + "/memory", server.url + "/usage"):
        phone.goto(path)
        phone.wait_for_load_state("networkidle")
        assert overflow(phone) <= 0, path


def test_keyboard_focus_order_and_labels(page, server):
    from playwright.sync_api import expect

    page.goto(server.url)
    expect(page.locator("#provider option[value='Local']")).to_have_count(1)
    order = []
    for _ in range(7):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
    assert order[:3] == ["Skip to the prompt", "new-chat", "search"]
    # Every control a screen reader lands on has an accessible name.
    unnamed = page.evaluate("""() => [...document.querySelectorAll('#app :is(button, select, textarea, input)')]
        .filter(e => e.offsetParent !== null)
        .filter(e => !(e.getAttribute('aria-label') || e.labels?.length || e.textContent.trim()))
        .map(e => e.outerHTML)""")
    assert unnamed == []
    page.reload()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    expect(page.locator("#prompt")).to_be_focused()
