"""Files, voice, memory and usage in a real browser against `lambdachat serve`."""

from __future__ import annotations

import base64
import importlib.util
import json
import uuid
from typing import Any

import pytest
import requests

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto")),
                       reason="the local server is not installed (make install)"),
]

# A 1x1 PNG: the smallest real image.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
                       "AAAABJRU5ErkJggg==")
PROCESSING_MS = 60_000


def canned(page: Any, text: str = "Noted.") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    def reply(route: Any) -> None:
        sent.append(json.loads(route.request.post_data or "{}"))
        events = [{"type": "provider", "provider": {"name": "Fake", "label": "Fake", "model": "m"}},
                  {"type": "content", "content": text}]
        route.fulfill(status=200, content_type="application/x-ndjson",
                      body="".join(json.dumps(e) + "\n" for e in events))

    page.route("**/backend-api/v2/conversation", reply)
    return sent


def ask(page: Any, text: str) -> None:
    page.fill("#prompt", text)
    page.press("#prompt", "Enter")


def test_a_document_is_uploaded_processed_and_referenced_by_its_bucket(page, server):
    from playwright.sync_api import expect

    sent = canned(page)
    page.goto(server.url)
    page.set_input_files("#file-input", files=[
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"The secret word is PINEAPPLE."},
        {"name": "tool.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00"},
    ])
    doc = page.locator(".attachment", has_text="notes.txt")
    expect(doc).to_have_attribute("data-state", "ready", timeout=PROCESSING_MS)
    bad = page.locator(".attachment", has_text="tool.exe")
    expect(bad).to_have_attribute("data-state", "error")  # told per file, never silently lost
    ask(page, "What is the secret word?")
    expect(page.locator(".message.assistant.finished")).to_have_count(1)
    expect(page.locator(".message.user .chip")).to_have_text(["notes.txt"])
    expect(page.locator(".attachment")).to_have_count(0)  # the composer is clear for the next message

    content = sent[0]["messages"][-1]["content"]
    assert content[-1] == {"type": "text", "text": "What is the secret word?"}
    buckets = [part["bucket_id"] for part in content if set(part) == {"bucket_id"}]
    assert len(buckets) == 1
    bucket = f"{server.url}/backend-api/v2/files/{buckets[0]}"
    assert "PINEAPPLE" in requests.get(bucket, timeout=10).text

    page.click("#conversations li:has-text('What is the secret word?') .delete")  # its files go with it
    expect(page.locator("#conversations .title")).to_have_count(0)
    assert requests.get(bucket, timeout=10).status_code == 404


def test_images_are_previewed_and_referenced_as_bucket_media_pasted_or_dropped(page, server):
    from playwright.sync_api import expect

    sent = canned(page)
    page.goto(server.url)
    page.set_input_files("#file-input", files=[{"name": "pic.png", "mimeType": "image/png", "buffer": PNG}])
    image = page.locator(".attachment", has_text="pic.png")
    expect(image.locator("img.thumb")).to_be_visible()  # previewed before upload finishes
    expect(image).to_have_attribute("data-state", "ready", timeout=PROCESSING_MS)
    # Paste and drop go through the same path as the button.
    page.evaluate("""() => {
        const make = (name) => { const t = new DataTransfer(); t.items.add(new File(['pasted text'], name,
            {type: 'text/plain'})); return t; };
        const paste = new ClipboardEvent('paste', {clipboardData: make('pasted.txt'), bubbles: true});
        document.querySelector('#prompt').dispatchEvent(paste);
        const drop = new DragEvent('drop', {dataTransfer: make('dropped.txt'), bubbles: true, cancelable: true});
        document.querySelector('#composer').dispatchEvent(drop);
    }""")
    for name in ("pasted.txt", "dropped.txt"):
        expect(page.locator(".attachment", has_text=name)).to_have_attribute("data-state", "ready",
                                                                             timeout=PROCESSING_MS)
    ask(page, "Describe these")
    expect(page.locator(".message.assistant.finished")).to_have_count(1)
    media = [p for p in sent[0]["messages"][-1]["content"] if p.get("name") == "pic.png"]
    assert len(media) == 1
    assert media[0]["url"] == f"/files/{media[0]['bucket_id']}/media/pic.png"
    served = requests.get(server.url + media[0]["url"], timeout=10)
    assert served.status_code == 200 and served.content == PNG


def test_a_large_file_goes_through_the_presigned_flow(page, server):
    from playwright.sync_api import expect

    page.goto(server.url)
    big = b"A line of a large log file that the cloud could not take in one request.\n" * 62_000  # ~4.6 MB
    with page.expect_request("**/uploads") as presign:
        page.set_input_files("#file-input", files=[{"name": "big.log", "mimeType": "text/plain", "buffer": big}])
    assert json.loads(presign.value.post_data or "{}")["size"] == len(big)
    expect(page.locator(".attachment", has_text="big.log")).to_have_attribute("data-state", "ready",
                                                                              timeout=PROCESSING_MS)


def test_play_reads_an_answer_aloud(page, server):
    from playwright.sync_api import expect

    canned(page, "Hello there.")
    page.goto(server.url)
    ask(page, "Say hello")
    answer = page.locator(".message.assistant.finished")
    with page.expect_response("**/backend-api/v2/synthesize/**") as speech:
        answer.locator("button.play").click()
    assert speech.value.status == 200
    assert speech.value.headers["content-type"].startswith("audio/")
    assert "text=Hello+there." in speech.value.url
    expect(answer.locator("button.play")).to_have_text("Playing")  # the audio element is playing it


def test_memory_is_opt_in_listed_searched_and_deleted(page, server):
    from playwright.sync_api import expect

    canned(page, "I will remember that.")
    page.goto(server.url)
    with page.expect_request("**/backend-api/v2/conversation"):
        ask(page, "Before opting in: my cat is called Tom.")
    expect(page.locator(".message.assistant.finished")).to_have_count(1)
    page.click("#open-settings")
    page.check("#memory-enabled")
    page.click("#settings-close")
    with page.expect_response(lambda r: "/backend-api/v2/memory/" in r.url and r.request.method == "POST") as saved:
        ask(page, "My favourite colour is green.")
    assert saved.value.status == 200

    page.goto(server.url + "/memory")
    items = page.locator("#memories .memory")
    texts = items.locator(".text")
    expect(texts).to_have_text(["I will remember that.", "My favourite colour is green."], timeout=10_000)
    expect(page.locator("#memories")).not_to_contain_text("Tom")  # nothing kept before the opt-in
    page.fill("#memory-search", "colour")
    expect(texts).to_have_text(["My favourite colour is green."])
    items.first.locator("button.delete").click()
    page.fill("#memory-search", "")
    expect(texts).to_have_text(["I will remember that."])
    page.reload()
    expect(texts).to_have_text(["I will remember that."])


def test_usage_page_charts_tokens_per_day_and_model(page, server):
    from playwright.sync_api import expect

    model = f"model-{uuid.uuid4().hex[:6]}"
    recorded = requests.post(f"{server.url}/backend-api/v2/usage", json={
        "model": model, "provider": "Fake", "prompt_tokens": 30, "completion_tokens": 12, "total_tokens": 42,
    }, timeout=10)
    assert recorded.status_code == 200
    page.goto(server.url + "/usage")
    expect(page.locator("#usage-chart")).to_be_visible()
    row = page.locator("#usage-models tr", has_text=model)
    expect(row.locator("td")).to_have_text([model, "30", "12", "42"])
    expect(page.locator("#usage-total")).to_contain_text("in the last 30 days")
