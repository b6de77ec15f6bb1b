"""Shared conversations: public by id, changed or revoked only with the owner token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdachat.shares.model import TOKEN_COOKIE, TOKEN_HEADER

if TYPE_CHECKING:
    from flask import Request


def share_token(request: Request) -> str | None:
    """The owner token a request carries: the header first, then the cookie scoped to the share."""
    return request.headers.get(TOKEN_HEADER) or request.cookies.get(TOKEN_COOKIE) or None
