"""POST /backend-api/v2/log: one structured log line per client report (an error or message event)."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from lambdachat.config import env_int
from lambdachat.errors import BadRequest
from lambdachat.observability import logger
from lambdachat.web.args import small_json_body

bp = Blueprint("log", __name__)

MAX_BODY_BYTES = env_int("LAMBDACHAT_LOG_BODY_BYTES", 16 * 1024)


@bp.post("/backend-api/v2/log")
def handle_post_log() -> Response:
    report = small_json_body(request, MAX_BODY_BYTES)
    if not isinstance(report, dict):
        raise BadRequest("The body must be a JSON object (the error or message event plus provider)")
    # One JSON line, whatever the report holds: newlines cannot forge extra lines, and the
    # logger's filter masks anything that looks like a key.
    logger.warning("client log", extra={"origin": request.headers.get("Origin"),
                                        "principal": g.principal.id, "report": report})
    return jsonify({})
