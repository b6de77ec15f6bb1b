"""Request bodies shared by routes: a bad value is the client's mistake, so it is a 400 (or 413)."""

from __future__ import annotations

from typing import Any

from flask import Request

from lambdachat.errors import PayloadTooLarge, UnsupportedMediaType
from lambdachat.json_input import parse_json


def require_json(req: Request) -> None:
    """A JSON body must say so. A `text/plain` or form body is what a foreign page can send
    without a CORS preflight; a JSON content type it cannot (issue 11 #5)."""
    if not req.is_json:
        raise UnsupportedMediaType("Send the body as JSON (Content-Type: application/json)")


def json_body(req: Request) -> Any:
    """The request's JSON body: 415 when it is not declared JSON, 400 when it is not JSON."""
    require_json(req)
    return parse_json(req.get_data())


def small_json_body(req: Request, max_bytes: int) -> Any:
    """The JSON body of a route with its own size limit, checked before the body is read when possible."""
    if req.content_length is not None and req.content_length > max_bytes:
        raise PayloadTooLarge(f"The body is larger than {max_bytes // 1024} KB")
    require_json(req)
    raw = req.get_data()
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"The body is larger than {max_bytes // 1024} KB")
    return parse_json(raw)
