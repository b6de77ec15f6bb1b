"""The one JSON parser for everything a client sends: bodies, form fields, uploaded files.

`json.loads` recurses once per nesting level: a 100,000-deep `[[[[...` ends in a RecursionError
(a 500 with a traceback), and a value a few hundred levels deep still breaks the recursive walks
after it (validation, the log filter). No input lambdachat accepts nests anywhere near
`MAX_DEPTH`, so deeper input is a 400 like any other malformed JSON.
"""

from __future__ import annotations

import json
from typing import Any

from lambdachat.errors import BadRequest

MAX_DEPTH = 64


def deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a parsed value nests deeper than `limit` (a scalar is depth 0).

    Level by level, without recursion; it looks at each value once, so it costs no more than
    the parse that made them (about as long again for a body of tiny objects, far less for text).
    """
    level = [value] if type(value) is dict or type(value) is list else []
    for _ in range(limit):
        below: list[Any] = []
        for item in level:
            children = item.values() if type(item) is dict else item
            below += [c for c in children if type(c) is dict or type(c) is list]
        if not below:
            return False
        level = below
    return bool(level)


def parse_json(raw: str | bytes, invalid: str = "Invalid JSON data") -> Any:
    """`raw` parsed, or a 400 with `invalid` as the message (bad syntax, bad UTF-8, too deep)."""
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: deeper than the interpreter's stack allows (~1,000 levels).
        raise BadRequest(invalid) from None
    if deeper_than(value):
        raise BadRequest(f"{invalid}: nested deeper than {MAX_DEPTH} levels")
    return value
