"""The composition root: every service and adapter a route uses, built from one `Settings`.

`create_app(blueprints, services)` keeps one `Services` per app; a route asks it for what it
needs (`lambdachat.web.context.services()`), never builds an adapter itself. Each adapter is
built on first use, so a Lambda whose routes touch no AWS never imports boto3, and a warm
process keeps its caches (memory snapshots, uploaded keys, access keys) between requests.

Tests pass in-memory adapters through the same door: `Services(settings, shares=..., usage=...)`.
A new service is one more `_once` accessor here, plus an override keyword.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from lambdachat.config import Settings, get_settings
from lambdachat.identity import Authenticator, OpenAuthenticator, Principal

if TYPE_CHECKING:
    from lambdachat.credentials.store import UploadStore
    from lambdachat.credentials.uploads import UploadedCredentials
    from lambdachat.files.buckets import Buckets
    from lambdachat.files.ports import BlobStore, BucketIndex
    from lambdachat.limits.buckets import BucketStore
    from lambdachat.media.store import ObjectStore
    from lambdachat.memory.service import MemoryService
    from lambdachat.providers.base import Credentials, Provider
    from lambdachat.providers.model_lists import ModelListCache
    from lambdachat.providers.registry import Registry
    from lambdachat.shares.service import ShareService
    from lambdachat.usage.service import UsageService

_T = TypeVar("_T")

OVERRIDABLE = frozenset({"authenticator", "shares", "memory", "usage", "upload_store", "uploads",
                         "rate_store", "media_store", "blobs", "bucket_index", "providers", "model_lists"})


class Services:
    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        unknown = set(overrides) - OVERRIDABLE
        if unknown:
            raise TypeError(f"Services has no {', '.join(sorted(unknown))}")
        self.settings = settings or get_settings()
        self._built: dict[str, Any] = dict(overrides)
        self._lock = threading.RLock()

    def _once(self, name: str, build: Callable[[], _T]) -> _T:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            value: _T = self._built[name]
            return value

    # ---- identity ---------------------------------------------------------------------------

    def authenticator(self) -> Authenticator:
        def build() -> Authenticator:
            if self.settings.auth_mode == "keys":
                from lambdachat.accesskeys.authenticator import KeyAuthenticator

                return KeyAuthenticator(cache_seconds=self.settings.key_cache_seconds)
            return OpenAuthenticator()
        return self._once("authenticator", build)

    # ---- providers --------------------------------------------------------------------------

    def providers(self) -> Registry:
        def build() -> Registry:
            from lambdachat.providers.registry import Registry, builtin_providers

            return Registry(builtin_providers(), self.settings)
        return self._once("providers", build)

    def provider_name(self, name: str) -> str | None:
        """This app's name for a provider (exact or case-folded), if it has one."""
        provider = self.providers().get_provider(name)
        return provider.name if provider is not None else None

    def model_lists(self) -> ModelListCache:
        """Model lists fetched with the server's own credentials, shared by this app's callers."""
        def build() -> ModelListCache:
            from lambdachat.providers.model_lists import ModelListCache

            return ModelListCache()
        return self._once("model_lists", build)

    def upload_store(self) -> UploadStore:
        def build() -> UploadStore:
            from lambdachat.credentials.store import S3UploadStore

            return S3UploadStore()
        return self._once("upload_store", build)

    def uploads(self) -> UploadedCredentials:
        def build() -> UploadedCredentials:
            from lambdachat.credentials.uploads import UploadedCredentials

            return UploadedCredentials(self.upload_store(), self.settings, self.provider_name)
        return self._once("uploads", build)

    def credentials(self, provider: Provider, api_key: str | None, api_base: str | None,
                    principal: Principal | None = None) -> Credentials:
        """One request's credentials for a provider (`providers.keys` says in which order)."""
        from lambdachat.providers.keys import request_credentials

        return request_credentials(provider, api_key, api_base, principal, uploaded=self.uploaded_key,
                                   settings=self.settings)

    def uploaded_key(self, principal: Principal, provider_name: str) -> str | None:
        """The principal's uploaded key for a provider (what `providers.keys` asks for)."""
        if not principal.authenticated:
            return None   # no S3 read for anonymous callers
        return self.uploads().uploaded_api_key(principal, provider_name)

    # ---- storage-backed services -----------------------------------------------------------

    def shares(self) -> ShareService:
        def build() -> ShareService:
            from lambdachat.shares.service import ShareService
            from lambdachat.shares.store import DynamoShareStore

            return ShareService(DynamoShareStore(inline_max=self.settings.share_inline_max_bytes,
                                                 tombstone_seconds=self.settings.share_max_expires),
                                settings=self.settings)
        return self._once("shares", build)

    def memory(self) -> MemoryService:
        def build() -> MemoryService:
            from lambdachat.memory.aws import DynamoMemoryStore
            from lambdachat.memory.model import Doc, Memory
            from lambdachat.memory.persisted import ObjectSearchSnapshots
            from lambdachat.memory.service import MemoryService, SnapshotCache

            s = self.settings
            cache: SnapshotCache[Memory] = SnapshotCache(s.memory_cache_users, s.memory_cache_docs)
            search: SnapshotCache[Doc] = SnapshotCache(s.memory_cache_users, s.memory_cache_docs)
            return MemoryService(DynamoMemoryStore(), cache, search_cache=search,
                                 persisted=ObjectSearchSnapshots(self.media_store()),
                                 max_per_user=s.memory_max_per_user, max_items=s.memory_max_items,
                                 max_item_bytes=s.memory_item_bytes)
        return self._once("memory", build)

    def usage(self) -> UsageService:
        def build() -> UsageService:
            from lambdachat.usage.aws import DynamoUsageStore
            from lambdachat.usage.service import UsageService

            return UsageService(DynamoUsageStore(retention_days=self.settings.usage_retention_days),
                                day_max_records=self.settings.usage_day_max)
        return self._once("usage", build)

    def rate_store(self) -> BucketStore:
        def build() -> BucketStore:
            from lambdachat.limits.buckets import DynamoBuckets

            return DynamoBuckets()
        return self._once("rate_store", build)

    def media_store(self) -> ObjectStore:
        def build() -> ObjectStore:
            from lambdachat.storage.s3 import S3Store

            return S3Store()
        return self._once("media_store", build)

    def blobs(self) -> BlobStore:
        def build() -> BlobStore:
            from lambdachat.storage.s3 import S3Store

            return S3Store()
        return self._once("blobs", build)

    def bucket_index(self) -> BucketIndex:
        def build() -> BucketIndex:
            from lambdachat.files.aws import DynamoBucketIndex

            return DynamoBucketIndex()
        return self._once("bucket_index", build)

    def buckets(self, principal: Principal) -> Buckets:
        from lambdachat.files.buckets import Buckets

        return Buckets(self.blobs(), self.bucket_index(), principal, self.settings)
