"""Fetch a provider's media URL without becoming an SSRF proxy.

Only http(s), no credentials in the URL, no backslashes (parser differentials, g4f #3397).
The host is resolved once, every address must be public (unless the operator allows private
ones, e.g. a local image server), and the connection goes to the address that was checked,
with the original name kept for Host and TLS (SNI and certificate check), so a DNS answer that
changes between check and connect (rebinding) cannot redirect us inward. Redirects are
followed by hand, each hop checked again. The body is read up to a cap and a deadline.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

MAX_REDIRECTS = 3


class FetchRefused(Exception):
    """The URL or what it answered is not something we store; the message says why."""


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int
    timeout: float                 # the whole fetch, redirects included
    allow_private: bool = False    # loopback/private/link-local targets (tests, a local image server)


@dataclass(frozen=True)
class Fetched:
    data: bytes
    content_type: str
    url: str                       # after redirects


@lru_cache(maxsize=1)
def _client() -> httpx.Client:
    return httpx.Client(headers={"User-Agent": "lambdachat-media"}, follow_redirects=False, trust_env=False,
                        # No keep-alive: a pooled TLS connection is keyed by address, and reusing one made for
                        # another name on the same address would skip that name's certificate check.
                        limits=httpx.Limits(max_connections=16, max_keepalive_connections=0))


def _checked_address(host: str, port: int, policy: FetchPolicy) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchRefused(f"cannot resolve {host}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise FetchRefused(f"cannot resolve {host}")
    if not policy.allow_private and not all(a.is_global for a in addresses):
        raise FetchRefused(f"{host} is not a public address")
    return str(addresses[0])


def _pinned(url: str, policy: FetchPolicy) -> tuple[str, str, str]:
    """(URL with the checked address as host, Host header, TLS server name)."""
    if "\\" in url or any(ord(ch) < 33 for ch in url):
        raise FetchRefused("malformed URL")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise FetchRefused("only http(s) URLs are fetched")
    if parts.username or parts.password or not parts.hostname:
        raise FetchRefused("malformed URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchRefused("malformed URL") from exc
    address = _checked_address(parts.hostname, port, policy)
    shown = f"[{address}]" if ":" in address else address
    netloc = shown if parts.port is None else f"{shown}:{port}"
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    return pinned, parts.netloc, parts.hostname


def fetch(url: str, policy: FetchPolicy) -> Fetched:
    deadline = time.monotonic() + policy.timeout
    for _hop in range(MAX_REDIRECTS + 1):
        target, host_header, server_name = _pinned(url, policy)
        remaining = max(0.1, deadline - time.monotonic())
        try:
            with _client().stream("GET", target, headers={"Host": host_header},
                                  extensions={"sni_hostname": server_name},
                                  timeout=httpx.Timeout(remaining)) as response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("location", ""))
                    continue
                if response.status_code != 200:
                    raise FetchRefused(f"the media URL answered HTTP {response.status_code}")
                return Fetched(_read_capped(response, policy, deadline),
                               response.headers.get("content-type", ""), url)
        except httpx.TimeoutException as exc:
            raise FetchRefused(f"no complete answer within {policy.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise FetchRefused(f"download failed ({type(exc).__name__})") from exc
    raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")


def _read_capped(response: httpx.Response, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise FetchRefused(f"larger than {policy.max_bytes // (1024 * 1024)} MB")
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) > policy.max_bytes:
            raise FetchRefused(f"larger than {policy.max_bytes // (1024 * 1024)} MB")
        if time.monotonic() > deadline:  # a server trickling bytes must not hold the answer
            raise FetchRefused(f"no complete answer within {policy.timeout:g} s")
    return bytes(data)
