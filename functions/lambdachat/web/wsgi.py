"""WSGI entry for a real HTTP server serving chosen route groups.

The conversation function streams, which the Lambda Python runtime cannot do, so it runs
gunicorn under the Lambda Web Adapter (`functions/run_conversation.sh`):
`gunicorn 'lambdachat.web.wsgi:build("conversation")'`. Only the named groups' modules are
imported, which keeps that function's cold start as small as the buffered handlers'.
"""

from __future__ import annotations

from flask import Flask

from lambdachat.web.app import create_app


def build(*groups: str) -> Flask:
    """An app with these route groups (all of them when none is named)."""
    return create_app(groups or None)
