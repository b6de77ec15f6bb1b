"""The one mapping from a provider's failure to the HTTP error a route answers with.

Speech, `/create`, `/models/<provider>` and the conversation stream's `error`/`auth` event all
tell a provider failure the same way: the g4f text `"<ErrorClass>: <message>"` (the class name is
what g4f clients switch on) and one status per kind of failure. Lives beside the error tree, below
every caller, so no domain module reaches into the web layer for it.
"""

from __future__ import annotations

from lambdachat.errors import ApiError, BadRequest, NotFound, RateLimited, Unauthorized, UpstreamFailed
from lambdachat.providers.base import (
    MissingAuthError,
    ModelNotFoundError,
    ProviderError,
    RateLimitError,
    UpstreamError,
)

# An upstream that refuses a parameter the client chose (a voice, a speed, a model option)
# answers one of these: the client's mistake, not a failing upstream.
_REFUSED_PARAMETER = frozenset({400, 422})


def api_error(exc: ProviderError) -> ApiError:
    """The message is `"<ErrorClass>: <message>"` (a failure without a message repeats its class name)."""
    kind = type(exc).__name__
    message = f"{kind}: {str(exc) or kind}"
    if isinstance(exc, MissingAuthError):
        return Unauthorized(message)
    if isinstance(exc, RateLimitError):
        return RateLimited(message)
    if isinstance(exc, ModelNotFoundError):
        return NotFound(message)
    if isinstance(exc, UpstreamError) and exc.status in _REFUSED_PARAMETER:
        return BadRequest(message)
    return UpstreamFailed(message)
