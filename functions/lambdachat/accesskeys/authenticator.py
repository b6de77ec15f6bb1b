"""`LAMBDACHAT_AUTH=keys`: `Authorization: Bearer <access key>` names the principal.

Lookups are cached per process for `CACHE_SECONDS` (valid and invalid keys alike), so a busy
client costs one DynamoDB read per key per interval, and a revoked key stops working within
that interval everywhere. Valid and unknown keys are kept in two separate bounded caches, each
dropping its least recently used entry when full: anyone can send unknown keys, so they must
never push the valid ones out (1,024 random keys used to clear the cache for everyone).
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from lambdachat.accesskeys.keys import KEY, hash_key
from lambdachat.accesskeys.store import DynamoKeyStore, KeyStore
from lambdachat.errors import ServiceUnavailable
from lambdachat.identity import Principal
from lambdachat.observability import logger

CACHE_SECONDS = 10  # the default of Settings.key_cache_seconds (LAMBDACHAT_KEY_CACHE_SECONDS)
CACHE_ENTRIES = 1024            # valid keys: more than the principals one instance serves at once
NEGATIVE_CACHE_ENTRIES = 4096   # unknown keys: a replayed or revoked key costs no read while kept


def bearer_key(headers: Mapping[str, str]) -> str | None:
    scheme, _, value = headers.get("Authorization", "").strip().partition(" ")
    key = value.strip()
    return key if scheme.lower() == "bearer" and KEY.match(key) else None


class _Lru:
    """Digest -> (expires at, principal or None), least recently used first out."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[str, tuple[float, Principal | None]] = OrderedDict()
        self._max = max_entries

    def get(self, digest: str, now: float) -> tuple[float, Principal | None] | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[0] <= now:
            del self._entries[digest]
            return None
        self._entries.move_to_end(digest)
        return entry

    def put(self, digest: str, entry: tuple[float, Principal | None]) -> None:
        self._entries[digest] = entry
        self._entries.move_to_end(digest)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def pop(self, digest: str) -> None:
        self._entries.pop(digest, None)


class KeyAuthenticator:
    def __init__(self, store: KeyStore | None = None, *, cache_seconds: int = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic, cache_entries: int = CACHE_ENTRIES,
                 negative_entries: int = NEGATIVE_CACHE_ENTRIES) -> None:
        self._store = store
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._valid = _Lru(cache_entries)
        self._unknown = _Lru(negative_entries)
        self._lock = threading.Lock()

    def _keys(self) -> KeyStore:
        if self._store is None:   # built on first use: no boto3 until a key is presented
            self._store = DynamoKeyStore()
        return self._store

    def authenticate(self, headers: Mapping[str, str]) -> Principal | None:
        key = bearer_key(headers)
        if key is None:
            return None
        digest = hash_key(key)
        now = self._clock()
        with self._lock:
            cached = self._valid.get(digest, now) or self._unknown.get(digest, now)
        if cached is not None:
            return cached[1]
        try:
            record = self._keys().find(digest)
        except Exception as exc:
            logger.exception("access key lookup failed")
            raise ServiceUnavailable("Access keys cannot be checked right now; try again shortly") from exc
        principal = (Principal(id=record.name)
                     if record is not None and hmac.compare_digest(record.key_hash, digest) else None)
        entry = (now + self._cache_seconds, principal)
        with self._lock:
            if principal is None:
                self._valid.pop(digest)
                self._unknown.put(digest, entry)
            else:
                self._unknown.pop(digest)
                self._valid.put(digest, entry)
        return principal
