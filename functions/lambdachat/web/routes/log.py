"""POST /backend-api/v2/log: one structured log line per client report (an error or message event)."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from lambdachat.errors import BadRequest
from lambdachat.observability import logger
from lambdachat.web.args import small_json_body
from lambdachat.web.context import services

bp = Blueprint("log", __name__)



@bp.post("/backend-api/v2/log")
def handle_post_log() -> Response:
    report = small_json_body(request, services().settings.log_body_bytes)
    if not isinstance(report, dict):
        raise BadRequest("The body must be a JSON object (the error or message event plus provider)")
    # One JSON line, whatever the report holds: newlines cannot forge extra lines, and the
    # logger's filter masks anything that looks like a key.
    logger.warning("client log", extra={"origin": request.headers.get("Origin"),
                                        "principal": g.principal.id, "report": report})
    return jsonify({})
