"""What a route reaches for: the app's `Services` (the composition root's object for this app)."""

from __future__ import annotations

from typing import cast

from flask import current_app

from lambdachat.wiring import Services

EXTENSION = "lambdachat"


def services() -> Services:
    return cast(Services, current_app.extensions[EXTENSION])
