"""One mapping from a provider failure to the HTTP error speech, /create, /models and the stream tell."""

import pytest
from lambdachat.providers.api_errors import api_error
from lambdachat.providers.base import (
    MissingAuthError,
    ModelNotFoundError,
    ProviderError,
    RateLimitError,
    UpstreamDisconnected,
    UpstreamError,
    UpstreamTimeout,
)


class QuotaExceeded(RateLimitError):
    """A provider's own kind of rate limit: still a 429, under its own name."""


@pytest.mark.parametrize("exc, status, message", [
    (MissingAuthError("Invalid API key"), 401, "MissingAuthError: Invalid API key"),
    (RateLimitError("slow down (retry after 3 s)"), 429, "RateLimitError: slow down (retry after 3 s)"),
    (QuotaExceeded("daily quota"), 429, "QuotaExceeded: daily quota"),
    (ModelNotFoundError("no model gpt-9"), 404, "ModelNotFoundError: no model gpt-9"),
    (UpstreamError("voice 'x' is unknown", 400), 400, "UpstreamError: voice 'x' is unknown"),
    (UpstreamError("speed out of range", 422), 400, "UpstreamError: speed out of range"),
    (UpstreamError("bad gateway", 503), 502, "UpstreamError: bad gateway"),
    (UpstreamError("unreadable body"), 502, "UpstreamError: unreadable body"),
    (UpstreamTimeout("silent for 120 s"), 502, "UpstreamTimeout: silent for 120 s"),
    (UpstreamDisconnected("closed early"), 502, "UpstreamDisconnected: closed early"),
    (ProviderError("KeyError: 'choices'"), 502, "ProviderError: KeyError: 'choices'"),
    (RateLimitError(""), 429, "RateLimitError: RateLimitError"),
])
def test_each_provider_error_has_one_status_message_and_no_headers(exc, status, message):
    error = api_error(exc)
    assert (error.status, error.message, error.headers) == (status, message, {})
    assert error.body() == {"error": {"message": message}}
