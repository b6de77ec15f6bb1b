"""The app against a server in keys mode: the access key typed in settings goes out as
`Authorization: Bearer` on every call that needs it (uploads, shares, memory), and a share
stays readable by anyone with the link."""

from __future__ import annotations

import importlib.util
import json
import re
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


# Issue 11 #4: a shared chat whose images (or attachments) name our API instead of a media route.
CREATE = "/backend-api/v2/create"
HOSTILE_IMAGES = [
    "/files/../backend-api/v2/create?prompt=X&provider=Custom",
    "/files/%2e%2e/backend-api/v2/create?prompt=Y&provider=Custom",
    "/files/b1234567/media/../../../backend-api/v2/create?prompt=Z&provider=Custom",
    "/backend-api/v2/create?prompt=W&provider=Custom",
]
OWN_MEDIA = "/files/b1234567/media/cat.png"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")


def test_a_shared_chat_cannot_send_the_viewers_key_to_the_api(page, keys_server, monkeypatch):
    import uuid
    from urllib.parse import urlsplit

    import requests
    from playwright.sync_api import expect

    keys = make_keys(keys_server, monkeypatch, "victim", "mallory")
    share_id = str(uuid.uuid4())
    markdown = " ".join(f"![x]({src})" for src in [*HOSTILE_IMAGES, OWN_MEDIA])
    conversation = {"id": "bait", "title": "Bait", "added": 1, "updated": 2, "items": [
        {"role": "user", "content": "look", "attachments": [{"bucket_id": "../create?prompt=V&provider=Custom",
                                                              "name": "x.txt"}]},
        {"role": "assistant", "content": f"Pictures: {markdown}"}]}
    created = requests.post(f"{keys_server.url}/backend-api/v2/chat/{share_id}", json=conversation,
                            headers=keys["mallory"], timeout=10)
    assert created.status_code == 200, created.text

    seen: list[tuple[str, str, bool]] = []  # path as the browser sent it, method, with Authorization
    page.on("request", lambda r: seen.append(
        (urlsplit(r.url).path, r.method, "authorization" in r.all_headers())))
    page.route(f"**{CREATE}**", lambda route: route.abort())  # nothing may run even if it were asked
    page.route(f"**{OWN_MEDIA}", lambda route: route.fulfill(status=200, content_type="image/png", body=PNG))
    page.goto(keys_server.url)
    page.click("#open-settings")
    page.fill("#access-key", keys["victim"]["Authorization"].removeprefix("Bearer "))
    page.press("#access-key", "Tab")
    page.click("#settings-close")

    page.goto(f"{keys_server.url}/chat/{share_id}/bait")
    expect(page.locator(".message.assistant .content")).to_contain_text("Pictures:")
    page.click("#copy-to-mine")
    expect(page).to_have_url(keys_server.url + "/")
    own = page.locator(f".message.assistant img[data-own-src='{OWN_MEDIA}']")
    expect(own).to_have_attribute("src", re.compile(r"^blob:"))  # the exact media route still gets the key
    page.click("#conversations li:has-text('Bait') .delete")  # deletes the copy's "buckets" too
    expect(page.locator("#conversations .title")).to_have_count(0)
    page.wait_for_timeout(300)

    to_create = [(method, auth) for path, method, auth in seen if path == CREATE]
    assert not [c for c in to_create if c[1]], f"the viewer's key went to {CREATE}: {to_create}"
    assert not to_create  # nor may the content make the browser call it without the key
    keyed = {(path, method) for path, method, auth in seen if auth}
    assert (OWN_MEDIA, "GET") in keyed
    assert all(path == OWN_MEDIA or path.startswith("/backend-api/v2/") for path, _ in keyed), keyed
