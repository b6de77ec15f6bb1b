"""POST /backend-api/v2/upload_cookies: a principal's provider cookies and keys (.json, .har)."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from lambdachat.errors import BadRequest, Forbidden
from lambdachat.web.context import services

bp = Blueprint("upload_cookies", __name__)


@bp.post("/backend-api/v2/upload_cookies")
def handle_post_upload_cookies() -> Response:
    if services().settings.demo:
        # a public demo is one shared identity: an uploaded key would serve every visitor
        raise Forbidden("This is a public demo: provider keys and cookies cannot be uploaded here")
    if request.mimetype != "multipart/form-data":
        raise BadRequest("Send the file as multipart/form-data in the field 'file'")
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("No file: send it in the multipart field 'file'")
    uploads = services().uploads()
    data = upload.read(uploads.max_upload_bytes + 1)
    uploads.check_size(len(data))
    uploads.save_upload(g.principal, upload.filename or "", data)
    return jsonify("File saved")
