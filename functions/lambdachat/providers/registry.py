"""Every provider the server knows, and which one answers when the client names none.

One `Registry` per app (`Services.providers()`); tests hand `Services` a registry of fakes.
"""

from __future__ import annotations

from collections.abc import Sequence

from lambdachat.config import Settings
from lambdachat.errors import NotFound
from lambdachat.providers import demo
from lambdachat.providers.base import Provider
from lambdachat.providers.keys import server_credentials

# The name g4f clients since 2025 send for "pick one for me" (the 2026 page's default option):
# the same automatic choice as no provider at all.
AUTOMATIC_PROVIDER = "AnyProvider"


def is_automatic(name: str) -> bool:
    return not name or name.casefold() == AUTOMATIC_PROVIDER.casefold()


def builtin_providers() -> tuple[Provider, ...]:
    from lambdachat.providers.anthropic import Anthropic
    from lambdachat.providers.gemini import Gemini
    from lambdachat.providers.local import LocalModel
    from lambdachat.providers.openai_compat import PRESETS, OpenAICompatible

    return (*(OpenAICompatible(p) for p in PRESETS), Anthropic(), Gemini(), LocalModel())


class Registry:
    """The providers that exist in this deployment. In the cloud, one whose built-in base URL is a
    server on this machine (Ollama, LM Studio) would reach the function's own loopback, past the
    SSRF guard: there it exists only with a base URL the operator configured (issue 11, #13)."""

    def __init__(self, providers: Sequence[Provider], settings: Settings) -> None:
        self.providers = tuple(p for p in providers if settings.local or not p.machine_local
                               or server_credentials(p, settings).base_url)
        self.settings = settings
        self._demo_pairs = demo.parse_demo_models(settings.demo_models) if settings.demo else []

    def all_providers(self) -> tuple[Provider, ...]:
        return self.providers

    def get_provider(self, name: str) -> Provider | None:
        """Exact name first (g4f clients send class names), then case-insensitively."""
        for provider in self.providers:
            if provider.name == name:
                return provider
        folded = name.casefold()
        return next((p for p in self.providers if p.name.casefold() == folded), None)

    def configured_providers(self) -> list[Provider]:
        """Providers the server's own configuration makes usable, the embedded model last."""
        remote = [p for p in self.providers if p.name != "Local" and self._server_configured(p)]
        local = self.get_provider("Local")
        usable_local = local is not None and local.is_configured(server_credentials(local, self.settings))
        return [*remote, *([local] if usable_local and local else [])]

    def _server_configured(self, provider: Provider) -> bool:
        creds = server_credentials(provider, self.settings)
        if provider.needs_auth:
            return bool(creds.api_key)
        # Keyless providers (Ollama, LM Studio, Custom) count once a base URL is set for them.
        return bool(creds.base_url)

    def choose_provider(self, model: str, ignored: frozenset[str] = frozenset(),
                        keyed: frozenset[str] = frozenset()) -> Provider:
        """Automatic choice: a configured provider that lists the model, else the first configured.
        `keyed`: providers the client sent a key for (g4f's AnyProvider takes one per provider);
        they are candidates too, after the server's own and before the embedded model."""
        configured = self.configured_providers()
        extra = [p for p in self.providers if p.name in keyed and p not in configured]
        if extra:
            local = [p for p in configured if p.name == "Local"]
            configured = [*(p for p in configured if p.name != "Local"), *extra, *local]
        candidates = [p for p in configured if p.name not in ignored] or configured
        if not candidates:
            raise NotFound("No provider is configured: set a provider's API key or install the local model")
        if model:
            for provider in candidates:
                if any(m.id == model for m in provider.known_models()):
                    return provider
        return candidates[0]

    def demo_models(self) -> list[demo.DemoModel] | None:
        """The demo list (`LAMBDACHAT_DEMO=on`) of what this server can serve, else None."""
        if not self.settings.demo:
            return None
        return demo.demo_models(self._demo_pairs, self.configured_providers(), self.get_provider)

    def demo_choice(self, model: str) -> tuple[Provider, str] | None:
        """In demo mode, who serves a conversation that names no provider (and with which model)."""
        models = self.demo_models()
        if models is None:
            return None
        return demo.choose(models, model)
