"""Route groups: one per Lambda function (`functions/<group>.py` imports its blueprint directly).

A Lambda imports only its own group's module, so a handler that touches no AWS never imports
boto3. `all_groups()` is what the local server (and the infra tests) see: every group by the
name of its function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Blueprint


def all_groups() -> dict[str, Blueprint]:
    # Imported here, not at module level: `lambdachat.web.routes.version` must not drag every
    # other route module (and boto3) into the version Lambda's cold start.
    from lambdachat.web.routes import (
        chat,
        conversation,
        create,
        files,
        log,
        media,
        memory,
        models,
        openapi,
        search,
        session,
        synthesize,
        upload_cookies,
        usage,
        version,
    )

    return {
        "version": version.bp, "models": models.models_bp, "provider_models": models.provider_models_bp,
        "providers": models.providers_bp, "conversation": conversation.bp, "files": files.bp, "chat": chat.bp,
        "upload_cookies": upload_cookies.bp, "media": media.bp, "search": search.bp, "create": create.bp,
        "synthesize": synthesize.bp, "memory": memory.bp, "usage": usage.usage_bp, "stats": usage.stats_bp,
        "log": log.bp, "openapi": openapi.bp, "session": session.bp,
    }


def blueprints(*names: str) -> list[Blueprint]:
    """Some groups by name (tests, benches): `create_app(blueprints("files", "conversation"))`."""
    groups = all_groups()
    return [groups[name] for name in names]
