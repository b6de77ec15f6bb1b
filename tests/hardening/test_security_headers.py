"""Security headers on every response, a strict CSP for the page, and CORS only for configured origins."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.apps import create_local_app

REPO_ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "https://chat.example.org"
MEMORY = "/backend-api/v2/memory/u1"


def csp_directives(header: str) -> dict[str, list[str]]:
    parts = (d.split() for d in header.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.fixture
def client():
    return create_local_app().test_client()


def test_the_page_gets_a_csp_without_inline_script_or_style_and_cannot_be_framed(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    csp = csp_directives(response.headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in v for values in csp.values() for v in values)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # A client-side route is the same page with the same policy.
    assert client.get("/chat/abc").headers["Content-Security-Policy"] == response.headers["Content-Security-Policy"]


class _InlineFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        self.problems += [f"{name}= on <{tag}>" for name in names if name == "style" or name.startswith("on")]


@pytest.mark.parametrize("page", ["web/index.html", "web/dist/index.html"])
def test_the_web_page_needs_no_inline_script_or_style(page):
    path = REPO_ROOT / page
    if not path.is_file():
        pytest.skip(f"{page} is not built")
    finder = _InlineFinder()
    finder.feed(path.read_text())
    assert finder.problems == []


def test_api_responses_forbid_any_active_content(client):
    response = client.get("/backend-api/v2/version")
    csp = csp_directives(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    error = client.get("/backend-api/v2/nothing-here")
    assert error.status_code == 404 and "default-src 'none'" in error.headers["Content-Security-Policy"]


def test_no_cors_by_default(client):
    response = client.get("/backend-api/v2/version", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(MEMORY, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403
    assert preflight.get_json() == {"error": {"message": "Origin not allowed"}}
    assert "Access-Control-Allow-Origin" not in preflight.headers


@pytest.fixture
def cors_keys_client(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_CORS_ORIGINS", f"{ORIGIN}, http://localhost:5173")
    monkeypatch.setenv("LAMBDACHAT_AUTH", "keys")
    return create_local_app().test_client()


def test_a_configured_origin_is_allowed_with_the_v1_headers_even_before_a_key(cors_keys_client):
    preflight = cors_keys_client.options(MEMORY, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x_api_key, content-type"})
    assert preflight.status_code == 204  # a preflight carries no key: it never reaches the 401
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert {"GET", "POST", "DELETE"} <= set(preflight.headers["Access-Control-Allow-Methods"].split(", "))
    allowed = set(preflight.headers["Access-Control-Allow-Headers"].split(", "))
    assert {"authorization", "if-none-match", "x-conversation-id", "content-type", "x-user", "x_user", "x-api-key",
            "x_api_key", "x-secret", "x-recognition-language"} <= allowed
    public = cors_keys_client.get("/backend-api/v2/version", headers={"Origin": ORIGIN})
    assert public.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in public.headers.getlist("Vary")
    assert "x-request-id" in public.headers["Access-Control-Expose-Headers"]
    # The actual request still needs its key.
    assert cors_keys_client.post(MEMORY, json={}, headers={"Origin": ORIGIN}).status_code == 401


def test_other_origins_and_unknown_paths_get_nothing(cors_keys_client):
    other = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    assert cors_keys_client.options(MEMORY, headers=other).status_code == 403
    response = cors_keys_client.get("/backend-api/v2/version", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    unknown = cors_keys_client.options("/backend-api/v2/nothing", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert unknown.status_code == 401  # no route to preflight: the usual answer without a key
    assert "Access-Control-Allow-Methods" not in unknown.headers
