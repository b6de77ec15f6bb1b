"""Response security headers and CORS, installed once on every app by `create_app`.

- Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, no framing.
- HTML (the SPA page, served locally; the CDN sends the same `page_policy()` in the cloud): a
  Content-Security-Policy without inline script or style; images and uploads may also reach the
  files bucket (presigned redirects and POSTs). Anything else: `default-src 'none'`, so a stored
  file opened directly can never run script in this origin.
- CORS only for origins listed in `LAMBDACHAT_CORS_ORIGINS` (comma or space separated, exact
  `scheme://host[:port]`; none by default). Preflights are answered before identity is
  checked (a browser never sends credentials on a preflight); a listed origin gets the V1 headers
  the g4f client sends cross-origin, a foreign one a 403 without CORS headers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

from lambdachat.errors import Forbidden
from lambdachat.web.context import services

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# V1 client headers (notes/g4f-upstream.md §11) plus lambdachat's own.
ALLOWED_HEADERS = ("authorization", "content-type", "accept", "if-none-match", "range", "x-request-id",
                   "x-api-key", "x_api_key", "x-api-base", "x_api_base", "x-user", "x_user",
                   "x-conversation-id", "x-secret", "x-recognition-language", "x-share-token")
EXPOSED_HEADERS = "x-request-id, etag, retry-after, x-cache, content-disposition"
PREFLIGHT_MAX_AGE = "600"


def _storage_origins() -> list[str]:
    """Where presigned media redirects and uploads point: the local S3 endpoint, or S3 itself."""
    endpoint = services().settings.aws_endpoint_url
    if endpoint:
        parts = urlsplit(endpoint)
        return [f"{parts.scheme}://{parts.netloc}"]
    return ["https://*.amazonaws.com"]


def page_policy() -> str:
    storage = " ".join(_storage_origins())
    return "; ".join((
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Answers embed generated images (ours, or a provider's https URL) and data/blob previews.
        f"img-src 'self' data: blob: https: {storage}",
        f"media-src 'self' data: blob: https: {storage}",
        f"connect-src 'self' {storage}",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def cors_origins() -> frozenset[str]:
    raw = services().settings.cors_origins
    return frozenset(o.strip().rstrip("/") for o in raw.replace(",", " ").split() if o.strip())


def _preflight() -> Response | None:
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    if request.url_rule is None:
        return None  # an unknown path stays a 404
    origin = request.headers.get("Origin", "")
    if origin not in cors_origins():
        raise Forbidden("Origin not allowed")
    # Every method of the path, not only the rule OPTIONS happened to match.
    methods = sorted(set(current_app.url_map.bind_to_environ(request.environ).allowed_methods()) - {"HEAD"})
    return Response(status=204, headers={
        "Access-Control-Allow-Origin": origin, "Vary": "Origin",
        "Access-Control-Allow-Methods": ", ".join(methods),
        "Access-Control-Allow-Headers": ", ".join(ALLOWED_HEADERS),
        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
    })


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if "Content-Security-Policy" not in headers:
        html = response.mimetype == "text/html"
        headers["Content-Security-Policy"] = page_policy() if html else API_POLICY
    origin = request.headers.get("Origin")
    if origin and origin in cors_origins():
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        headers.add("Vary", "Origin")
    return response


def install(app: Flask) -> None:
    # First of all before-request hooks: a preflight carries no access key, so it must be
    # answered before the principal is resolved.
    app.before_request_funcs.setdefault(None, []).insert(0, _preflight)
    app.after_request(_add_headers)
