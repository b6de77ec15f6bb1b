"""GET /backend-api/v2/version."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from lambdachat import __version__
from lambdachat.versioning import latest_version
from lambdachat.web.access import public
from lambdachat.web.context import services

bp = Blueprint("version", __name__)


@bp.get("/backend-api/v2/version")
@public
def handle_get_version() -> Response:
    return jsonify({"version": __version__, "latest_version": latest_version(services().settings.release_feed)})
