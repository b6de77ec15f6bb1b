"""Realistic Lambda events and a LambdaContext stand-in, for invoking handlers directly.

Shapes follow what AWS sends (payload format 2.0): API Gateway HTTP API and Lambda Function
URLs share it; they differ in `routeKey`, `pathParameters` and the request context's domain
and account. Header names arrive lower-cased. A `bytes` body arrives base64-encoded with
`isBase64Encoded: true` (what both services do for a binary payload); a `str` body as is.

Kept to the standard library and cheap to import: `bench/cold_start.py` uses it too.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
HTTP_API_ID = "abc"
HTTP_API_DOMAIN = f"{HTTP_API_ID}.execute-api.{REGION}.amazonaws.com"
FUNCTION_URL_ID = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"
FUNCTION_URL_DOMAIN = f"{FUNCTION_URL_ID}.lambda-url.{REGION}.on.aws"
SOURCE_IP = "203.0.113.7"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) lambdachat-tests"

Event = dict[str, Any]


@dataclass
class LambdaContext:
    """The attributes and method of the runtime's context object that handlers may read."""

    function_name: str = "lambdachat-dev-handler"
    memory_limit_in_mb: int = 512
    timeout_ms: int = 30_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef"
    _started: float = field(default_factory=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = int((time.monotonic() - self._started) * 1000)
        return max(0, self.timeout_ms - elapsed)


def _query_parameters(raw_query: str) -> dict[str, str] | None:
    """API Gateway joins repeated keys with commas; an empty query string has no such field."""
    joined: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined or None


def _path_parameters(route: str, path: str) -> dict[str, str] | None:
    names = {}
    for template, actual in zip(route.split("/"), path.split("/"), strict=False):
        if template.startswith("{") and template.endswith("}"):
            names[template[1:-1].rstrip("+")] = actual
    return names or None


def _event(method: str, path: str, *, domain: str, account: str, route_key: str, query: str,
           headers: Mapping[str, str] | None, body: str | bytes | None, json_body: Any,
           cookies: Sequence[str] | None) -> Event:
    if json_body is not None:
        body = json.dumps(json_body)
    request_headers = {
        "accept": "*/*",
        "host": domain,
        "user-agent": USER_AGENT,
        "x-amzn-trace-id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}",
        "x-forwarded-for": SOURCE_IP,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if json_body is not None:
        request_headers["content-type"] = "application/json"
    if body is not None:
        request_headers["content-length"] = str(len(body.encode() if isinstance(body, str) else body))
    request_headers.update({k.lower(): v for k, v in (headers or {}).items()})

    now = time.time()
    event: Event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": request_headers,
        "requestContext": {
            "accountId": account,
            "apiId": domain.split(".", 1)[0],
            "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0],
            "http": {"method": method.upper(), "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": SOURCE_IP, "userAgent": request_headers["user-agent"]},
            "requestId": uuid.uuid4().hex[:16] + "=",
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": isinstance(body, bytes),
    }
    if cookies:
        event["cookies"] = list(cookies)
    params = _query_parameters(query)
    if params:
        event["queryStringParameters"] = params
    if isinstance(body, bytes):
        event["body"] = base64.b64encode(body).decode()
    elif body is not None:
        event["body"] = body
    return event


def http_api_event(method: str, path: str, *, route: str | None = None, query: str = "",
                   headers: Mapping[str, str] | None = None, body: str | bytes | None = None,
                   json_body: Any = None, cookies: Sequence[str] | None = None) -> Event:
    """An API Gateway HTTP API (payload 2.0) event; `route` is the template, e.g. `/models/{name}`."""
    route = route or path
    event = _event(method, path, domain=HTTP_API_DOMAIN, account=ACCOUNT_ID,
                   route_key=f"{method.upper()} {route}", query=query, headers=headers, body=body,
                   json_body=json_body, cookies=cookies)
    event["requestContext"]["requestId"] = uuid.uuid4().hex[:14].upper() + "="
    path_params = _path_parameters(route, path)
    if path_params:
        event["pathParameters"] = path_params
    return event


def function_url_event(method: str, path: str, *, query: str = "",
                       headers: Mapping[str, str] | None = None, body: str | bytes | None = None,
                       json_body: Any = None, cookies: Sequence[str] | None = None) -> Event:
    """A Lambda Function URL event: the 2.0 shape with `routeKey: $default` and no path parameters."""
    event = _event(method, path, domain=FUNCTION_URL_DOMAIN, account="anonymous", route_key="$default",
                   query=query, headers=headers, body=body, json_body=json_body, cookies=cookies)
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    return event
