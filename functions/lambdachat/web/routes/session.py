"""The sign-in page of keys mode: an access key, typed once, becomes a session cookie.

For browser clients that cannot send `Authorization` (the unchanged V1 page keeps no access key):
`GET /backend-api/v2/signin` is a small form (no script, so the page's CSP holds), its POST checks
the key and sets an HttpOnly, SameSite=Strict cookie (Secure and `__Host-` outside local mode)
holding a random session id, never the key (`lambdachat.accesskeys.sessions`); `POST
/backend-api/v2/signout` ends the session. Both also take JSON (`{"key": ...}`) and answer JSON,
for the SPA and scripts. The paths live under `/backend-api/` because that is what the CDN sends
to the API; the cookie's path is `/`, so media routes see it too.
Cross-site POSTs here are refused by `request_guard` like every other write (no login CSRF).
"""

from __future__ import annotations

import html
import re

from flask import Blueprint, Response, g, jsonify, request

from lambdachat.accesskeys.authenticator import KeyAuthenticator
from lambdachat.errors import ApiError, NotFound
from lambdachat.identity import SIGN_IN_PATH
from lambdachat.web.access import public
from lambdachat.web.context import services

bp = Blueprint("session", __name__)

SIGN_OUT_PATH = "/backend-api/v2/signout"
# Where to go after signing in: a path on this site only (no `//host`, no `/\host`, no scheme).
_NEXT = re.compile(r"^/(?![/\\])[A-Za-z0-9/._~%?&=+,:@-]{0,500}$")


def _next_path(value: str | None) -> str:
    return value if value and _NEXT.match(value) else "/"


def _sessions() -> KeyAuthenticator:
    authenticator = services().authenticator()
    if not isinstance(authenticator, KeyAuthenticator):
        raise NotFound("This server uses no access keys (LAMBDACHAT_AUTH=none): there is nothing to sign in to")
    return authenticator


def _see_other(path: str) -> Response:
    return Response(status=303, headers={"Location": path})


def _wants_json() -> bool:
    return request.mimetype == "application/json"


def _page(message: str = "", *, status: int = 200, next_path: str = "/") -> Response:
    principal = g.get("principal")
    signed_in = ""
    if principal is not None and principal.session:
        signed_in = (f'<p>Signed in as <strong>{html.escape(principal.id)}</strong>.</p>'
                     f'<form method="post" action="{SIGN_OUT_PATH}"><button type="submit">Sign out</button></form>')
    notice = f'<p role="alert"><strong>{html.escape(message)}</strong></p>' if message else ""
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · lambdachat</title></head>
<body><main>
<h1>Sign in to lambdachat</h1>
<p>Paste the access key you were given. It is checked once; this browser then keeps a session
cookie (not the key) until you sign out, the session ends, or the key is revoked.</p>
{notice}{signed_in}
<form method="post" action="{SIGN_IN_PATH}">
<input type="hidden" name="next" value="{html.escape(next_path)}">
<label for="key">Access key</label>
<input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required autofocus>
<button type="submit">Sign in</button>
</form>
<p><a href="{html.escape(next_path)}">Back to the chat</a></p>
</main></body></html>
"""
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get(SIGN_IN_PATH)
@public
def handle_get_signin() -> Response:
    next_path = _next_path(request.args.get("next"))
    if not isinstance(services().authenticator(), KeyAuthenticator):
        return _page("This server uses no access keys: nothing to sign in to.", next_path=next_path)
    return _page(next_path=next_path)


@bp.post(SIGN_IN_PATH)
@public
def handle_post_signin() -> Response:
    sessions = _sessions()
    if _wants_json():
        body = request.get_json(silent=True)
        key = body.get("key") if isinstance(body, dict) else None
        next_path = "/"
    else:
        key = request.form.get("key")
        next_path = _next_path(request.form.get("next"))
    try:
        session_id, principal = sessions.sign_in(key.strip() if isinstance(key, str) else "")
    except ApiError as exc:
        if _wants_json() or exc.status != 401:
            raise
        return _page(exc.message, status=401, next_path=next_path)
    response = jsonify({"principal": principal.id}) if _wants_json() else _see_other(next_path)
    response.set_cookie(sessions.cookie_name, session_id, max_age=sessions.session_seconds, path="/",
                        secure=sessions.secure_cookie, httponly=True, samesite="Strict")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post(SIGN_OUT_PATH)
@public
def handle_post_signout() -> Response:
    sessions = _sessions()
    sessions.sign_out(request.cookies.get(sessions.cookie_name))
    response = jsonify({}) if _wants_json() else _see_other(SIGN_IN_PATH)
    response.delete_cookie(sessions.cookie_name, path="/", secure=sessions.secure_cookie, httponly=True,
                           samesite="Strict")
    return response
