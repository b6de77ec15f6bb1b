"""Fetch a provider's media URL without becoming an SSRF proxy.

The address rules, DNS pinning and per-hop checks are `lambdachat.netguard`'s; this adds what a
media copy needs on top: at most a few redirects, a size cap and a deadline for the whole copy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import httpx

from lambdachat.netguard import AddressPolicy, UrlRefused, check_url, guarded_client, refusal_of

MAX_REDIRECTS = 3


class FetchRefused(Exception):
    """The URL or what it answered is not something we store; the message says why."""


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int
    timeout: float                 # the whole fetch, redirects included
    allow_private: bool = False    # loopback/private/link-local targets (local mode, tests)


@dataclass(frozen=True)
class Fetched:
    data: bytes
    content_type: str
    url: str                       # after redirects


@lru_cache(maxsize=2)
def _client(allow_private: bool) -> httpx.Client:
    return guarded_client(AddressPolicy(allow_private=allow_private), headers={"User-Agent": "lambdachat-media"},
                          follow_redirects=True, max_redirects=MAX_REDIRECTS,
                          limits=httpx.Limits(max_connections=16, max_keepalive_connections=4))


def fetch(url: str, policy: FetchPolicy) -> Fetched:
    deadline = time.monotonic() + policy.timeout
    try:
        check_url(url)
        with _client(policy.allow_private).stream("GET", url, timeout=httpx.Timeout(policy.timeout)) as response:
            if response.status_code != 200:
                raise FetchRefused(f"the media URL answered HTTP {response.status_code}")
            return Fetched(_read_capped(response, policy, deadline),
                           response.headers.get("content-type", ""), str(response.url))
    except UrlRefused as exc:
        raise FetchRefused(str(exc)) from exc
    except httpx.TooManyRedirects as exc:
        raise FetchRefused(f"more than {MAX_REDIRECTS} redirects") from exc
    except httpx.TimeoutException as exc:
        raise FetchRefused(f"no complete answer within {policy.timeout:g} s") from exc
    except httpx.HTTPError as exc:
        refused = refusal_of(exc)
        if refused is not None:
            raise FetchRefused(str(refused)) from exc
        raise FetchRefused(f"download failed ({type(exc).__name__})") from exc


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
