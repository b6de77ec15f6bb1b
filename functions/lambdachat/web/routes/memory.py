"""/backend-api/v2/memory/<user_id>: add, list or search, and delete a user's memories.

Every memory is stored under the caller's principal and the user id, so a principal only ever
sees the memories it wrote, whatever user id it names.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from lambdachat.memory.model import check_memory_id, owner_for
from lambdachat.memory.service import parse_paging, parse_search
from lambdachat.web.args import small_json_body
from lambdachat.web.context import services

bp = Blueprint("memory", __name__)


@bp.post("/backend-api/v2/memory/<user_id>")
def handle_post_memory(user_id: str) -> Response:
    owner = owner_for(g.principal.id, user_id)
    body = small_json_body(request, services().settings.memory_body_bytes)
    return jsonify({"count": services().memory().add(owner, body)})


@bp.get("/backend-api/v2/memory/<user_id>")
def handle_get_memory(user_id: str) -> Response:
    owner = owner_for(g.principal.id, user_id)
    if "search" in request.args:
        query, limit = parse_search(request.args)
        return jsonify(services().memory().search(owner, query, limit))
    page, page_size = parse_paging(request.args)
    return jsonify(services().memory().page(owner, page, page_size))


@bp.delete("/backend-api/v2/memory/<user_id>/<memory_id>")
def handle_delete_memory(user_id: str, memory_id: str) -> Response:
    owner = owner_for(g.principal.id, user_id)
    services().memory().delete(owner, check_memory_id(memory_id))
    return jsonify({"message": "Memory deleted successfully", "id": memory_id})


@bp.delete("/backend-api/v2/memory/<user_id>")
def handle_delete_memories(user_id: str) -> Response:
    owner = owner_for(g.principal.id, user_id)
    count = services().memory().delete_all(owner)
    return jsonify({"message": "Memories deleted successfully", "count": count})
