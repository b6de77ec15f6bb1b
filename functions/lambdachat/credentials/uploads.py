"""Save a principal's uploaded cookie/key files, and find their keys when a provider is called.

Keys are per principal and never cross: the lookup is keyed by the principal that makes the
request. Each process caches a principal's merged keys briefly, so a chat does not read S3 on
every message; an upload clears this process's entry at once, other processes within
`CACHE_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from lambdachat.config import env_int
from lambdachat.credentials.formats import EXTENSIONS, Extract, extension, parse_upload
from lambdachat.credentials.store import S3UploadStore, UploadStore
from lambdachat.errors import BadRequest, PayloadTooLarge
from lambdachat.files.layout import clean_filename
from lambdachat.identity import Principal
from lambdachat.observability import logger

MAX_UPLOAD_BYTES = env_int("LAMBDACHAT_UPLOAD_COOKIES_MAX_BYTES", 5 * 1024 * 1024)
MAX_FILES = env_int("LAMBDACHAT_UPLOAD_COOKIES_MAX_FILES", 50)
MAX_EXTRACT_BYTES = env_int("LAMBDACHAT_UPLOAD_COOKIES_MAX_EXTRACT_BYTES", 1024 * 1024)
CACHE_SECONDS = env_int("LAMBDACHAT_UPLOADED_KEYS_CACHE_SECONDS", 30)
_CACHE_ENTRIES = 1024

_stores: list[UploadStore] = []     # zero or one: S3 until a test swaps in another
_cache: dict[str, tuple[float, Extract]] = {}
_lock = threading.Lock()
clock: Callable[[], float] = time.monotonic


def use_store(store: UploadStore | None) -> None:
    """Swap the storage (tests use the in-memory one); None goes back to S3."""
    with _lock:
        _stores[:] = [store] if store is not None else []
        _cache.clear()


def _current_store() -> UploadStore:
    with _lock:
        if not _stores:
            _stores.append(S3UploadStore())
        return _stores[0]


def save_upload(principal: Principal, filename: str, data: bytes) -> str:
    """Validate and store one upload; returns the name it is stored under."""
    if not filename.strip():
        raise BadRequest("No selected file")
    name = clean_filename(filename)
    if extension(name) not in EXTENSIONS:
        raise BadRequest("Not supported file: upload a .json (cookies or api_key) or a .har file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"A cookie or HAR file is at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    extract = replace(parse_upload(name, data), uploaded_at=time.time_ns())
    if len(extract.to_json()) > MAX_EXTRACT_BYTES:
        raise PayloadTooLarge("This file holds too many cookies; export only the sites you need")
    store = _current_store()
    existing = store.names(principal.id)
    if name not in existing and len(existing) >= MAX_FILES:
        raise BadRequest(f"At most {MAX_FILES} cookie/key files; upload under an existing name to replace one")
    store.save(principal.id, name, data, extract)
    with _lock:
        _cache.pop(principal.id, None)
    logger.info("credentials uploaded", extra={"principal": principal.id, "file": name,
                                               "providers": sorted(extract.keys),
                                               "cookie_domains": len(extract.cookies)})
    return name


def _merged(principal: Principal) -> Extract:
    now = clock()
    with _lock:
        cached = _cache.get(principal.id)
        if cached is not None and cached[0] > now:
            return cached[1]
    keys: dict[str, str] = {}
    cookies: dict[str, dict[str, str]] = {}
    for extract in _current_store().extracts(principal.id):
        keys.update(extract.keys)
        for domain, jar in extract.cookies.items():
            cookies.setdefault(domain, {}).update(jar)
    merged = Extract(keys=keys, cookies=cookies)
    with _lock:
        if len(_cache) >= _CACHE_ENTRIES:
            _cache.clear()   # rare; a bounded cache matters more than keeping warm entries
        _cache[principal.id] = (now + CACHE_SECONDS, merged)
    return merged


def uploaded_api_key(principal: Principal, provider_name: str) -> str | None:
    """The key this principal uploaded for the provider, if any.

    A storage failure falls back to no key (the server's own, if configured), logged: a chat
    should not fail because the upload store is briefly unreachable.
    """
    if not principal.authenticated:
        return None
    try:
        return _merged(principal).keys.get(provider_name)
    except Exception:
        logger.warning("uploaded keys unavailable", extra={"principal": principal.id}, exc_info=True)
        return None


def uploaded_cookies(principal: Principal, domain: str) -> dict[str, str]:
    """Cookies this principal uploaded for a domain (for cookie-based providers)."""
    if not principal.authenticated:
        return {}
    return dict(_merged(principal).cookies.get(domain, {}))
