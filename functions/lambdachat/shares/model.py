"""What a shared conversation is, and the rules a request about one must follow.

Pure functions only (no storage, no Flask), so every rule is testable on its own. Limits are
module constants overridable by environment variables (listed in the README).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from lambdachat.config import MB, Settings
from lambdachat.errors import BadRequest, PayloadTooLarge
from lambdachat.ids import check_client_id
from lambdachat.json_input import parse_json

# Limits are settings (`Settings.share_*`). A share is the client's whole conversation; 5 MB also
# keeps one under Lambda's 6 MB payload. Bodies above `share_inline_max_bytes` go to S3 and the
# item points at them: DynamoDB refuses items over 400 KB and bills every read by the whole
# item's size, so a viewer's 5 s poll (usually a 304) should read a small item: 32 KB keeps an
# eventually consistent read at 4 read units at most.
DAY = 86_400
MIN_EXPIRES_SECONDS = 60

TOKEN_HEADER = "x-share-token"
TOKEN_COOKIE = "share_token"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,128}$")
_INTEGER = re.compile(r"^-?[0-9]{1,19}$")
_SECONDS = re.compile(r"[0-9]{1,12}")
# A bucket media URL inside a share body; the name runs as far as filename characters go (or
# their percent-encoding, as the SPA writes them), so `pic.png.webp` never also names `pic.png`.
_MEDIA_REFERENCE = re.compile(r"/files/([A-Za-z0-9][A-Za-z0-9_-]{7,63})/media/([\w.,+%-]+)")
_ENTITY_TAG = re.compile(r'^(?:W/)?"([\x21\x23-\x7e]*)"$')


@dataclass(frozen=True)
class ShareBody:
    """A validated share body: the bytes exactly as the client sent them, plus what we index."""

    raw: bytes
    etag: str
    updated: int | None


def check_share_id(share_id: str) -> str:
    return check_client_id(share_id, "share")


def check_body_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise PayloadTooLarge(f"A shared conversation is at most {max_bytes // MB} MB")


def parse_body(raw: bytes, max_bytes: int = Settings.share_max_bytes) -> ShareBody:
    check_body_size(len(raw), max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("The body must be a conversation as UTF-8 JSON") from exc
    body = parse_json(text, "The body must be a conversation as UTF-8 JSON")
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object (the conversation)")
    items = body.get("items")
    if not isinstance(items, list):
        raise BadRequest("The conversation needs an 'items' list")
    if not all(isinstance(item, dict) for item in items):
        raise BadRequest("Every entry of 'items' must be an object")
    return ShareBody(raw=raw, etag=entity_tag(raw), updated=_updated(body.get("updated")))


def _updated(value: Any) -> int | None:
    """V1 clients poll with the conversation's `updated` (ms); index it when it is a whole number."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # bool is an int to Python; DynamoDB numbers stop at 38 digits.
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**18:
        return value
    return None


def media_references(raw: bytes) -> frozenset[tuple[str, str]]:
    """Every `(bucket_id, filename)` a share body names as `/files/<bucket_id>/media/<filename>`.

    Found in the JSON's strings (after JSON unescaping, then URL decoding), matched whole:
    prose punctuation after a link is dropped (a stored filename never ends in `.,+-`).
    """
    found: set[tuple[str, str]] = set()
    for text in _strings(parse_json(raw)):
        for bucket_id, name in _MEDIA_REFERENCE.findall(text):
            found.add((bucket_id, unquote(name).rstrip(".,+-")))
    return frozenset(found)


def _strings(value: Any) -> Iterator[str]:
    stack = [value]   # iterative: a share may nest as deep as the JSON parser allowed
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def entity_tag(raw: bytes) -> str:
    """Strong and content-derived: an unchanged re-POST keeps every poller's cache valid."""
    return '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


def parse_expires(value: str | None, now: int, default_seconds: int = Settings.share_default_expires,
                  max_seconds: int = Settings.share_max_expires) -> int | None:
    """`?expires=<seconds>` or `never`; absent means the default. Returns the epoch to expire at."""
    if value is None:
        return now + default_seconds
    text = value.strip().lower()
    if text == "never":
        return None
    if not _SECONDS.fullmatch(text):  # not str.isdigit(): "²" passes it, and int("²") raises
        raise BadRequest("expires must be a number of seconds or 'never'")
    seconds = int(text)
    if not MIN_EXPIRES_SECONDS <= seconds <= max_seconds:
        raise BadRequest(f"expires must be between {MIN_EXPIRES_SECONDS} and {max_seconds} "
                         f"seconds, or 'never'")
    return now + seconds


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    if not token or not _TOKEN.match(token):
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


def if_match_holds(if_match: str, etag: str) -> bool:
    """`If-Match` (RFC 9110 13.1.1): `*` or a list of strong tags, one of them the current ETag.

    A writer sends the ETag it read, so an update made from a stale copy is refused (412)
    instead of silently replacing someone else's accepted change. Weak tags never match
    (If-Match compares strongly); an unparsable value is a client mistake (400), never
    ignored, because ignoring it would turn a conditional write into an unconditional one.
    """
    matched = False
    for part in if_match.split(","):
        candidate = part.strip()
        if candidate == "*":
            matched = True
            continue
        tag = _ENTITY_TAG.match(candidate)
        if tag is None:
            raise BadRequest("If-Match must be * or the quoted ETag of the share")
        if not candidate.startswith("W/") and candidate == etag:
            matched = True
    return matched


def not_modified(if_none_match: str | None, etag: str, updated: int | None) -> bool:
    """True when the header names the current version: our ETag, `*`, or V1's integer `updated`.

    Anything unparsable is ignored (never an error): V1 sent bare integers, browsers and
    proxies send quoted tags, and a malformed value must fall back to a normal 200.
    """
    if not if_none_match:
        return False
    for part in if_none_match.split(","):
        candidate = part.strip()
        if candidate == "*":
            return True
        tag = _ENTITY_TAG.match(candidate)
        if tag is not None:
            if f'"{tag.group(1)}"' == etag:
                return True
        elif _INTEGER.match(candidate) and updated is not None and int(candidate) == updated:
            return True
    return False
