"""Save a principal's uploaded cookie/key files, and find their keys when a provider is called.

Keys are per principal and never cross: the lookup is keyed by the principal that makes the
request. Each process caches a principal's merged keys briefly, so a chat does not read S3 on
every message; an upload clears this process's entry at once, other processes within
`Settings.uploaded_keys_cache_seconds`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from lambdachat.config import MB, Settings
from lambdachat.credentials.formats import EXTENSIONS, Extract, ProviderNames, parse_upload
from lambdachat.credentials.store import UploadStore
from lambdachat.errors import BadRequest, PayloadTooLarge
from lambdachat.files.layout import clean_filename, extension
from lambdachat.identity import Principal
from lambdachat.observability import logger

_CACHE_ENTRIES = 1024


class UploadedCredentials:
    """One per process (the composition root builds it): the store and the short-lived cache."""

    def __init__(self, store: UploadStore, settings: Settings, known: ProviderNames,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.known = known
        self.max_upload_bytes = settings.upload_cookies_max_bytes
        self.max_files = settings.upload_cookies_max_files
        self.max_extract_bytes = settings.upload_cookies_max_extract_bytes
        self.cache_seconds = settings.uploaded_keys_cache_seconds
        self.clock = clock
        self._cache: dict[str, tuple[float, Extract]] = {}
        self._lock = threading.Lock()

    def check_size(self, size: int) -> None:
        if size > self.max_upload_bytes:
            raise PayloadTooLarge(f"A cookie or HAR file is at most {self.max_upload_bytes // MB} MB")

    def save_upload(self, principal: Principal, filename: str, data: bytes) -> str:
        """Validate and store one upload; returns the name it is stored under."""
        if not filename.strip():
            raise BadRequest("No selected file")
        name = clean_filename(filename)
        if extension(name) not in EXTENSIONS:
            raise BadRequest("Not supported file: upload a .json (cookies or api_key) or a .har file")
        self.check_size(len(data))
        extract = replace(parse_upload(name, data, self.known), uploaded_at=time.time_ns())
        if len(extract.to_json()) > self.max_extract_bytes:
            raise PayloadTooLarge("This file holds too many cookies; export only the sites you need")
        store = self.store
        existing = store.names(principal.id)
        if name not in existing and len(existing) >= self.max_files:
            raise BadRequest(f"At most {self.max_files} cookie/key files; upload under an existing name to replace one")
        store.save(principal.id, name, data, extract)
        with self._lock:
            self._cache.pop(principal.id, None)
        logger.info("credentials uploaded", extra={"principal": principal.id, "file": name,
                                                   "providers": sorted(extract.keys),
                                                   "cookie_domains": len(extract.cookies)})
        return name

    def _merged(self, principal: Principal) -> Extract:
        now = self.clock()
        with self._lock:
            cached = self._cache.get(principal.id)
            if cached is not None and cached[0] > now:
                return cached[1]
        keys: dict[str, str] = {}
        cookies: dict[str, dict[str, str]] = {}
        for extract in self.store.extracts(principal.id):
            keys.update(extract.keys)
            for domain, jar in extract.cookies.items():
                cookies.setdefault(domain, {}).update(jar)
        merged = Extract(keys=keys, cookies=cookies)
        with self._lock:
            if len(self._cache) >= _CACHE_ENTRIES:
                self._cache.clear()   # rare; a bounded cache matters more than keeping warm entries
            self._cache[principal.id] = (now + self.cache_seconds, merged)
        return merged

    def uploaded_api_key(self, principal: Principal, provider_name: str) -> str | None:
        """The key this principal uploaded for the provider, if any.

        A storage failure falls back to no key (the server's own, if configured), logged: a chat
        should not fail because the upload store is briefly unreachable.
        """
        if not principal.authenticated:
            return None
        try:
            return self._merged(principal).keys.get(provider_name)
        except Exception:
            logger.warning("uploaded keys unavailable", extra={"principal": principal.id}, exc_info=True)
            return None

    def uploaded_cookies(self, principal: Principal, domain: str) -> dict[str, str]:
        """Cookies this principal uploaded for a domain (for cookie-based providers)."""
        if not principal.authenticated:
            return {}
        return dict(self._merged(principal).cookies.get(domain, {}))
