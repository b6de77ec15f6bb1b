"""The web app's static files, served by the local server only (in the cloud the CDN serves them).

Serves `web/dist/` (the built SPA) when it exists, else `web/` (the minimal no-build page).
Client-side routes (`/`, `/chat/...`, `/qrcode/...`, any other path that is not an API path
and not a file) get `index.html`. API prefixes never fall through to the page: an unknown
`/backend-api/...` path stays a JSON 404, and a wrong method stays a 405.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Blueprint, Response, send_from_directory
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import NotFound
from werkzeug.routing import PathConverter
from werkzeug.security import safe_join

from lambdachat.web.access import public
from lambdachat.web.context import services

# Path prefixes that belong to the API (contract: Routes); the page never answers for them.
API_PREFIXES = ("backend-api", "images", "media", "files", "search")


class SpaPathConverter(PathConverter):
    """A path that does not start with an API prefix, so those keep their own 404 and 405."""

    regex = rf"(?!(?:{'|'.join(API_PREFIXES)})(?:/|$))[^/].*?"


def web_root(configured: str | None) -> Path:
    """The directory to serve: `configured` (`LAMBDACHAT_WEB_DIR`) or the checkout's `web/`, its `dist/` first."""
    # functions/lambdachat/web/routes/spa.py -> the repository root (installed editable).
    base = Path(configured) if configured else Path(__file__).resolve().parents[4] / "web"
    dist = base / "dist"
    root = dist if (dist / "index.html").is_file() else base
    if not (root / "index.html").is_file():
        raise RuntimeError(
            f"No web app found: {root / 'index.html'} does not exist. Run from a lambdachat checkout "
            "(the package installed editable), or set LAMBDACHAT_WEB_DIR to the folder holding index.html."
        )
    return root


bp = Blueprint("spa", __name__)


def _register_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("spa", SpaPathConverter)


# Recorded before the routes below, so the converter exists when their rules are compiled.
bp.record_once(_register_converter)


def _static(root: Path, path: str) -> Response:
    response = send_from_directory(root, path)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _index(root: Path) -> Response:
    response = _static(root, "index.html")
    # The page names the current assets; it must be revalidated so a rebuild shows at once.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
@public
def handle_get_index() -> Response:
    return _index(web_root(services().settings.web_dir))


@bp.get("/<spa:path>")
@public
def handle_get_spa_path(path: str) -> Response:
    root = web_root(services().settings.web_dir)
    if any(part.startswith(".") for part in path.split("/")):
        raise NotFound()  # no dotfiles or dot-directories, even inside the web folder
    target = safe_join(str(root), path)
    if target is not None and os.path.isfile(target):
        return _static(root, path)
    if "." in path.rsplit("/", 1)[-1]:
        # A missing asset (`/app.js`) must not come back as HTML: a 404 shows the real problem.
        raise NotFound()
    return _index(root)
