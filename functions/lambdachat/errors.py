"""Errors a route answers with: each maps to one status and the contract's JSON body.

Domain code raises these; the app turns them into `{"error": {"message": ...}}` so a client
mistake is never a 500 and no route formats errors by hand.
"""

from __future__ import annotations


class ApiError(Exception):
    status = 500

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"message": self.message}}


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class PreconditionFailed(ApiError):
    status = 412


class PayloadTooLarge(ApiError):
    status = 413


class UnsupportedMediaType(ApiError):
    status = 415


class RateLimited(ApiError):
    status = 429


class UpstreamFailed(ApiError):
    status = 502


class NotSupported(ApiError):
    """What g4f answers for a check a provider does not have (health of the automatic choice)."""

    status = 501


class ServiceUnavailable(ApiError):
    status = 503
