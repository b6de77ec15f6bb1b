"""Client-given query values, parsed the same way everywhere: a bad value is a 400.

Below the web layer on purpose: domain modules (memory paging, usage stats) parse their
own arguments without importing Flask.
"""

from __future__ import annotations

from collections.abc import Mapping

from lambdachat.errors import BadRequest


def int_arg(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be an integer") from None
    if not low <= value <= high:
        raise BadRequest(f"'{name}' must be between {low} and {high}")
    return value
