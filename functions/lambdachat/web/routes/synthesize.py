"""GET|POST /backend-api/v2/synthesize/<provider>: text to speech, the audio bytes themselves.

GET takes `text` (and `voice`, `format`, `speed`, `model`) from the query, as g4f clients
send it; POST takes the same keys as a JSON body, for text longer than a URL should carry.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from lambdachat.errors import BadRequest
from lambdachat.speech.engines import SpeechSetup, parse_request, speak
from lambdachat.web.args import json_body
from lambdachat.web.context import services

bp = Blueprint("synthesize", __name__)

# The same text gives the same audio: a week in the browser cache, as in g4f.
AUDIO_CACHE = "max-age=604800"


@bp.route("/backend-api/v2/synthesize/<provider>", methods=["GET", "POST"])
def handle_synthesize(provider: str) -> Response:
    values: dict[str, Any] = dict(request.args.items())
    if request.method == "POST":
        body = json_body(request)
        if not isinstance(body, dict):
            raise BadRequest("POST a JSON object: {\"text\": \"...\", \"voice\"?, \"format\"?}")
        values.update(body)
    speech = parse_request(values, request.headers.get("x-api-key") or None,
                           request.headers.get("x-api-base") or None)
    svc = services()
    audio = speak(provider, speech, SpeechSetup(svc.settings, svc.providers(), svc.credentials))
    return Response(audio.data, mimetype=audio.content_type, headers={
        "Cache-Control": AUDIO_CACHE, "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline"})
