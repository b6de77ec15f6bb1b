"""Sign-in sessions: how a browser client that cannot send `Authorization` (the V1 page) gets in.

The sign-in page trades an access key, once, for a session cookie. The cookie is a fresh random
id, never the key: only its hash is stored (shapes: `lambdachat.storage.keys.session`), with the
name and the hash of the key it came from, so the session is exactly as alive as that key is.

    pk=session#<sha256 of the session id>   sk=session   name, key_hash, expires_at (TTL)

A session stands only while its key does: every use checks the key through the authenticator's
key cache, so revoking a key ends all its sessions within `LAMBDACHAT_KEY_CACHE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from dataclasses import dataclass
from typing import Protocol

from lambdachat.storage import aws, keys
from lambdachat.storage.dynamo import typed
from lambdachat.storage.resources import MAIN_TABLE

PREFIX = "lcs_"
SESSION_ID = re.compile(r"^lcs_[A-Za-z0-9_-]{43}$")
COOKIE = "lambdachat_session"
# `__Host-` (only where the cookie is Secure): a browser takes it only from this very host, over
# https, for Path=/ and without Domain, so a sibling subdomain cannot plant a session of its own.
SECURE_COOKIE = "__Host-" + COOKIE


def cookie_name(secure: bool) -> str:
    return SECURE_COOKIE if secure else COOKIE


def new_session_id() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_session(session_id: str) -> str:
    # 256 random bits, like an access key: a fast hash is safe and one GetItem finds it.
    return hashlib.sha256(session_id.encode()).hexdigest()


def session_id_of(cookie: str | None) -> str | None:
    """A well-formed session id from the cookie's value, else None (no lookup for junk)."""
    return cookie if cookie is not None and SESSION_ID.match(cookie) else None


@dataclass(frozen=True)
class SessionRecord:
    name: str          # the principal, as on the key
    key_hash: str      # the key it was signed in with: the session ends with it
    expires_at: int    # epoch seconds


class SessionStore(Protocol):
    def find(self, session_hash: str) -> SessionRecord | None: ...

    def add(self, session_hash: str, record: SessionRecord) -> None: ...

    def remove(self, session_hash: str) -> None: ...


class InMemorySessionStore:
    def __init__(self) -> None:
        self._sessions: dict[str, SessionRecord] = {}
        self._lock = threading.Lock()

    def find(self, session_hash: str) -> SessionRecord | None:
        with self._lock:
            return self._sessions.get(session_hash)

    def add(self, session_hash: str, record: SessionRecord) -> None:
        with self._lock:
            self._sessions[session_hash] = record

    def remove(self, session_hash: str) -> None:
        with self._lock:
            self._sessions.pop(session_hash, None)


class DynamoSessionStore:
    def find(self, session_hash: str) -> SessionRecord | None:
        item = aws.client("dynamodb").get_item(TableName=MAIN_TABLE.name, Key=typed(keys.session(session_hash)),
                                               ConsistentRead=True).get("Item")
        if item is None:
            return None
        return SessionRecord(name=item["name"]["S"], key_hash=item["key_hash"]["S"],
                             expires_at=int(item["expires_at"]["N"]))

    def add(self, session_hash: str, record: SessionRecord) -> None:
        aws.client("dynamodb").put_item(TableName=MAIN_TABLE.name, Item={
            **typed(keys.session(session_hash)), "name": {"S": record.name},
            "key_hash": {"S": record.key_hash}, "expires_at": {"N": str(record.expires_at)}})

    def remove(self, session_hash: str) -> None:
        aws.client("dynamodb").delete_item(TableName=MAIN_TABLE.name, Key=typed(keys.session(session_hash)))
