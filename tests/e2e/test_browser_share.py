"""Sharing in a real browser: create, open in another browser, follow updates, revoke; the QR page
encodes exactly the link; a hostile shared chat runs nothing."""

from __future__ import annotations

import importlib.util
import json
import uuid
from typing import Any

import pytest
import requests

from tests.e2e.pages import checked_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto")),
                       reason="the local server is not installed (make install)"),
]

POLL_MS = 15_000  # the viewer polls every 5 s


def answer_with(page: Any, *texts: str) -> None:
    """Canned answers, one per conversation request, so the test needs no model."""
    count = {"n": 0}

    def reply(route: Any) -> None:
        text = texts[min(count["n"], len(texts) - 1)]
        count["n"] += 1
        events = [{"type": "provider", "provider": {"name": "Fake", "label": "Fake", "model": "m"}},
                  {"type": "content", "content": text}]
        route.fulfill(status=200, content_type="application/x-ndjson",
                      body="".join(json.dumps(e) + "\n" for e in events))

    page.route("**/backend-api/v2/conversation", reply)


def ask(page: Any, text: str) -> None:
    page.fill("#prompt", text)
    page.press("#prompt", "Enter")


def create_share(page: Any) -> str:
    from playwright.sync_api import expect

    page.click("#share")
    page.select_option("#share-expiry", "604800")
    page.click("#create-share")
    link = page.locator("#share-url")
    expect(link).to_be_visible()
    expect(page.locator("#share-dialog canvas.qr")).to_be_visible()
    return str(link.input_value())


@pytest.fixture
def viewer(browser: Any) -> Any:
    """A second, unrelated browser: no cookies or storage shared with the owner."""
    with checked_page(browser) as page:
        yield page


def test_share_is_seen_elsewhere_follows_the_chat_and_is_gone_when_revoked(page, viewer, server):
    from playwright.sync_api import expect

    answer_with(page, "Paris is the capital.", "About 2.1 million people.")
    page.goto(server.url)
    ask(page, "Capital of France?")
    expect(page.locator(".message.assistant.finished")).to_have_count(1)
    url = create_share(page)
    conversation_id = page.evaluate("localStorage.getItem('lambdachat:last')")
    assert url.startswith(server.url + "/chat/") and url.endswith("/" + conversation_id)
    share_id = url.split("/")[-2]
    page.keyboard.press("Escape")  # closes the dialog

    viewer.goto(url)
    expect(viewer.locator(".shared-title")).to_have_text("Capital of France?")
    expect(viewer.locator(".message.assistant .content")).to_have_text("Paris is the capital.")
    expect(viewer.locator("#prompt")).to_have_count(0)  # read-only: nothing to type into
    expect(viewer.locator(".message button.regenerate")).to_have_count(0)

    ask(page, "How many people live there?")  # the owner goes on; the share follows
    expect(page.locator(".message.assistant.finished")).to_have_count(2)
    expect(viewer.locator(".message.assistant .content").last).to_have_text(
        "About 2.1 million people.", timeout=POLL_MS)

    # Without the owner token nobody else can change or delete it.
    api = f"{server.url}/backend-api/v2/chat/{share_id}"
    assert requests.delete(api, timeout=10).status_code == 403
    assert requests.post(api, json={"id": "x", "items": []}, timeout=10).status_code == 403

    page.click("#share")
    page.click("#revoke-share")
    expect(page.locator("#create-share")).to_be_visible()
    assert requests.get(api, timeout=10).status_code == 404
    expect(viewer.locator(".gone")).to_have_text("This shared chat is no longer available.", timeout=POLL_MS)


def test_continue_in_my_chats_makes_a_private_copy(page, viewer, server):
    from playwright.sync_api import expect

    answer_with(page, "Hello from the owner.")
    page.goto(server.url)
    ask(page, "Greeting")
    expect(page.locator(".message.assistant.finished")).to_have_count(1)
    url = create_share(page)

    viewer.goto(url)
    viewer.click("#copy-to-mine")
    expect(viewer).to_have_url(server.url + "/")
    expect(viewer.locator(".message.assistant .content")).to_have_text("Hello from the owner.")
    expect(viewer.locator("#conversations .title")).to_have_text(["Greeting"])
    copy_id = viewer.evaluate("localStorage.getItem('lambdachat:last')")
    assert copy_id != url.rstrip("/").split("/")[-1]  # its own id: a copy, not the owner's chat
    copy = viewer.evaluate("""async (id) => new Promise((resolve) => {
        indexedDB.open('lambdachat').onsuccess = (e) => {
            const req = e.target.result.transaction('conversations').objectStore('conversations').get(id);
            req.onsuccess = () => resolve(req.result);
        };
    })""", copy_id)
    assert "share" not in copy  # the copy holds no owner token


