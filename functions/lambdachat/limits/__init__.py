"""Rate limits: token buckets in DynamoDB per principal and per client IP, applied by route group.

`install(app)` adds one before-request hook; routes know nothing of it. Only the endpoints in
`rules.ENDPOINT_GROUPS` pay for a bucket (one or two DynamoDB updates); every other route
does no storage call at all. Over the limit: 429 with `Retry-After`.
"""

from lambdachat.limits.web import client_ip, install

__all__ = ["client_ip", "install"]
