"""GET, POST, DELETE /backend-api/v2/chat/<share_id>: shared conversations."""

from __future__ import annotations

import time

from flask import Blueprint, Response, g, jsonify, request

from lambdachat.shares import share_token
from lambdachat.shares.model import TOKEN_COOKIE, check_body_size, check_share_id, not_modified
from lambdachat.web.access import public
from lambdachat.web.args import require_json
from lambdachat.web.context import services

bp = Blueprint("chat", __name__)

SHARE = "/backend-api/v2/chat/<share_id>"
ROBOTS = {"X-Robots-Tag": "noindex, nofollow"}
COOKIE_MAX_AGE_NEVER = 400 * 86_400   # browsers cap cookie lifetimes at 400 days


def _cookie_paths(share_id: str) -> tuple[str, ...]:
    # The V1 client revokes through files/<id>, so the cookie must reach that path too.
    root = request.script_root
    return (f"{root}/backend-api/v2/chat/{share_id}", f"{root}/backend-api/v2/files/{share_id}")


def _set_token_cookies(response: Response, share_id: str, token: str, expires_at: int | None) -> None:
    max_age = COOKIE_MAX_AGE_NEVER if expires_at is None else max(0, expires_at - int(time.time()))
    secure = not services().settings.local
    for path in _cookie_paths(share_id):
        response.set_cookie(TOKEN_COOKIE, token, max_age=max_age, path=path, secure=secure,
                            httponly=True, samesite="Strict")


@bp.get(SHARE)
@public
def handle_get_share(share_id: str) -> Response:
    service = services().shares()
    item = service.fetch(share_id)
    headers = {**ROBOTS, "ETag": item.etag, "Cache-Control": "no-cache"}
    if not_modified(request.headers.get("If-None-Match"), item.etag, item.updated):
        return Response(status=304, headers=headers)
    item, body = service.body(item)
    headers["ETag"] = item.etag
    return Response(body, mimetype="application/json", headers=headers)


@bp.post(SHARE)
def handle_post_share(share_id: str) -> Response:
    check_share_id(share_id)
    require_json(request)
    service = services().shares()
    check_body_size(request.content_length or 0, service.settings.share_max_bytes)
    saved = service.save(share_id, request.get_data(cache=False), token=share_token(request),
                         expires=request.args.get("expires"), owner=g.principal.id,
                         if_match=request.headers.get("If-Match"))
    body: dict[str, object] = {"share_id": saved.share_id, "expires_at": saved.expires_at}
    if saved.owner_token is not None:
        body["owner_token"] = saved.owner_token
    response = jsonify(body)
    response.headers.update(ROBOTS)
    response.headers["ETag"] = saved.etag   # the next conditional update can go without a GET
    if saved.owner_token is not None:
        _set_token_cookies(response, share_id, saved.owner_token, saved.expires_at)
    return response


@bp.delete(SHARE)
def handle_delete_share(share_id: str) -> Response:
    services().shares().revoke(share_id, share_token(request))
    response = jsonify({"message": "Share deleted successfully"})
    for path in _cookie_paths(share_id):
        response.delete_cookie(TOKEN_COOKIE, path=path, secure=not services().settings.local,
                               httponly=True, samesite="Strict")
    return response
