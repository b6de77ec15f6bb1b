"""Browser fixtures: Debian's chromium driven by Python playwright, against `lambdachat serve`.

Never a downloaded browser build (`playwright install`): the system chromium is what CI and
developers have. Without it the browser tests skip and say why.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.pages import checked_page
from tests.local_server import LocalServer, local_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"no chromium at {CHROMIUM}: apt-get install -y chromium (CI installs it)")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with local_server({"LAMBDACHAT_WARM_MODEL": "1"}) as running:
        yield running


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with checked_page(browser) as fresh:
        yield fresh