def test_the_qr_page_encodes_exactly_the_share_url(page, server):
    from playwright.sync_api import expect

    zxingcpp = pytest.importorskip("zxingcpp")
    numpy = pytest.importorskip("numpy")
    answer_with(page, "Shared by QR.")
    page.goto(server.url)
    ask(page, "QR please")
    expect(page.locator(".message.assistant.finished")).to_have_count(1)
    url = create_share(page)
    conversation_id = url.rstrip("/").split("/")[-1]

    page.goto(f"{server.url}/qrcode/{conversation_id}")
    expect(page.locator("#share-url")).to_have_text(url)
    canvas = page.locator("canvas.qr")
    expect(canvas).to_be_visible()
    pixels = page.evaluate("""() => {
        const c = document.querySelector('canvas.qr');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const grey = new Array(c.width * c.height);
        for (let i = 0; i < grey.length; i++) grey[i] = d[i * 4];
        return {width: c.width, height: c.height, grey};
    }""")
    image = numpy.array(pixels["grey"], dtype=numpy.uint8).reshape(pixels["height"], pixels["width"])
    found = zxingcpp.read_barcodes(image)
    assert [b.text for b in found] == [url]


HOSTILE = [
    "<script>window.pwned = 'script'</script>",
    "<img src=x onerror=\"window.pwned = 'onerror'\">",
    "[click me](javascript:window.pwned='link')",
    "<iframe src=\"javascript:parent.pwned='iframe'\"></iframe>",
    "<a href=\"javascript:window.pwned='raw-link'\">raw</a> <svg onload=\"window.pwned='svg'\"></svg>",
    "![x](javascript:window.pwned='img') <details open ontoggle=\"window.pwned='toggle'\">",
]


def test_a_hostile_shared_chat_runs_nothing(viewer, server):
    from playwright.sync_api import expect

    share_id = str(uuid.uuid4())
    conversation = {"id": "hostile", "title": "<img src=x onerror=\"window.pwned='title'\">", "added": 1,
                    "updated": 2, "items": [{"role": "user", "content": HOSTILE[0]}]
                    + [{"role": "assistant", "content": text,
                        "provider": {"name": "<b onmouseover=x>", "model": "<script>"},
                        "reasoning": {"text": HOSTILE[1]}} for text in HOSTILE[1:]]}
    created = requests.post(f"{server.url}/backend-api/v2/chat/{share_id}", json=conversation, timeout=10)
    assert created.status_code == 200, created.text
    dialogs: list[str] = []
    viewer.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    viewer.goto(f"{server.url}/chat/{share_id}/hostile")
    expect(viewer.locator(".message")).to_have_count(len(HOSTILE))
    expect(viewer.locator(".shared-title")).to_contain_text("<img")  # shown as text
    expect(viewer.locator(".message.user .content")).to_have_text(HOSTILE[0])
    messages = viewer.locator("#messages")
    expect(messages.locator("script, iframe, svg, img, details[ontoggle], [onerror], [onload]")).to_have_count(0)
    hrefs = messages.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h and "javascript" in h.lower()]
    for link in messages.locator(".content a").all():
        link.click(modifiers=["Control"])  # opening any link that is there must not run code
    messages.hover()
    viewer.wait_for_timeout(300)
    assert viewer.evaluate("window.pwned") is None
    assert dialogs == []


def test_deleting_a_shared_chat_revokes_its_share(page, server):
    from playwright.sync_api import expect

    answer_with(page, "Soon gone.")
    page.goto(server.url)
    ask(page, "Delete me later")
    expect(page.locator(".message.assistant.finished")).to_have_count(1)
    share_id = create_share(page).split("/")[-2]
    page.keyboard.press("Escape")
    api = f"{server.url}/backend-api/v2/chat/{share_id}"
    assert requests.get(api, timeout=10).status_code == 200
    page.click("#conversations li:has-text('Delete me later') .delete")
    expect(page.locator("#conversations .title")).to_have_count(0)
    assert requests.get(api, timeout=10).status_code == 404
