"""The `web_search` field as clients send it: a boolean, a flag string, or the query itself."""

from __future__ import annotations

from lambdachat.errors import BadRequest
from lambdachat.flags import flag_value

MAX_QUERY = 500


def web_search_value(raw: object) -> bool | str:
    """False (absent, null, "", "false"), True (true, "true", "1"), or a query string (400 when
    it is too long or not a string)."""
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    if not isinstance(raw, str):
        raise BadRequest("'web_search' must be a boolean or a query string")
    flag = flag_value(raw)
    if flag is not None or not raw.strip():
        return bool(flag)
    if len(raw) > MAX_QUERY:
        raise BadRequest(f"'web_search' is longer than {MAX_QUERY} characters")
    return raw
