"""POST /backend-api/v2/conversation: the streamed answer."""

from __future__ import annotations

from flask import Blueprint, Request, Response, g, request

from lambdachat.chat.request import ConversationInput, image_upload, parse_conversation
from lambdachat.chat.service import start_conversation
from lambdachat.errors import BadRequest
from lambdachat.json_input import parse_json
from lambdachat.web.access import auth_event
from lambdachat.web.args import json_body
from lambdachat.web.context import services
from lambdachat.web.streaming import stream_response

bp = Blueprint("conversation", __name__)


def read_conversation_input(req: Request) -> ConversationInput:
    if req.mimetype == "multipart/form-data":
        raw = req.form.get("json")
        if raw is None:
            raise BadRequest("A multipart conversation needs a 'json' field")
        images = [image_upload(f.filename or "", f.read()) for f in req.files.getlist("files")
                  if f.filename]
        if len(images) > 8:
            raise BadRequest("At most 8 images can be attached to one message")
        body = parse_json(raw)
    else:
        images = []
        body = json_body(req)
    return parse_conversation(body, images, header_api_key=req.headers.get("x-api-key") or None,
                              header_api_base=req.headers.get("x-api-base") or None)


@bp.post("/backend-api/v2/conversation")
@auth_event
def handle_post_conversation() -> Response:
    inp = read_conversation_input(request)
    return stream_response(start_conversation(inp, g.principal, services()), request.args.get("format"))
