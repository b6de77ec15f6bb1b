"""Making, listing and revoking access keys; what a key looks like and how it is hashed."""

from __future__ import annotations

import hashlib
import re
import secrets
import time

from lambdachat.accesskeys.store import KeyExists, KeyRecord, KeyStore
from lambdachat.errors import BadRequest, Conflict

PREFIX = "lck_"
# The name becomes the principal id: S3 key segment and DynamoDB key part, so key-safe only.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
KEY = re.compile(r"^lck_[A-Za-z0-9_-]{43}$")
RESERVED = frozenset({"anonymous"})


def hash_key(key: str) -> str:
    # 256 random bits per key: a fast hash is safe, and lets one GetItem find the key.
    return hashlib.sha256(key.encode()).hexdigest()


def check_name(name: str) -> str:
    if not NAME.match(name) or name.lower() in RESERVED:
        raise BadRequest("A key name is 1-64 letters, digits, '-' or '_' (it names the principal)")
    return name


def create_key(store: KeyStore, name: str) -> str:
    """A new key for `name`; the only time the key itself exists outside the caller's hands."""
    check_name(name)
    key = PREFIX + secrets.token_urlsafe(32)
    try:
        store.add(KeyRecord(name=name, key_hash=hash_key(key), created_at=int(time.time())))
    except KeyExists as exc:
        raise Conflict(f"A key named {name!r} exists; revoke it first") from exc
    return key


def revoke_key(store: KeyStore, name: str) -> bool:
    return store.remove(check_name(name))
