"""Every provider the server knows, and which one answers when the client names none."""

from __future__ import annotations

from functools import lru_cache

from lambdachat.config import get_settings
from lambdachat.errors import NotFound
from lambdachat.providers.base import Provider
from lambdachat.providers.keys import server_credentials


@lru_cache(maxsize=1)
def all_providers() -> tuple[Provider, ...]:
    from lambdachat.providers.anthropic import Anthropic
    from lambdachat.providers.gemini import Gemini
    from lambdachat.providers.local import LocalModel
    from lambdachat.providers.openai_compat import PRESETS, OpenAICompatible

    return (*(OpenAICompatible(p) for p in PRESETS), Anthropic(), Gemini(), LocalModel())


def available_providers() -> list[Provider]:
    """The providers that exist in this deployment. In the cloud, one whose built-in base URL is a
    server on this machine (Ollama, LM Studio) would reach the function's own loopback, past the
    SSRF guard: there it exists only with a base URL the operator configured."""
    if get_settings().mode == "local":
        return list(all_providers())
    return [p for p in all_providers() if not p.machine_local or server_credentials(p).base_url]


def get_provider(name: str) -> Provider | None:
    """Exact name first (g4f clients send class names), then case-insensitively."""
    providers = available_providers()
    for provider in providers:
        if provider.name == name:
            return provider
    folded = name.casefold()
    return next((p for p in providers if p.name.casefold() == folded), None)


def configured_providers() -> list[Provider]:
    """Providers the server's own configuration makes usable, the embedded model last."""
    remote = [p for p in all_providers() if p.name != "Local" and _server_configured(p)]
    local = get_provider("Local")
    usable_local = local is not None and local.is_configured(server_credentials(local))
    return [*remote, *([local] if usable_local and local else [])]


def _server_configured(provider: Provider) -> bool:
    creds = server_credentials(provider)
    if provider.needs_auth:
        return bool(creds.api_key)
    # Keyless providers (Ollama, LM Studio, Custom) count once a base URL is set for them.
    return bool(creds.base_url)


def choose_provider(model: str, ignored: frozenset[str] = frozenset()) -> Provider:
    """Automatic choice: a configured provider that lists the model, else the first configured."""
    candidates = [p for p in configured_providers() if p.name not in ignored]
    if not candidates:
        candidates = configured_providers()
    if not candidates:
        raise NotFound("No provider is configured: set a provider's API key or install the local model")
    if model:
        for provider in candidates:
            if any(m.id == model for m in provider.known_models()):
                return provider
    return candidates[0]
