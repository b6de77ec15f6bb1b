"""Adapt one route group's Flask app to Lambda events (API Gateway HTTP API v2, Function URL).

Buffered: the Lambda runtime for Python cannot stream, so the streaming routes are deployed
under the Lambda Web Adapter instead (a real HTTP server), and this adapter serves them only
as a buffered fallback.
"""

from __future__ import annotations

import os
from typing import Any

import serverless_wsgi

from lambdachat.web.app import create_app

# serverless-wsgi base64-encodes any type it does not know as text; NDJSON is text.
for _mime in ("application/x-ndjson", "text/event-stream"):
    if _mime not in serverless_wsgi.TEXT_MIME_TYPES:
        serverless_wsgi.TEXT_MIME_TYPES.append(_mime)

# HTTP API events otherwise get "/$default" as script root (wrong url_for and redirects).
os.environ.setdefault("STRIP_STAGE_PATH", "true")

LambdaHandler = Any


def make_handler(*groups: str) -> LambdaHandler:
    app = create_app(groups)

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return serverless_wsgi.handle_request(app, event, context)  # type: ignore[no-any-return]

    handler.app = app  # type: ignore[attr-defined]
    return handler
