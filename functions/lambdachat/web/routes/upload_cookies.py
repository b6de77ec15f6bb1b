"""POST /backend-api/v2/upload_cookies: a principal's provider cookies and keys (.json, .har)."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from lambdachat.credentials.uploads import MAX_UPLOAD_BYTES, save_upload
from lambdachat.errors import BadRequest, PayloadTooLarge

bp = Blueprint("upload_cookies", __name__)


@bp.post("/backend-api/v2/upload_cookies")
def handle_post_upload_cookies() -> Response:
    if request.mimetype != "multipart/form-data":
        raise BadRequest("Send the file as multipart/form-data in the field 'file'")
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("No file: send it in the multipart field 'file'")
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"A cookie or HAR file is at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    save_upload(g.principal, upload.filename or "", data)
    return jsonify("File saved")
