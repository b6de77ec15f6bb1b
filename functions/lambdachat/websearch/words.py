"""Text cut to a number of words, the unit web search budgets are counted in (as g4f counts them)."""

from __future__ import annotations

from collections.abc import Iterable


def bounded_words(pieces: Iterable[str], max_words: int) -> str:
    """The first `max_words` words of the text, one line per text run, repeated lines dropped
    (menus and footers repeat), as g4f's scraper does."""
    lines: list[str] = []
    seen: set[str] = set()
    left = max_words
    for piece in pieces:
        for line in piece.splitlines():
            words = line.split()
            joined = " ".join(words)
            if not words or joined in seen:
                continue
            seen.add(joined)
            lines.append(" ".join(words[:left]))
            left -= len(words)
            if left <= 0:
                return "\n".join(lines)
    return "\n".join(lines)
