"""/backend-api/v2/files/<bucket_id>: upload, read (text or progress events), delete; presigned uploads.

V1 routes: POST (multipart `files`), GET (`text/plain`, or SSE with `Accept: text/event-stream`),
DELETE. V2's `GET .../stream` is the SSE read. lambdachat adds, for files over the Lambda body
limit: POST `.../uploads` (a presigned S3 POST), POST `.../uploads/<filename>/complete`, and
GET `.../status` (each file's state).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from lambdachat.errors import BadRequest
from lambdachat.files import layout
from lambdachat.files.buckets import Buckets, Incoming
from lambdachat.files.reading import Done, Failed, Loaded, LoadEvent, MediaFound
from lambdachat.flags import request_flag
from lambdachat.observability import logger
from lambdachat.shares import share_token
from lambdachat.web.args import json_body
from lambdachat.web.context import services
from lambdachat.web.sse import STREAM_HEADERS, sse_frame

bp = Blueprint("files", __name__)



def _flag(name: str, default: bool) -> bool:
    return request_flag(name, request.args.get(name), default)


def _buckets() -> Buckets:
    return services().buckets(g.principal)


def _frame(payload: dict[str, Any]) -> bytes:
    return sse_frame(payload, compact=False)   # the spacing g4f's own file events have


def _frames(events: Iterator[LoadEvent]) -> Iterator[bytes]:
    try:
        for event in events:
            if isinstance(event, Loaded):
                yield _frame({"action": "load", "size": event.total, "filename": event.name})
            elif isinstance(event, MediaFound):
                yield _frame({"action": "media", "filename": event.name})
            elif isinstance(event, Failed):
                yield _frame({"error": {"message": event.message}})
            elif isinstance(event, Done):
                yield _frame({"action": "done", "size": event.total})
    except Exception:  # the status line is gone: end with an error frame, never a cut stream
        logger.exception("reading a bucket failed")
        yield _frame({"error": {"message": "Reading the bucket failed"}})


def _event_stream(events: Iterator[LoadEvent]) -> Response:
    return Response(_frames(events), mimetype="text/event-stream", headers=STREAM_HEADERS,
                    direct_passthrough=True)


@bp.post("/backend-api/v2/files/<bucket_id>")
def handle_post_files(bucket_id: str) -> Response:
    layout.check_bucket_id(bucket_id)
    parts = request.files.getlist("files")  # over the body limit: 413 here, before anything is stored
    if not parts:
        raise BadRequest("Send the files as multipart/form-data, field 'files'")
    result = _buckets().upload(bucket_id, [Incoming(p.filename or "", p.stream) for p in parts])
    return jsonify(result.body())


@bp.get("/backend-api/v2/files/<bucket_id>")
def handle_get_files(bucket_id: str) -> Response:
    delete_files = _flag("delete_files", True)
    _flag("refine_chunks_with_spacy", False)  # validated; spaCy refinement is not part of this build
    events = _buckets().read(bucket_id, delete_files=delete_files)
    if "text/event-stream" in request.headers.get("Accept", ""):
        return _event_stream(events)
    text = "".join(e.text for e in events if isinstance(e, Loaded))
    return Response(text, mimetype="text/plain", headers={"X-Content-Type-Options": "nosniff"})


@bp.get("/backend-api/v2/files/<bucket_id>/stream")
def handle_get_files_stream(bucket_id: str) -> Response:
    return _event_stream(_buckets().read(bucket_id, delete_files=_flag("delete_files", True)))


@bp.delete("/backend-api/v2/files/<bucket_id>")
def handle_delete_files(bucket_id: str) -> Response:
    # V1 clients revoke a share through this route: when `bucket_id` is a live share and the
    # request holds its owner token, the share goes and this answers success; otherwise the id
    # is a bucket, as it would be anyway.
    _buckets().delete(bucket_id, lambda: services().shares().revoke_if_token(bucket_id, share_token(request)))
    return jsonify({"message": "Bucket deleted successfully"})


@bp.post("/backend-api/v2/files/<bucket_id>/uploads")
def handle_post_upload(bucket_id: str) -> Response:
    body = json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("filename"), str):
        raise BadRequest("Send {\"filename\": \"...\", \"size\": bytes} as JSON")
    size = body.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise BadRequest("'size' must be a number of bytes")
    return jsonify(_buckets().presign(bucket_id, body["filename"], size))


@bp.post("/backend-api/v2/files/<bucket_id>/uploads/<filename>/complete")
def handle_post_upload_complete(bucket_id: str, filename: str) -> Response:
    record = _buckets().complete(bucket_id, filename)
    return jsonify({"bucket_id": bucket_id, **record.public()})


@bp.get("/backend-api/v2/files/<bucket_id>/status")
def handle_get_files_status(bucket_id: str) -> Response:
    records = _buckets().status(bucket_id)
    return jsonify({"bucket_id": bucket_id, "files": [r.public() for r in records]})
