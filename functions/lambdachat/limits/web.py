"""The Flask side of rate limiting: who is asking, which group, and the 429 answer."""

from __future__ import annotations

import html
import ipaddress
import math
import time
from functools import lru_cache

from flask import Flask, Request, Response, g, request

from lambdachat.config import get_settings
from lambdachat.errors import RateLimited
from lambdachat.identity import Principal
from lambdachat.limits.buckets import BucketStore, DynamoBuckets
from lambdachat.limits.rules import ENDPOINT_GROUPS, QUERY_GROUPS, Rate, enabled, limits_for, trusted_proxy_hops
from lambdachat.observability import logger

_stores: list[BucketStore] = []  # a test's store, when one is swapped in


@lru_cache(maxsize=1)
def _default_store() -> BucketStore:
    return DynamoBuckets()


def use_store(store: BucketStore | None) -> None:
    """Swap the bucket store (tests); None restores DynamoDB."""
    _stores[:] = [store] if store is not None else []


def client_ip(req: Request) -> str:
    """The caller's address. In Lambda, serverless-wsgi puts the event's
    `requestContext.http.sourceIp` in REMOTE_ADDR; locally it is the socket peer. X-Forwarded-For
    is anyone's to write, so it counts only with LAMBDACHAT_TRUSTED_PROXY_HOPS set: the entry that
    many hops from the right is the one our own proxy saw."""
    hops = trusted_proxy_hops()
    if hops:
        forwarded = [p.strip() for p in req.headers.get("X-Forwarded-For", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return req.remote_addr or ""


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


def _buckets(group: str, principal: Principal, ip: str) -> list[tuple[str, Rate]]:
    principal_rate, ip_rate = limits_for(group)
    buckets: list[tuple[str, Rate]] = []
    if ip_rate is not None:
        buckets.append((f"rate#{group}#ip#{ip_bucket_name(ip)}", ip_rate))
    # In open mode everyone is the one principal `local`: a principal bucket would be global.
    if principal_rate is not None and principal.authenticated and get_settings().auth_mode != "none":
        buckets.append((f"rate#{group}#p#{principal.id}", principal_rate))
    return buckets


def check(group: str, principal: Principal, ip: str, now_ms: int | None = None) -> float:
    """Take a token from each of the caller's buckets: 0.0 when allowed, else seconds to wait.
    Fails open: a limiter whose storage is down must not take the API down with it."""
    store = _stores[0] if _stores else _default_store()
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    for key, rate in _buckets(group, principal, ip):
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


def install(app: Flask) -> None:
    """Register the hook. It must run after the principal is resolved (register it after that hook)."""

    @app.before_request
    def _rate_limit() -> Response | None:
        group = group_of(request)
        # A CORS preflight is the browser's, not a use of the route: it costs no token.
        if group is None or request.method == "OPTIONS" or not enabled():
            return None
        wait = check(group, g.principal, client_ip(request))
        return _too_many(group, wait) if wait > 0 else None
