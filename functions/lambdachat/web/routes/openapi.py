"""GET /backend-api/v2/openapi.json: the API's OpenAPI 3.1 document (public)."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Response

from lambdachat.web.access import public

bp = Blueprint("openapi", __name__)


@lru_cache(maxsize=1)
def _body() -> bytes:
    import json

    from lambdachat.web.openapi_document import document

    return json.dumps(document(), ensure_ascii=False).encode()


@bp.get("/backend-api/v2/openapi.json")
@public
def handle_get_openapi() -> Response:
    return Response(_body(), mimetype="application/json", headers={"Cache-Control": "public, max-age=300"})
