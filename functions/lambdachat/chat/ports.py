"""What a conversation turn needs from the app, as a protocol: `lambdachat.wiring.Services` is one.

A protocol (not an import of `wiring`) keeps the chat package below the composition root.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lambdachat.files.buckets import Buckets
    from lambdachat.identity import Principal
    from lambdachat.media.store import ObjectStore
    from lambdachat.providers.base import Credentials, Provider
    from lambdachat.providers.registry import Registry
    from lambdachat.usage.service import UsageService
    from lambdachat.websearch.service import WebSearch


class ChatPorts(Protocol):
    def providers(self) -> Registry: ...

    def credentials(self, provider: Provider, api_key: str | None, api_base: str | None,
                    principal: Principal | None = None) -> Credentials: ...

    def buckets(self, principal: Principal) -> Buckets: ...

    def usage(self) -> UsageService: ...

    def media_store(self) -> ObjectStore: ...

    def web_search(self) -> WebSearch: ...
