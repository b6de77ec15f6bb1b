"""An in-memory provider for route and service tests: scripted events, observable closing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from lambdachat.providers.base import (
    ChatRequest,
    Credentials,
    ModelInfo,
    Provider,
    ProviderError,
    ProviderEvent,
)
from lambdachat.providers.registry import Registry, builtin_providers

from tests.apps import override

Script = Sequence[ProviderEvent | ProviderError]


@dataclass
class FakeProvider(Provider):
    """Yields `script` in order; a ProviderError in the script is raised at that point."""

    name: str = "Fake"
    label: str = "Fake provider"
    needs_auth: bool = False
    script: Script = ()
    models: tuple[str, ...] = ("fake-model",)
    requests: list[ChatRequest] = field(default_factory=list)
    closed: bool = False
    listed_with: list[Credentials] = field(default_factory=list)
    on_list: Callable[[Credentials], list[ModelInfo]] | None = None
    window: int | None = None  # its models' context window (None: unknown, no fitting)

    def default_model(self) -> str:
        return self.models[0]

    def known_models(self) -> list[ModelInfo]:
        return [ModelInfo(m, default=i == 0) for i, m in enumerate(self.models)]

    def context_window(self, model: str) -> int | None:
        return self.window

    def list_models(self, creds: Credentials) -> list[ModelInfo]:
        self.listed_with.append(creds)
        return self.on_list(creds) if self.on_list else self.known_models()

    def stream_chat(self, request: ChatRequest) -> Iterator[ProviderEvent]:
        self.requests.append(request)
        try:
            for item in self.script:
                if isinstance(item, ProviderError):
                    raise item
                yield item
        finally:
            self.closed = True


def install(*providers: Provider, keep_real: bool = False) -> None:
    """Apps this test creates know exactly these providers (plus the real ones when asked)."""
    chosen = (*providers, *(builtin_providers() if keep_real else ()))
    override(providers=lambda settings: FakeRegistry(chosen, settings))


class FakeRegistry(Registry):
    """A registry of fakes: a fake counts as configured when it works without any key."""

    def configured_providers(self) -> list[Provider]:
        return [p for p in self.providers if p.is_configured(Credentials())]
