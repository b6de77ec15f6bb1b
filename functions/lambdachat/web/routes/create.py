"""GET|POST /backend-api/v2/create: a one-shot answer as text/plain (query, form or JSON body)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Request, Response, g, request

from lambdachat.create.answer import Answer, AnswerCache, collect, events_for, stream_text
from lambdachat.create.params import parse_create
from lambdachat.errors import BadRequest
from lambdachat.web.args import json_body
from lambdachat.web.context import services

bp = Blueprint("create", __name__)

TEXT_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def _values(req: Request) -> dict[str, Any]:
    values: dict[str, Any] = dict(req.args.items())
    if req.method == "POST":
        if req.is_json:
            body = json_body(req)
            if not isinstance(body, dict):
                raise BadRequest("The request body must be a JSON object")
            values.update(body)
        else:
            values.update(req.form.items())
    return values


def _text(text: str, cache_state: str | None = None) -> Response:
    response = Response(text, mimetype="text/plain", headers=TEXT_HEADERS)
    if cache_state:
        response.headers["X-Cache"] = cache_state
    return response


def _answer(answer: Answer, cache_state: str | None = None) -> Response:
    if answer.redirect:
        return Response(status=302, headers={"Location": answer.redirect, "Cache-Control": "no-store"})
    return _text(answer.text, cache_state)


@bp.route("/backend-api/v2/create", methods=["GET", "POST"])
def handle_create() -> Response:
    params = parse_create(_values(request))
    svc = services()
    cache = (AnswerCache(svc.media_store(), g.principal, svc.settings.create_cache_seconds)
             if params.cache else None)
    if cache is not None and (hit := cache.get(params)) is not None:
        return _text(hit, "hit")
    events = events_for(params, g.principal, request.headers.get("x-api-key") or None,
                        request.headers.get("x-api-base") or None, svc)
    if params.stream and cache is None and not params.filter_markdown:
        streamed = stream_text(events)
        if isinstance(streamed, Answer):
            return _answer(streamed)
        # Werkzeug encodes each piece as it comes and closes `streamed` when the client goes
        # away, which stops the provider.
        return Response(streamed, mimetype="text/plain", headers={**TEXT_HEADERS, "X-Accel-Buffering": "no"})
    answer = collect(events, params)
    if cache is not None and answer.redirect is None:
        cache.put(params, answer.text)
    return _answer(answer, "miss" if cache is not None else None)
