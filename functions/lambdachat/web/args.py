"""Request bodies shared by routes: a bad value is the client's mistake, so it is a 400 (or 413)."""

from __future__ import annotations

import json
from typing import Any

from flask import Request

from lambdachat.errors import BadRequest, PayloadTooLarge


def small_json_body(req: Request, max_bytes: int) -> Any:
    """The JSON body of a route with its own size limit, checked before the body is read when possible."""
    if req.content_length is not None and req.content_length > max_bytes:
        raise PayloadTooLarge(f"The body is larger than {max_bytes // 1024} KB")
    raw = req.get_data()
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"The body is larger than {max_bytes // 1024} KB")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("Invalid JSON data") from None
