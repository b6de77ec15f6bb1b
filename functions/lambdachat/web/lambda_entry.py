"""Adapt one route group's Flask app to Lambda events (API Gateway HTTP API v2, Function URL).

Buffered: the Lambda runtime for Python cannot stream, so the streaming routes are deployed
under the Lambda Web Adapter instead (a real HTTP server), and this adapter serves them only
as a buffered fallback.
"""

from __future__ import annotations

import os
from typing import Any

import serverless_wsgi
from flask import Blueprint, Flask

from lambdachat.web.app import create_app

# serverless-wsgi base64-encodes any type it does not know as text; NDJSON is text.
for _mime in ("application/x-ndjson", "text/event-stream"):
    if _mime not in serverless_wsgi.TEXT_MIME_TYPES:
        serverless_wsgi.TEXT_MIME_TYPES.append(_mime)

# HTTP API events otherwise get "/$default" as script root (wrong url_for and redirects).
os.environ.setdefault("STRIP_STAGE_PATH", "true")

LambdaHandler = Any


def _cookies_for_v2(event: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
    """Payload 2.0 takes cookies in `cookies`. serverless-wsgi spreads several Set-Cookie headers
    over header-name casings instead, which HTTP API and Function URLs fold into one
    comma-joined header: the browser would then see one broken cookie (cookie dates hold commas).
    """
    headers = reply.get("headers")
    if event.get("version") != "2.0" or not isinstance(headers, dict):
        return reply
    cookies = [value for name, value in headers.items() if name.lower() == "set-cookie"]
    if cookies:
        reply["headers"] = {name: value for name, value in headers.items() if name.lower() != "set-cookie"}
        reply["cookies"] = [*reply.get("cookies", []), *cookies]
    return reply


def handler_for(*blueprints: Blueprint) -> LambdaHandler:
    """The Lambda handler of an app with these blueprints; the app itself is `handler.app`."""
    return handler_of(create_app(blueprints))


def handler_of(app: Flask) -> LambdaHandler:
    """Lambda events in, the app's answer out (what `functions/<group>.py` exports)."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return _cookies_for_v2(event, serverless_wsgi.handle_request(app, event, context))

    handler.app = app  # type: ignore[attr-defined]
    return handler
