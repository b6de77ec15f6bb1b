"""Which requests reach a route at all, checked first on every app by `create_app`.

1. CloudFront only (when `LAMBDACHAT_ORIGIN_SECRET` is set, as the cloud stack does): CloudFront
   adds the secret as an origin header; a caller who finds the HTTP API or a Function URL and
   calls it directly does not have it, and is refused before anything else runs. Compared in
   constant time.
2. Served host names only (`LAMBDACHAT_ALLOWED_HOSTS`): a DNS-rebinding page reaches a local
   server under the attacker's own name, and that Host is refused, so it can read nothing back.
3. No cross-site writes (issue 11 #5). A foreign page can make the browser send a form or
   `text/plain` POST (no CORS preflight) with whatever ambient authority there is; in open mode
   every caller is the local user. The rule is the one of Go's `net/http.CrossOriginProtection`
   (1.25): a browser says where a request comes from in `Sec-Fetch-Site` (every current engine)
   or at least `Origin`; `same-origin` and user-typed (`none`) requests pass, and so do the
   origins listed in `LAMBDACHAT_CORS_ORIGINS`. A request with neither header is not from a
   browser page (curl, the g4f `BackendApi` provider, the openai SDK) and passes: it carries
   its own credentials, nothing ambient. Reads need no check (the same-origin policy keeps the
   answer from the foreign page), except the GETs that spend the user's provider credit.
4. Writes signed in by a session cookie (keys mode's sign-in page, issue 16) must name this very
   origin: the browser attaches the cookie by itself, so unlike a Bearer key it proves nothing
   about the page that sent it. SameSite=Strict keeps other sites' requests from carrying it; this
   also refuses a sibling origin of the same site, a trusted CORS origin, and a write that names
   no origin at all (every browser sends Origin or Sec-Fetch-Site on a POST).
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Flask, request

from lambdachat.errors import BadRequest, Forbidden
from lambdachat.web.context import services
from lambdachat.web.security import cors_origins

ORIGIN_SECRET_HEADER = "X-Lambdachat-Origin-Secret"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# GETs that call an upstream with the caller's (in open mode: the local user's) provider key.
SPENDING_GETS = frozenset({"create.handle_create", "synthesize.handle_synthesize"})


def split_host(host: str) -> tuple[str, str | None]:
    """`name[:port]` (IPv6 in brackets) as (lower-case name, port or None)."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return name + "]", rest[1:] if rest.startswith(":") else None
    name, colon, port = host.rpartition(":")
    return (name, port) if colon else (host, None)


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Whether a Host header names this server: an entry without a port matches any port."""
    name, port = split_host(host)
    for entry in allowed:
        if entry == "*":
            return True
        want_name, want_port = split_host(entry)
        if want_port is not None and want_port != port:
            continue
        if want_name.startswith("*.") and name.endswith(want_name[1:]) and len(name) > len(want_name) - 1:
            return True
        if name == want_name:
            return True
    return False


def cross_site_refusal(method: str, endpoint: str, *, fetch_site: str | None, origin: str | None,
                       host: str, trusted: frozenset[str]) -> str | None:
    """Why a request is refused as a cross-site write, or None when it may proceed."""
    if method in SAFE_METHODS and endpoint not in SPENDING_GETS:
        return None
    if origin is not None and origin in trusted:
        return None
    if fetch_site is not None:
        if fetch_site in ("same-origin", "none"):
            return None
        return f"Cross-site request refused (Sec-Fetch-Site: {fetch_site})"
    if origin is None:
        return None  # no browser page sent this
    if origin != "null" and urlsplit(origin).netloc.lower() == host.lower():
        return None  # an older browser without Sec-Fetch-Site, on this very origin
    return "Cross-origin request refused (Origin does not match the host)"


def session_write_refusal(method: str, *, fetch_site: str | None, origin: str | None, host: str) -> str | None:
    """Why a state-changing request authenticated by a session cookie is refused, or None."""
    if method in SAFE_METHODS or fetch_site == "same-origin":
        return None
    if origin is not None and origin != "null" and urlsplit(origin).netloc.lower() == host.lower():
        return None
    return "A signed-in write must come from this site's own pages (Origin does not match the host)"


def check_session_write() -> None:
    """Called once the principal is known (`create_app`): only cookie sessions are checked."""
    reason = session_write_refusal(request.method, fetch_site=request.headers.get("Sec-Fetch-Site"),
                                   origin=request.headers.get("Origin"), host=request.host)
    if reason is not None:
        raise Forbidden(reason)


def _guard() -> None:
    settings = services().settings
    if settings.origin_secret is not None:
        given = request.headers.get(ORIGIN_SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), settings.origin_secret.encode()):
            raise Forbidden("Use the site's address: this origin answers only through the CDN")
    if not host_allowed(request.host, settings.served_hosts):
        raise BadRequest("Unknown host: add it to LAMBDACHAT_ALLOWED_HOSTS to serve it")
    reason = cross_site_refusal(request.method, request.endpoint or "",
                                fetch_site=request.headers.get("Sec-Fetch-Site"),
                                origin=request.headers.get("Origin"), host=request.host, trusted=cors_origins())
    if reason is not None:
        raise Forbidden(reason)


def install(app: Flask) -> None:
    # Before every other hook, the CORS preflight included: nothing runs for a request refused here.
    app.before_request_funcs.setdefault(None, []).insert(0, _guard)
