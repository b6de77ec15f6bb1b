"""The Flask app factory shared by every Lambda function and the local server.

`create_app([version.bp])` is what the version Lambda runs (`functions/version.py`);
`create_app()` (every route group) is the local server. `services` is the composition root
(`lambdachat.wiring`), built from the process's settings unless a caller (a test) passes one.
Cross-cutting concerns live here once: request ids, the principal, the body size limit and the
JSON error shape.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import cast

from flask import Blueprint, Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from lambdachat import limits
from lambdachat.errors import ApiError, Unauthorized
from lambdachat.identity import resolve_principal
from lambdachat.json_input import parse_json
from lambdachat.observability import logger
from lambdachat.storage.faults import unavailable
from lambdachat.web import request_guard, security
from lambdachat.web.context import EXTENSION
from lambdachat.web.forms import LimitedRequest
from lambdachat.wiring import Services

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"error": {"message": message}})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


class _AuthEvent(Unauthorized):
    """A 401 for a client that reads only stream lines (`web.access.auth_event`)."""


def auth_event_response(message: str) -> Response:
    # One NDJSON line that is also the contract's error body: the V1 page renders the `auth` event
    # ("An error occured: ..."), JSON clients read `error.message` as from any other 401.
    body = {"type": "auth", "auth": "MissingAuthError", "message": message, "error": {"message": message}}
    return Response(json.dumps(body, ensure_ascii=False) + "\n", status=401, mimetype="application/json")


def _headers() -> Mapping[str, str]:
    # werkzeug's Headers is a case-insensitive mapping in all but its type stubs.
    return cast("Mapping[str, str]", request.headers)


def _request_id() -> str:
    given = request.headers.get("x-request-id", "")
    if _REQUEST_ID.match(given):
        return given
    context = request.environ.get("serverless.context")
    aws_id = getattr(context, "aws_request_id", None) or _web_adapter_request_id()
    return aws_id if isinstance(aws_id, str) and _REQUEST_ID.match(aws_id) else uuid.uuid4().hex


def _web_adapter_request_id() -> str | None:
    """Under the Lambda Web Adapter the invocation's context arrives as a JSON header."""
    raw = request.headers.get("x-amzn-lambda-context")
    if not raw:
        return None
    try:
        value = parse_json(raw).get("request_id")
    except (ApiError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def create_app(blueprints: Iterable[Blueprint] | None = None, services: Services | None = None) -> Flask:
    services = services or Services()
    settings = services.settings
    app = Flask("lambdachat", static_folder=None)
    app.extensions[EXTENSION] = services
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.config["MAX_FORM_PARTS"] = settings.max_form_parts
    app.request_class = LimitedRequest  # a 413 from a multipart body names the limit it broke
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    authenticator = services.authenticator()

    if blueprints is None:
        from lambdachat.web.routes import all_groups  # every route module: the local server only

        blueprints = all_groups().values()
    for blueprint in blueprints:
        app.register_blueprint(blueprint)

    @app.before_request
    def _before() -> None:
        g.request_id = _request_id()
        g.started = time.perf_counter()
        logger.thread_safe_append_keys(request_id=g.request_id)
        view = app.view_functions.get(request.endpoint or "")
        try:
            g.principal = resolve_principal(authenticator, _headers(),
                                            public=bool(getattr(view, "public", False)))
        except Unauthorized as exc:
            if getattr(view, "auth_event", False):
                raise _AuthEvent(exc.message) from exc
            raise
        if g.principal.session:
            request_guard.check_session_write()

    limits.install(app, settings, services.rate_store)  # after the principal hook: buckets are per principal

    security.install(app)
    request_guard.install(app)  # after security.install: it must run before the preflight hook

    @app.after_request
    def _after(response: Response) -> Response:
        response.headers["x-request-id"] = g.get("request_id", "")
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        logger.info("request", extra={"method": request.method, "path": request.path,
                                      "status": response.status_code, "ms": round(elapsed, 2)})
        return response

    @app.teardown_request
    def _teardown(_exc: BaseException | None) -> None:
        logger.thread_safe_clear_keys()

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        if isinstance(exc, _AuthEvent):
            return auth_event_response(exc.message)
        return error_response(exc.status, exc.message, exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        messages = {404: "Not found", 405: "Method not allowed",
                    413: f"Request body is larger than {settings.max_request_bytes // (1024 * 1024)} MB"}
        return error_response(status, messages.get(status, exc.description or exc.name))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        busy = unavailable(exc)  # storage throttled or down after botocore's retries: 503, not 500
        if busy is not None:
            logger.warning("storage unavailable", exc_info=True)
            return error_response(busy.status, busy.message, busy.headers)
        logger.exception("unhandled error")
        return error_response(500, "Internal server error")

    return app
