"""`LAMBDACHAT_AUTH=keys`: `Authorization: Bearer <access key>` names the principal.

Lookups are cached per process for `CACHE_SECONDS` (valid and invalid keys alike), so a busy
client costs one DynamoDB read per key per interval, and a revoked key stops working within
that interval everywhere.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Mapping

from lambdachat.accesskeys.keys import KEY, hash_key
from lambdachat.accesskeys.store import DynamoKeyStore, KeyStore
from lambdachat.errors import ServiceUnavailable
from lambdachat.identity import Principal
from lambdachat.observability import logger

CACHE_SECONDS = 10  # the default of Settings.key_cache_seconds (LAMBDACHAT_KEY_CACHE_SECONDS)
CACHE_ENTRIES = 1024


def bearer_key(headers: Mapping[str, str]) -> str | None:
    scheme, _, value = headers.get("Authorization", "").strip().partition(" ")
    key = value.strip()
    return key if scheme.lower() == "bearer" and KEY.match(key) else None


class KeyAuthenticator:
    def __init__(self, store: KeyStore | None = None, *, cache_seconds: int = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, Principal | None]] = {}
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
            cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            record = self._keys().find(digest)
        except Exception as exc:
            logger.exception("access key lookup failed")
            raise ServiceUnavailable("Access keys cannot be checked right now; try again shortly") from exc
        principal = (Principal(id=record.name)
                     if record is not None and hmac.compare_digest(record.key_hash, digest) else None)
        with self._lock:
            if len(self._cache) >= CACHE_ENTRIES:
                self._cache.clear()
            self._cache[digest] = (now + self._cache_seconds, principal)
        return principal
