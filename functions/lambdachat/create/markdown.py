"""`filter_markdown`: keep only a fenced code block of the answer (V1 `filter_markdown`)."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^```[ \t]*([^\s`]*)[^\n]*\n(.*?)^```", re.S | re.M)


def code_block(text: str, language: str | None = None) -> str | None:
    """The first fenced block (of `language`, when given, case-insensitively), or None."""
    for match in _FENCE.finditer(text):
        if language is None or match[1].lower() == language.lower():
            return match[2].rstrip("\n")
    return None
