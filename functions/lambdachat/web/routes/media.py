"""GET /files/<bucket_id>/media/<filename>, /media/<owner>/<name>, /images/<owner>/<name>.

Bucket media belong to the caller (another principal's bucket is simply not found), or are shown
through a live share that names them (`?share=`); generated
media are public by unguessable name (see `lambdachat.media`). Streamed or redirected as
`lambdachat.media.delivery` decides.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from lambdachat.errors import NotFound, Unauthorized
from lambdachat.files.layout import check_filename, media_key
from lambdachat.media import generated
from lambdachat.media.delivery import Delivery, deliver
from lambdachat.web.access import public
from lambdachat.web.context import services

bp = Blueprint("media", __name__)

# Generated names are never reused, so a copy may be kept; bucket media can be replaced.
GENERATED_CACHE = "public, max-age=31536000, immutable"
BUCKET_CACHE = "private, max-age=300"


def as_response(delivery: Delivery) -> Response:
    if delivery.body is None:
        return Response(status=delivery.status, headers=delivery.headers)
    return Response(delivery.body.chunks, status=delivery.status, headers=delivery.headers,
                    direct_passthrough=True)


def _deliver(key: str, filename: str, cache_control: str) -> Response:
    svc = services()
    return as_response(deliver(svc.media_store(), key, filename, byte_range=request.headers.get("Range"),
                               if_none_match=request.headers.get("If-None-Match"),
                               cache_control=cache_control, settings=svc.settings))


@bp.get("/files/<bucket_id>/media/<filename>")
@public
def handle_get_bucket_media(bucket_id: str, filename: str) -> Response:
    """The caller's own bucket media; or, with `?share=<share_id>`, media that live share shows
    (public: an anonymous viewer of a shared chat sees its images)."""
    share_id = request.args.get("share")
    if share_id:
        owner = services().shares().media_owner(share_id, bucket_id, check_filename(filename))
        return _deliver(media_key(owner, bucket_id, filename), filename, BUCKET_CACHE)
    if not g.principal.authenticated:
        raise Unauthorized("A valid access key is required (Authorization: Bearer <key>), "
                           "or the share this media belongs to (?share=<share_id>)")
    return _deliver(media_key(g.principal.id, bucket_id, filename), filename, BUCKET_CACHE)


@bp.get("/media/<path:name>")
@bp.get("/images/<path:name>")
@public
def handle_get_generated_media(name: str) -> Response:
    owner, _, filename = name.partition("/")
    if not generated.is_owner_tag(owner) or not filename:
        raise NotFound("Media not found")
    check_filename(filename)
    return _deliver(generated.media_key(owner, filename), filename, GENERATED_CACHE)
