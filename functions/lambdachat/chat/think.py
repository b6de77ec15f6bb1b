"""Split `<think>…</think>` out of streamed text into reasoning, across chunk boundaries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

OPEN, CLOSE = "<think>", "</think>"


@dataclass(frozen=True)
class Piece:
    """One part of the text: plain content, a thinking token, or a tag edge."""

    text: str
    thinking: bool
    edge: str | None = None  # OPEN or CLOSE when this piece marks the start or end of thinking


class ThinkSplitter:
    def __init__(self) -> None:
        self._thinking = False
        self._pending = ""  # a possible partial tag at the end of the last chunk

    def feed(self, chunk: str) -> Iterator[Piece]:
        if not self._pending and "<" not in chunk:  # the common case: no tag can start here
            if chunk:
                yield Piece(chunk, self._thinking)
            return
        text = self._pending + chunk
        self._pending = ""
        while text:
            tag = CLOSE if self._thinking else OPEN
            at = text.find(tag)
            if at >= 0:
                if at:
                    yield Piece(text[:at], self._thinking)
                self._thinking = not self._thinking
                yield Piece("", self._thinking, edge=tag)
                text = text[at + len(tag):]
                continue
            keep = _partial_suffix(text, tag)
            body = text[: len(text) - keep]
            if body:
                yield Piece(body, self._thinking)
            self._pending = text[len(text) - keep:]
            return

    def flush(self) -> Iterator[Piece]:
        if self._pending:
            yield Piece(self._pending, self._thinking)
            self._pending = ""


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that is a start of `tag` (held back for the next chunk)."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0
