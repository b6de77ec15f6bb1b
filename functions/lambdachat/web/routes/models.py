"""GET /backend-api/v2/models, /models/<provider>, /providers, /status and /health/<provider>.

V1's shapes with g4f 8.8's fields added, so the V1 page and the 2026 page (gpt4free/g4f.dev)
both pick models: the 2026 page reads `id`/`label` of a model and `active_by_default` of a
provider, and starts with the provider `AnyProvider` (the automatic choice).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from lambdachat import __version__
from lambdachat.errors import NotFound, NotSupported
from lambdachat.providers import demo, health
from lambdachat.providers.api_errors import api_error
from lambdachat.providers.base import Credentials, MissingAuthError, ModelInfo, Provider, ProviderError
from lambdachat.providers.keys import server_credentials
from lambdachat.providers.registry import is_automatic
from lambdachat.versioning import latest_version
from lambdachat.web.access import public
from lambdachat.web.context import services

models_bp = Blueprint("models", __name__)
provider_models_bp = Blueprint("provider_models", __name__)
providers_bp = Blueprint("providers", __name__)

HEALTH_CACHE_SECONDS = 300  # g4f 8.8's Cache-Control on health answers


def _merged_models(providers: list[Provider]) -> dict[str, tuple[ModelInfo, list[str]]]:
    """Every model the providers list without a network call, with the providers serving it."""
    merged: dict[str, tuple[ModelInfo, list[str]]] = {}
    for provider in providers:
        for model in provider.known_models():
            known, names = merged.setdefault(model.id, (model, []))
            merged[model.id] = (ModelInfo(model.id, vision=known.vision or model.vision,
                                          image=known.image or model.image, task=known.task), names)
            names.append(provider.name)
    return merged


@models_bp.get("/backend-api/v2/models")
@public
def handle_get_models() -> Response:
    demo_models = services().providers().demo_models()
    if demo_models is not None:
        return jsonify(demo.describe(demo_models))
    merged = _merged_models(services().providers().configured_providers())
    return jsonify([{"name": name, "image": model.image, "vision": model.vision, "providers": names}
                    for name, (model, names) in merged.items()])


@models_bp.get("/backend-api/v2/status")
@public
def handle_get_status() -> Response:
    """g4f 8.8's summary: `working_providers` are the ones usable as the server is configured,
    `total_models` the distinct models they list (g4f counts them per provider)."""
    registry = services().providers()
    configured = registry.configured_providers()
    return jsonify({"status": "ok", "uptime": "active", "version": __version__,
                    "latest_version": latest_version(services().settings.release_feed),
                    "total_providers": len(registry.all_providers()), "working_providers": len(configured),
                    "total_models": len(_merged_models(configured)),
                    "timestamp": datetime.now(UTC).isoformat(timespec="seconds")})


def _ignored() -> frozenset[str]:
    """Providers the client switched off: `x-ignored` or `?ignored=`, space-separated (g4f 8.8)."""
    return frozenset((request.headers.get("x-ignored") or request.args.get("ignored") or "").split())


def _automatic_models() -> list[dict[str, Any]]:
    """`models/AnyProvider`: what the automatic choice can answer with, without a network call.
    The 2026 page sends `x-api-key: [object Object]` here (its keys object, stringified): unused."""
    registry = services().providers()
    ignored = _ignored()
    providers = [p for p in registry.configured_providers() if p.name not in ignored]
    default = providers[0].default_model() if providers else None
    return [ModelInfo(name, default=name == default, vision=model.vision, image=model.image,
                      task=model.task).as_provider_model(count=len(names))
            for name, (model, names) in _merged_models(providers).items()]


def _provider(provider_name: str) -> Provider:
    provider = services().providers().get_provider(provider_name)
    if provider is None:
        raise NotFound(f"Provider not found: {provider_name}")
    return provider


def _credentials(provider: Provider) -> Credentials:
    return services().credentials(provider, request.headers.get("x-api-key") or None,
                                  request.headers.get("x-api-base") or None, g.principal)


@provider_models_bp.get("/backend-api/v2/models/<provider_name>")
@public
def handle_get_provider_models(provider_name: str) -> Response:
    if is_automatic(provider_name):
        return jsonify(_automatic_models())
    provider = _provider(provider_name)
    creds = _credentials(provider)
    if provider.needs_auth and not creds.api_key:
        raise api_error(MissingAuthError(f"Add an API key for {provider.name}"))
    try:
        models = services().model_lists().models(provider, creds, services().settings)
    except ProviderError as exc:
        raise api_error(exc) from exc
    return jsonify([m.as_provider_model() for m in models])


@provider_models_bp.get("/backend-api/v2/health/<provider_name>")
@public
def handle_get_health(provider_name: str) -> Response:
    if is_automatic(provider_name):  # g4f 8.8: AnyProvider has no health of its own
        raise NotSupported("Health check not supported")
    provider = _provider(provider_name)
    creds = _credentials(provider)
    settings = services().settings
    try:
        result = health.probe(provider, creds, services().model_lists(), settings)
    except MissingAuthError as exc:
        raise api_error(exc) from exc
    response = jsonify(result)
    # Shared caches may keep only what the server's own credentials found.
    shared = creds == server_credentials(provider, settings)
    response.headers["Cache-Control"] = f"{'public' if shared else 'private'}, max-age={HEALTH_CACHE_SECONDS}"
    return response


@providers_bp.get("/backend-api/v2/providers")
@public
def handle_get_providers() -> Response:
    registry = services().providers()
    active = {p.name for p in registry.configured_providers()}
    return jsonify([p.describe(active=p.name in active) for p in registry.all_providers()])
