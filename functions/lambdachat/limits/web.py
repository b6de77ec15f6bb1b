"""The Flask side of rate limiting: who is asking, which group, and the 429 answer."""

from __future__ import annotations

import html
import ipaddress
import math
import time
from collections.abc import Callable

from flask import Flask, Request, Response, g, request

from lambdachat.config import Settings
from lambdachat.errors import BadRequest, RateLimited
from lambdachat.identity import Principal
from lambdachat.limits.buckets import BucketStore
from lambdachat.limits.rules import ENDPOINT_GROUPS, QUERY_GROUPS, Rate, limits_for
from lambdachat.observability import logger
from lambdachat.storage import keys


def _header_key(name: str) -> str:
    # How WSGI servers fold a header name: `X_Forwarded_For` and `x-forwarded-for` are one key.
    return name.lower().replace("_", "-")


def _aliases_in_event(req: Request, header: str) -> bool:
    """Whether the Lambda event (buffered functions) holds the header under another spelling too.
    serverless-wsgi folds them into one environ key and the last one wins, so a viewer's
    `cloudfront_viewer_address` could replace the one CloudFront set."""
    event = req.environ.get("serverless.event")
    headers = event.get("headers") if isinstance(event, dict) else None
    if not isinstance(headers, dict):
        return False
    return sum(1 for name in headers if _header_key(str(name)) == _header_key(header)) > 1


def address_of(value: str) -> str:
    """The IP of a `CloudFront-Viewer-Address` value: `ip:port`, IPv6 unbracketed (`2001:db8::1:443`)."""
    value = value.strip()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    host, _, _port = value.rpartition(":")
    for candidate in (host, value):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return ""


def client_ip(req: Request, header: str | None) -> str:
    """The caller's address. Without LAMBDACHAT_CLIENT_IP_HEADER: the socket peer locally, the
    event's `sourceIp` in Lambda. Behind CloudFront the peer is an edge, so the address is the one
    header CloudFront sets (`CloudFront-Viewer-Address`), in that one spelling: X-Forwarded-For is
    anyone's to extend, and a second copy or an underscore alias of the header (gunicorn's
    `header_map=dangerous` joins them with a comma; serverless-wsgi lets the last one win) is
    refused rather than guessed at. The origins accept only CloudFront (`request_guard`)."""
    if header is None:
        return req.remote_addr or ""
    value = req.headers.get(header, "")
    if "," in value or _aliases_in_event(req, header):
        raise BadRequest(f"More than one {header} header")
    return address_of(value)




def ip_bucket_name(address: str) -> str:
    """IPv4 as is; IPv6 by its /64 (one subscriber gets a whole /64 and can rotate within it)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def _buckets(group: str, principal: Principal, ip: str, settings: Settings) -> list[tuple[str, Rate]]:
    principal_rate, ip_rate = limits_for(group, settings)
    buckets: list[tuple[str, Rate]] = []
    if ip_rate is not None:
        buckets.append((keys.rate_bucket(group, "ip", ip_bucket_name(ip)), ip_rate))
    # In open mode everyone is the one principal `local`: a principal bucket would be global.
    if principal_rate is not None and principal.authenticated and settings.auth_mode != "none":
        buckets.append((keys.rate_bucket(group, "p", principal.id), principal_rate))
    return buckets


def check(store: BucketStore, settings: Settings, group: str, principal: Principal, ip: str, *,
          now_ms: int | None = None) -> float:
    """Take a token from each of the caller's buckets: 0.0 when allowed, else seconds to wait.
    Fails open: a limiter whose storage is down must not take the API down with it."""
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    for key, rate in _buckets(group, principal, ip, settings):
        try:
            wait = store.take(key, rate, now)
        except Exception:
            logger.warning("rate limit store failed; request allowed", exc_info=True,
                           extra={"group": group})
            return 0.0
        if wait > 0:
            return wait
    return 0.0


def _too_many(group: str, wait: float) -> Response | None:
    retry_after = str(max(1, math.ceil(wait)))
    message = f"Too many requests: try again in {retry_after} s"
    logger.info("rate limited", extra={"group": group, "retry_after": retry_after})
    # The V1 chat client reads a 429 on the conversation route as an HTML page (<title>, <p>).
    if group == "conversation" and "application/json" not in request.headers.get("Accept", ""):
        page = (f"<!doctype html><html><head><title>429 Too Many Requests</title></head>"
                f"<body><h1>Too Many Requests</h1><p>{html.escape(message)}</p></body></html>")
        return Response(page, status=429, mimetype="text/html", headers={"Retry-After": retry_after})
    raise RateLimited(message, headers={"Retry-After": retry_after})


def group_of(req: Request) -> str | None:
    """The rate-limit group of this request, or None when it is not limited."""
    endpoint = req.endpoint or ""
    if endpoint in ENDPOINT_GROUPS:
        return ENDPOINT_GROUPS[endpoint]
    arg, group = QUERY_GROUPS.get(endpoint, ("", ""))
    return group if arg and req.args.get(arg) else None


def install(app: Flask, settings: Settings, store: Callable[[], BucketStore]) -> None:
    """Register the hook. It must run after the principal is resolved (register it after that hook).
    `store` is called on the first limited request: no DynamoDB client before then."""

    @app.before_request
    def _rate_limit() -> Response | None:
        group = group_of(request)
        # A CORS preflight is the browser's, not a use of the route: it costs no token.
        if group is None or request.method == "OPTIONS" or not settings.rate_limits_on:
            return None
        wait = check(store(), settings, group, g.principal, client_ip(request, settings.client_ip_header))
        return _too_many(group, wait) if wait > 0 else None
