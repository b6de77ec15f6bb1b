"""`LAMBDACHAT_AUTH=keys`: `Authorization: Bearer <access key>` names the principal.

Lookups are cached per process for `CACHE_SECONDS` (valid and invalid keys alike), so a busy
client costs one DynamoDB read per key per interval, and a revoked key stops working within
that interval everywhere. Valid and unknown keys are kept in two separate bounded caches, each
dropping its least recently used entry when full: anyone can send unknown keys, so they must
never push the valid ones out (1,024 random keys used to clear the cache for everyone).

Without a Bearer key, a sign-in session cookie (`accesskeys.sessions`) names the principal: its
lookup is cached the same way, and it counts only while the key it was made from still
authenticates, so revoking the key ends its sessions within the same interval.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from werkzeug.http import parse_cookie

from lambdachat.accesskeys import sessions as session_ids
from lambdachat.accesskeys.keys import KEY, hash_key
from lambdachat.accesskeys.sessions import DynamoSessionStore, SessionRecord, SessionStore
from lambdachat.accesskeys.store import DynamoKeyStore, KeyStore
from lambdachat.errors import ServiceUnavailable, Unauthorized
from lambdachat.identity import Principal
from lambdachat.observability import logger

_V = TypeVar("_V")
CACHE_SECONDS = 10  # the default of Settings.key_cache_seconds (LAMBDACHAT_KEY_CACHE_SECONDS)
CACHE_ENTRIES = 1024            # valid keys: more than the principals one instance serves at once
NEGATIVE_CACHE_ENTRIES = 4096   # unknown keys: a replayed or revoked key costs no read while kept


def bearer_key(headers: Mapping[str, str]) -> str | None:
    scheme, _, value = headers.get("Authorization", "").strip().partition(" ")
    key = value.strip()
    return key if scheme.lower() == "bearer" and KEY.match(key) else None


def _bearer_scheme(headers: Mapping[str, str]) -> bool:
    return headers.get("Authorization", "").strip().lower().startswith("bearer")


class _Lru(Generic[_V]):
    """Digest -> (expires at, value or None), least recently used first out."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[str, tuple[float, _V | None]] = OrderedDict()
        self._max = max_entries

    def get(self, digest: str, now: float) -> tuple[float, _V | None] | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[0] <= now:
            del self._entries[digest]
            return None
        self._entries.move_to_end(digest)
        return entry

    def put(self, digest: str, entry: tuple[float, _V | None]) -> None:
        self._entries[digest] = entry
        self._entries.move_to_end(digest)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def pop(self, digest: str) -> None:
        self._entries.pop(digest, None)


class KeyAuthenticator:
    def __init__(self, store: KeyStore | None = None, *, sessions: SessionStore | None = None,
                 cache_seconds: int = CACHE_SECONDS, session_seconds: int = 30 * 86_400,
                 secure_cookie: bool = True, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time, cache_entries: int = CACHE_ENTRIES,
                 negative_entries: int = NEGATIVE_CACHE_ENTRIES) -> None:
        self._store = store
        self._sessions = sessions
        self._cache_seconds = cache_seconds
        self.session_seconds = session_seconds
        self.cookie_name = session_ids.cookie_name(secure_cookie)
        self.secure_cookie = secure_cookie
        self._clock = clock
        self._wall = wall_clock
        self._valid: _Lru[Principal] = _Lru(cache_entries)
        self._unknown: _Lru[Principal] = _Lru(negative_entries)
        # kept apart like keys: made-up session ids must not push the real sessions out
        self._live_sessions: _Lru[SessionRecord] = _Lru(cache_entries)
        self._unknown_sessions: _Lru[SessionRecord] = _Lru(negative_entries)
        self._lock = threading.Lock()

    def _keys(self) -> KeyStore:
        if self._store is None:   # built on first use: no boto3 until a key is presented
            self._store = DynamoKeyStore()
        return self._store

    def _session_store(self) -> SessionStore:
        if self._sessions is None:
            self._sessions = DynamoSessionStore()
        return self._sessions

    def authenticate(self, headers: Mapping[str, str]) -> Principal | None:
        if _bearer_scheme(headers):   # a Bearer credential decides alone, even a malformed one
            key = bearer_key(headers)
            return self._key_principal(hash_key(key)) if key is not None else None
        session_id = session_ids.session_id_of(parse_cookie(headers.get("Cookie", "")).get(self.cookie_name))
        return self._session_principal(session_id) if session_id is not None else None

    def _key_principal(self, digest: str) -> Principal | None:
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

    def _session_principal(self, session_id: str) -> Principal | None:
        digest = session_ids.hash_session(session_id)
        now = self._clock()
        with self._lock:
            cached = self._live_sessions.get(digest, now) or self._unknown_sessions.get(digest, now)
        if cached is not None:
            record = cached[1]
        else:
            try:
                record = self._session_store().find(digest)
            except Exception as exc:
                logger.exception("session lookup failed")
                raise ServiceUnavailable("Sessions cannot be checked right now; try again shortly") from exc
            with self._lock:
                (self._live_sessions if record is not None else self._unknown_sessions).put(
                    digest, (now + self._cache_seconds, record))
        if record is None or record.expires_at <= self._wall():
            return None
        key_principal = self._key_principal(record.key_hash)   # the key revoked: the session is over
        if key_principal is None or key_principal.id != record.name:
            return None
        return Principal(id=record.name, session=True)

    def sign_in(self, key: str) -> tuple[str, Principal]:
        """A new session for a valid access key: (the session id for the cookie, its principal)."""
        digest = hash_key(key) if KEY.match(key) else None
        principal = self._key_principal(digest) if digest is not None else None
        if digest is None or principal is None:
            raise Unauthorized("That access key is not valid (it may have been revoked)")
        session_id = session_ids.new_session_id()
        record = SessionRecord(name=principal.id, key_hash=digest,
                               expires_at=int(self._wall()) + self.session_seconds)
        self._session_store().add(session_ids.hash_session(session_id), record)
        return session_id, Principal(id=principal.id, session=True)

    def sign_out(self, cookie: str | None) -> None:
        session_id = session_ids.session_id_of(cookie)
        if session_id is None:
            return
        digest = session_ids.hash_session(session_id)
        self._session_store().remove(digest)
        with self._lock:
            self._live_sessions.pop(digest)
