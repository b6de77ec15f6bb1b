"""Storage trouble the client should retry: throttling, AWS 5xx, an unreachable endpoint.

botocore's standard retry mode (`storage.aws`) already retries these with exponential backoff
and jitter, up to 4 attempts. What still fails after that reaches the app's error handler,
which asks `unavailable()` whether it is such a fault: then the answer is 503 with
`Retry-After` instead of a 500, and the client knows to come back. botocore is imported only
when the exception already came from it.
"""

from __future__ import annotations

from lambdachat.config import get_settings
from lambdachat.errors import ServiceUnavailable

# Error codes AWS uses for "slow down" (botocore's own retry list, plus S3's SlowDown).
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
    "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException", "ServiceUnavailable",
    "InternalError", "InternalServerError", "RequestTimeout", "RequestTimeoutException",
})
# A cancelled DynamoDB transaction names why per item; these mean "try again", not "refused".
_RETRYABLE_CANCELLATIONS = frozenset({"ThrottlingError", "TransactionConflict", "ProvisionedThroughputExceeded"})


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ("" for anything else)."""
    response = getattr(exc, "response", None)
    error = response.get("Error") if isinstance(response, dict) else None
    return str(error.get("Code", "")) if isinstance(error, dict) else ""


def is_missing_object(exc: BaseException) -> bool:
    """S3 has no such key (GetObject says NoSuchKey; HeadObject, with no body, just 404)."""
    return error_code(exc) in {"NoSuchKey", "404", "NotFound"}


def is_condition_failure(exc: BaseException) -> bool:
    """A DynamoDB conditional write that was refused: the caller's expectation did not hold."""
    return error_code(exc) == "ConditionalCheckFailedException"


def unavailable(exc: BaseException) -> ServiceUnavailable | None:
    """A ServiceUnavailable for a storage fault worth retrying later, else None."""
    if not type(exc).__module__.startswith("botocore"):
        return None
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    retry = {"Retry-After": str(get_settings().unavailable_retry_after)}
    message = "Storage is busy or unreachable; try again shortly"
    if isinstance(exc, ConnectionError | HTTPClientError):  # EndpointConnectionError, timeouts, resets
        return ServiceUnavailable(message, headers=retry)
    if not isinstance(exc, ClientError):
        return None
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    reasons = {r.get("Code") for r in exc.response.get("CancellationReasons", []) if isinstance(r, dict)}
    if error.get("Code") in THROTTLING_CODES or status >= 500 or reasons & _RETRYABLE_CANCELLATIONS:
        return ServiceUnavailable(message, headers=retry)
    return None
