"""/backend-api/v2/memory/<user_id>: add, list or search, and delete a user's memories.

Every memory is stored under the caller's principal and the user id, so a principal only ever
sees the memories it wrote, whatever user id it names.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Response, g, jsonify, request

from lambdachat.memory.model import MAX_BODY_BYTES, check_memory_id, owner_for
from lambdachat.memory.service import MemoryService, parse_paging, parse_search
from lambdachat.web.args import small_json_body

bp = Blueprint("memory", __name__)


@lru_cache(maxsize=1)
def memory_service() -> MemoryService:
    """One per process, so the per-user snapshot cache survives between requests of a warm container."""
    from lambdachat.memory.aws import DynamoMemoryStore

    return MemoryService(DynamoMemoryStore())


@bp.post("/backend-api/v2/memory/<user_id>")
def handle_post_memory(user_id: str) -> Response:
    owner = owner_for(g.principal.id, user_id)
    return jsonify({"count": memory_service().add(owner, small_json_body(request, MAX_BODY_BYTES))})


@bp.get("/backend-api/v2/memory/<user_id>")
def handle_get_memory(user_id: str) -> Response:
    owner = owner_for(g.principal.id, user_id)
    if "search" in request.args:
        query, limit = parse_search(request.args)
        return jsonify(memory_service().search(owner, query, limit))
    page, page_size = parse_paging(request.args)
    return jsonify(memory_service().page(owner, page, page_size))


@bp.delete("/backend-api/v2/memory/<user_id>/<memory_id>")
def handle_delete_memory(user_id: str, memory_id: str) -> Response:
    owner = owner_for(g.principal.id, user_id)
    memory_service().delete(owner, check_memory_id(memory_id))
    return jsonify({"message": "Memory deleted successfully", "id": memory_id})


@bp.delete("/backend-api/v2/memory/<user_id>")
def handle_delete_memories(user_id: str) -> Response:
    owner = owner_for(g.principal.id, user_id)
    count = memory_service().delete_all(owner)
    return jsonify({"message": "Memories deleted successfully", "count": count})
