"""The text of the pages a search found, fetched through the SSRF guard and read with the
bucket HTML reader, bounded in bytes, words and time.

The hits' addresses come from the engine, that is from the web: they are fetched like any other
address nobody here chose (`lambdachat.netguard`: checked after DNS, on every redirect, no
private address in the cloud). The HTML is streamed into `files.streamtext.html_text` and the
download stops as soon as the page's word budget is filled, so a huge page costs its first
chunks only. A page that cannot be read gives "" and its hit keeps the engine's snippet.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx

from lambdachat.netguard import PolicySource, UrlRefused, check_url, guarded_client
from lambdachat.observability import logger
from lambdachat.websearch.words import bounded_words

MAX_REDIRECTS = 3
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
# Some sites answer a bare client with a block page; a browser-like Accept gets the article.
HEADERS = {"User-Agent": "Mozilla/5.0 (compatible; lambdachat web search)",
           "Accept": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8"}


class PageReader:
    def __init__(self, policy: PolicySource, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._client = guarded_client(policy, headers=HEADERS, follow_redirects=True, max_redirects=MAX_REDIRECTS,
                                      limits=httpx.Limits(max_connections=16, max_keepalive_connections=4))

    def texts(self, urls: list[str], max_words: int, deadline: float) -> list[str]:
        """Each page's text (or "") in the order of `urls`, fetched side by side."""
        if not urls:
            return []
        with ThreadPoolExecutor(max_workers=len(urls), thread_name_prefix="websearch") as pool:
            return list(pool.map(lambda url: self.text(url, max_words, deadline), urls))

    def text(self, url: str, max_words: int, deadline: float) -> str:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            return ""
        try:
            check_url(url)
            with self._client.stream("GET", url, timeout=httpx.Timeout(timeout)) as response:
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if response.status_code != 200 or kind not in TEXT_TYPES:
                    return ""
                chunks = self._chunks(response, deadline)
                if kind == "text/plain":
                    return bounded_words((chunk.decode("utf-8", "replace") for chunk in chunks), max_words)
                from lambdachat.files.streamtext import html_text

                pieces = html_text(chunks)
                try:
                    return bounded_words(pieces, max_words)
                finally:
                    getattr(pieces, "close", lambda: None)()   # stops the parser, and with it the download
        except (UrlRefused, httpx.HTTPError) as exc:  # refused by the guard, unreachable, too many redirects
            logger.info("web search page skipped", extra={"error": type(exc).__name__})
            return ""
        except Exception:  # a page the HTML reader chokes on must not end the search
            logger.exception("web search page unreadable")
            return ""

    def _chunks(self, response: httpx.Response, deadline: float) -> Iterator[bytes]:
        """The body, cut at `max_bytes` or the deadline (a page trickling bytes must not hold the answer)."""
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                yield chunk[: len(chunk) - (size - self.max_bytes)]
                return
            yield chunk
            if time.monotonic() > deadline:
                return
