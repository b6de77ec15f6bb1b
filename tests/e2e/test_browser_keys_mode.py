"""The app against a server in keys mode: the access key typed in settings goes out as
`Authorization: Bearer` on every call that needs it (uploads, shares, memory), and a share
stays readable by anyone with the link."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.test_records_local_server import make_keys
from tests.local_server import LocalServer, local_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto")),
                       reason="the local server is not installed (make install)"),
]

NEEDS_KEY = "A valid access key is required"


@pytest.fixture(scope="module")
def keys_server() -> Iterator[LocalServer]:
    with local_server({"LAMBDACHAT_AUTH": "keys"}) as running:
        yield running


def test_the_access_key_from_settings_opens_uploads_shares_and_memory(page, browser, keys_server, monkeypatch):
    from playwright.sync_api import expect

    key = make_keys(keys_server, monkeypatch, "alice")["alice"]["Authorization"].removeprefix("Bearer ")
    page.goto(keys_server.url)
    expect(page.locator("#provider option[value='Local']")).to_have_count(1)  # public without a key
    note = {"name": "note.txt", "mimeType": "text/plain", "buffer": b"keys mode"}
    page.set_input_files("#file-input", files=[note])
    expect(page.locator(".attachment.error .state")).to_contain_text(NEEDS_KEY)
    page.click(".attachment .icon")

    page.click("#open-settings")
    page.fill("#access-key", key)
    page.press("#access-key", "Tab")  # saved on change
    page.click("#settings-close")
    page.set_input_files("#file-input", files=[note])
    expect(page.locator(".attachment")).to_have_attribute("data-state", "ready", timeout=60_000)

    page.route("**/backend-api/v2/conversation", lambda route: route.fulfill(
        status=200, content_type="application/x-ndjson",
        body=json.dumps({"type": "content", "content": "Shared in keys mode."}) + "\n"))
    page.fill("#prompt", "hello")
    page.press("#prompt", "Enter")
    expect(page.locator(".message.assistant.finished")).to_have_count(1)
    page.click("#share")
    page.click("#create-share")
    url = page.locator("#share-url").input_value()

    stranger: Any = browser.new_context().new_page()  # no key at all
    stranger.goto(url)
    expect(stranger.locator(".message.assistant .content")).to_have_text("Shared in keys mode.")
    stranger.goto(keys_server.url + "/memory")
    expect(stranger.locator("#memories [role=alert]")).to_contain_text(NEEDS_KEY)
    stranger.context.close()

    page.goto(keys_server.url + "/memory")
    expect(page.locator("#memories .empty")).to_have_text("No memories yet.")
