"""The latest released version, read from a configurable feed and cached per process.

`LAMBDACHAT_RELEASE_FEED` points at a JSON document: PyPI's (`info.version`), GitHub's
latest release (`tag_name`) or a plain `{"version": ...}`. Unset, or unreachable: None.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from lambdachat.observability import logger

_TTL = 3600.0
_FAILED_TTL = 300.0
_lock = threading.Lock()
_cache: dict[str, tuple[float, str | None]] = {}


def _parse(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return None
    for value in ((doc.get("info") or {}).get("version"), doc.get("tag_name"), doc.get("version")):
        if isinstance(value, str) and value:
            return value.removeprefix("v")
    return None


def latest_version(feed: str | None) -> str | None:
    """The newest release `feed` (the app's `release_feed` setting) names; None when unset or unreachable."""
    if not feed:
        return None
    with _lock:
        hit = _cache.get(feed)
        if hit and hit[0] > time.monotonic():
            return hit[1]
    import httpx  # only on this path: the version handler imports nothing else heavy

    value: str | None = None
    try:
        response = httpx.get(feed, timeout=2.0, follow_redirects=True)
        response.raise_for_status()
        value = _parse(response.json())
    except (httpx.HTTPError, ValueError) as exc:
        logger.warning("release feed unreachable", extra={"feed": feed, "error": type(exc).__name__})
    with _lock:
        _cache[feed] = (time.monotonic() + (_TTL if value else _FAILED_TTL), value)
    return value
