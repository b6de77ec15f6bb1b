"""A provider's model list, kept for a short while when it was fetched with the server's own
credentials.

`models/<provider>` is public: without this, every anonymous request made one upstream call on
the operator's key. A list fetched with the server's key and base URL is the same for every
caller, so it is shared; a list fetched with anything a client gave (its key, its uploaded key,
its base URL) is never stored or served to anyone else, since it may depend on that account.
Failures are not kept: the next request tries again (the route's rate limit bounds that).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from lambdachat.config import Settings
from lambdachat.providers.base import Credentials, ModelInfo, Provider
from lambdachat.providers.keys import server_credentials


class ModelListCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        # provider name -> (expires at, the provider and credentials it was fetched with, the list)
        self._lists: dict[str, tuple[float, Provider, Credentials, list[ModelInfo]]] = {}
        # One fetch per provider at a time: a burst of cold requests costs one upstream call.
        self._fetching: dict[str, threading.Lock] = {}

    def models(self, provider: Provider, creds: Credentials, settings: Settings) -> list[ModelInfo]:
        """The provider's models for these credentials, from this cache when that is safe."""
        ttl_seconds = settings.model_list_cache_seconds
        if ttl_seconds <= 0 or creds.client_base_url or creds != server_credentials(provider, settings):
            return provider.list_models(creds)
        with self._lock:
            fetching = self._fetching.setdefault(provider.name, threading.Lock())
        with fetching:
            hit = self._fresh(provider, creds)
            if hit is not None:
                return hit
            models = provider.list_models(creds)
            with self._lock:
                # Keyed by the credentials too: a rotated server key must not serve the old list.
                self._lists[provider.name] = (self._clock() + ttl_seconds, provider, creds, models)
            return models

    def clear(self) -> None:
        with self._lock:
            self._lists.clear()

    def _fresh(self, provider: Provider, creds: Credentials) -> list[ModelInfo] | None:
        with self._lock:
            entry = self._lists.get(provider.name)
        if entry is None or entry[0] <= self._clock() or entry[1] is not provider or entry[2] != creds:
            return None
        return entry[3]
