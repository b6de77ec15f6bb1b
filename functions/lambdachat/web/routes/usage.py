"""Usage: POST /backend-api/v2/usage, GET /backend-api/v2/usage/<YYYY-MM-DD>, GET /backend-api/v2/stats.

The user a record belongs to is always the authenticated principal: a `user` field or an
`x-user` header sent by the client is ignored (V2 trusted the header).
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from lambdachat.args import int_arg
from lambdachat.usage.model import MAX_STATS_DAYS, parse_day, parse_usage
from lambdachat.web.args import small_json_body
from lambdachat.web.context import services

usage_bp = Blueprint("usage", __name__)
stats_bp = Blueprint("stats", __name__)


@usage_bp.post("/backend-api/v2/usage")
def handle_post_usage() -> Response:
    record = parse_usage(small_json_body(request, services().settings.usage_body_bytes))
    services().usage().record(g.principal.id, record)
    return jsonify({})


@usage_bp.get("/backend-api/v2/usage/<day>")
def handle_get_usage(day: str) -> Response:
    return jsonify(services().usage().day_records(g.principal.id, parse_day(day)))


@stats_bp.get("/backend-api/v2/stats")
def handle_get_stats() -> Response:
    days = int_arg(request.args, "days", 30, 1, MAX_STATS_DAYS)
    return jsonify(services().usage().stats(g.principal.id, days))
