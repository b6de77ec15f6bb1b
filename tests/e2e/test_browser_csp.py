"""The page under its own Content-Security-Policy: loading it and rendering a rich answer (code,
table, image, a hostile inline handler) in Debian's chromium raises no CSP violation."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from tests.e2e.test_browser_share import answer_with, ask

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto")),
                       reason="the local server is not installed (make install)"),
]

RICH_ANSWER = ("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint('hi')\n```\n\n"
               "![dot](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhf"
               "DwAChwGA60e6kgAAAABJRU5ErkJggg==)\n\n<img src=x onerror=\"window.__pwned=1\">")
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def test_the_page_and_a_rich_answer_need_nothing_the_policy_forbids(page: Any, server: Any) -> None:
    from playwright.sync_api import expect

    page.add_init_script(RECORD_VIOLATIONS)  # injected by the browser itself: not subject to the CSP
    response = page.goto(server.url)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    answer_with(page, RICH_ANSWER)
    ask(page, "Show me everything")
    expect(page.locator(".message.assistant.finished")).to_have_count(1)
    expect(page.locator(".message.assistant table")).to_have_count(1)
    assert page.evaluate("window.__csp") == []
    assert page.evaluate("window.__pwned") is None
