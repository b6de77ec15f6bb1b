"""The unchanged g4f V1 page in keys mode (issue 16 #4), in Chromium against `lambdachat serve`.

The V1 page keeps no access key and ignores the status of its conversation request. Before
signing in, its prompt must be answered by a line it renders (the `auth` event, pointing at the
sign-in page); after signing in on the server's page, its own requests (no `Authorization`,
only the session cookie) get the answer; after signing out it is refused again.

The V1 page is g4f's own (`g4f/gui/client` of g4f 0.4.9.9, 2025-03-28, the V1 of the contract),
taken from the wheel `make install` downloads into the venv (`<venv>/clients/`), never vendored
here; the page is served on the server's own origin by intercepting `/chat/` and `/static/`, so
its relative `/backend-api/v2/...` calls reach lambdachat as they would behind one site. Its CDN
scripts (markdown-it, MathJax, tokenizers) are not fetched: the page falls back to plain text.
"""

from __future__ import annotations

import importlib.util
import mimetypes
import os
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.test_records_local_server import make_keys
from tests.local_server import LocalServer, local_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto")),
                       reason="the local server is not installed (make install)"),
]

V1_WHEEL = "g4f-0.4.9.9-py3-none-any.whl"
CLIENT = "g4f/gui/client/"
ANSWER = "Signed-in answer "


def _wheel() -> Path:
    given = os.environ.get("LAMBDACHAT_TEST_V1_WHEEL")
    return Path(given) if given else Path(sys.prefix) / "clients" / V1_WHEEL


@pytest.fixture(scope="module")
def v1_files() -> dict[str, bytes]:
    wheel = _wheel()
    if not wheel.exists():
        pytest.skip(f"the V1 client wheel is not at {wheel} (make install downloads it)")
    with zipfile.ZipFile(wheel) as archive:
        return {name.removeprefix(CLIENT): archive.read(name) for name in archive.namelist()
                if name.startswith(CLIENT) and not name.endswith("/")}


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream(chunks=2, chunk_text=ANSWER) as fake:
        yield fake


@pytest.fixture(scope="module")
def keys_server(upstream: FakeUpstream) -> Iterator[LocalServer]:
    with local_server({"LAMBDACHAT_AUTH": "keys", "CUSTOM_BASE_URL": upstream.base_url + "/v1"}) as running:
        yield running


def _serve_v1(page: Any, server: LocalServer, files: dict[str, bytes]) -> list[dict[str, Any]]:
    """Route the V1 page onto the server's origin; returns the conversation requests it makes."""
    origin = urlsplit(server.url).netloc
    sent: list[dict[str, Any]] = []

    def handle(route: Any) -> None:
        url = urlsplit(route.request.url)
        if url.netloc != origin:
            route.abort()            # CDN scripts: no internet in tests
            return
        if url.path == "/chat/":
            # rendered as g4f's website.py does (`render_template('index.html', conversation_id=...)`)
            page_html = jinja2.Template(files["index.html"].decode()).render(conversation_id=str(uuid.uuid4()))
            route.fulfill(status=200, content_type="text/html", body=page_html)
            return
        if url.path.startswith("/static/") and url.path.removeprefix("/") in files:
            name = url.path.removeprefix("/")
            route.fulfill(status=200, body=files[name],
                          content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")
            return
        if url.path == "/backend-api/v2/conversation":
            sent.append(dict(route.request.headers))
        route.continue_()

    page.route("**/*", handle)
    return sent


def _ask(page: Any, prompt: str) -> None:
    page.fill("#userInput", prompt)
    page.click("#sendButton")


def test_the_v1_page_signs_in_through_the_sign_in_page_and_chats(browser, keys_server, v1_files, monkeypatch):
    from playwright.sync_api import expect

    key = make_keys(keys_server, monkeypatch, "alice")["alice"]["Authorization"].removeprefix("Bearer ")
    context = browser.new_context()
    page = context.new_page()
    sent = _serve_v1(page, keys_server, v1_files)
    try:
        page.goto(keys_server.url + "/chat/")
        _ask(page, "Hello before signing in")
        refused = page.locator(".message .content_inner", has_text="sign in at /backend-api/v2/signin")
        expect(refused.first).to_be_visible(timeout=30_000)
        expect(refused.first).to_contain_text("An error occured")

        page.goto(keys_server.url + "/backend-api/v2/signin?next=/chat/")
        page.fill("#key", key)
        page.click("button[type=submit]")
        page.wait_for_url(keys_server.url + "/chat/")   # the 303 to `next`
        # playwright's routing does not see a redirected request: load the V1 page again through it
        page.goto(keys_server.url + "/chat/")
        cookies = context.cookies(keys_server.url)
        session = next(c for c in cookies if c["name"] == "lambdachat_session")
        assert session["httpOnly"] and session["sameSite"] == "Strict" and session["value"] != key

        _ask(page, "Hello after signing in")
        answer = page.locator(".message .content_inner", has_text=ANSWER.strip())
        expect(answer.first).to_be_visible(timeout=30_000)
        assert sent and all("authorization" not in headers for headers in sent)  # the cookie alone

        page.goto(keys_server.url + "/backend-api/v2/signin")
        expect(page.locator("text=Signed in as")).to_contain_text("alice")
        with page.expect_response(lambda r: r.url.endswith("/backend-api/v2/signout")) as signed_out:
            page.click("button:has-text('Sign out')")
        assert signed_out.value.status == 303
        page.wait_for_load_state()
        assert not [c for c in context.cookies(keys_server.url) if c["name"] == "lambdachat_session"]
        page.goto(keys_server.url + "/chat/")
        _ask(page, "Hello after signing out")
        expect(refused.first).to_be_visible(timeout=30_000)
    finally:
        context.close()


def test_the_sign_in_page_is_reachable_from_the_web_app_and_its_session_opens_it(page, keys_server, monkeypatch):
    from playwright.sync_api import expect

    key = make_keys(keys_server, monkeypatch, "bob")["bob"]["Authorization"].removeprefix("Bearer ")
    page.goto(keys_server.url)
    page.click("#open-settings")
    page.click("#signin-link")
    page.wait_for_url(keys_server.url + "/backend-api/v2/signin?next=/")
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url(keys_server.url + "/")
    # the SPA holds no key, yet its uploads (a route that needs identity) work with the session
    note = {"name": "note.txt", "mimeType": "text/plain", "buffer": b"signed in"}
    page.set_input_files("#file-input", files=[note])
    expect(page.locator(".attachment")).to_have_attribute("data-state", "ready", timeout=60_000)
