"""Browser pages for the e2e tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def checked_page(browser: Any, **context_options: Any) -> Iterator[Any]:
    """A page in its own browser context (no cookies or storage shared with any other);
    an uncaught script error on it fails the test."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"script errors on the page: {errors}"
