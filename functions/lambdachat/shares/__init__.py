"""Shared conversations: public by id, changed or revoked only with the owner token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdachat.shares.model import TOKEN_COOKIE, TOKEN_HEADER

if TYPE_CHECKING:
    from flask import Request


def share_token(request: Request) -> str | None:
    """The owner token a request carries: the header first, then the cookie scoped to the share."""
    return request.headers.get(TOKEN_HEADER) or request.cookies.get(TOKEN_COOKIE) or None


def revoke_share_if_token(share_id: str, request: Request) -> bool:
    """Called first by `DELETE /backend-api/v2/files/<id>` (V1 clients revoke shares that way).

    True when `share_id` is a live share and the request holds its token: the share is gone
    and the files route answers success. False in every other case (no token, not a share,
    someone else's share): the files route then treats the id as a bucket, as it would anyway.
    """
    token = share_token(request)
    if not token:
        return False
    from lambdachat.shares.service import default_service

    return default_service().revoke_if_token(share_id, token)
