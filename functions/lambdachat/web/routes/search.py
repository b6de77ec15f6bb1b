"""GET /search/<terms>: 302 to the caller's best-matching generated media file."""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from lambdachat.media.search import find_media, parse_query
from lambdachat.storage import keys
from lambdachat.web.context import services

bp = Blueprint("search", __name__)


@bp.get("/search/<path:terms>")
def handle_get_search(terms: str) -> Response:
    query = parse_query(terms, request.args.get("skip"), request.args.get("random"), request.args.get("min"))
    location = find_media(services().media_store(), keys.owner_tag(g.principal.id), query,
                          services().settings.search_max_files)
    # `random` and new files change the answer: never cache the redirect.
    return Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})
