"""GET /backend-api/v2/models, /models/<provider> and /providers (V1 shapes)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from lambdachat.errors import NotFound
from lambdachat.providers import demo
from lambdachat.providers.api_errors import api_error
from lambdachat.providers.base import MissingAuthError, ProviderError
from lambdachat.web.access import public
from lambdachat.web.context import services

models_bp = Blueprint("models", __name__)
provider_models_bp = Blueprint("provider_models", __name__)
providers_bp = Blueprint("providers", __name__)


@models_bp.get("/backend-api/v2/models")
@public
def handle_get_models() -> Response:
    demo_models = services().providers().demo_models()
    if demo_models is not None:
        return jsonify(demo.describe(demo_models))
    merged: dict[str, dict[str, Any]] = {}
    for provider in services().providers().configured_providers():
        for model in provider.known_models():
            entry = merged.setdefault(model.id, {"name": model.id, "image": False, "vision": False,
                                                 "providers": []})
            entry["image"] = entry["image"] or model.image
            entry["vision"] = entry["vision"] or model.vision
            entry["providers"].append(provider.name)
    return jsonify(list(merged.values()))


@provider_models_bp.get("/backend-api/v2/models/<provider_name>")
@public
def handle_get_provider_models(provider_name: str) -> Response:
    provider = services().providers().get_provider(provider_name)
    if provider is None:
        raise NotFound(f"Provider not found: {provider_name}")
    creds = services().credentials(provider, request.headers.get("x-api-key") or None,
                                   request.headers.get("x-api-base") or None, g.principal)
    if provider.needs_auth and not creds.api_key:
        raise api_error(MissingAuthError(f"Add an API key for {provider.name}"))
    try:
        models = services().model_lists().models(provider, creds, services().settings)
    except ProviderError as exc:
        raise api_error(exc) from exc
    return jsonify([m.as_provider_model() for m in models])


@providers_bp.get("/backend-api/v2/providers")
@public
def handle_get_providers() -> Response:
    return jsonify([p.describe() for p in services().providers().all_providers()])
