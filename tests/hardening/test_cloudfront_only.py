"""The origins answer only CloudFront, and the rate-limit address is the one CloudFront saw (issue 11 #6).

Before: with two trusted X-Forwarded-For hops, a caller reaching the HTTP API or a Function URL
directly chose its own bucket, and an `X_Forwarded_For` alias moved the hop count even behind
the proxy. Now a request without CloudFront's origin secret is refused, and the address is read
from CloudFront-Viewer-Address only, in one spelling.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from lambdachat.config import Settings
from lambdachat.limits import web as limits_web
from lambdachat.limits.buckets import InMemoryBuckets

from tests.apps import create_app, lambda_handler, override, services_of
from tests.events import REGION, LambdaContext, function_url_event, http_api_event

SECRET = "s3cr3t-origin-value-0123456789abcdefABCDEF"
FROM_CLOUDFRONT = {"X-Lambdachat-Origin-Secret": SECRET}
VERSION = "/backend-api/v2/version"


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LAMBDACHAT_ORIGIN_SECRET", SECRET)
    monkeypatch.setenv("LAMBDACHAT_CLIENT_IP_HEADER", "CloudFront-Viewer-Address")
    monkeypatch.setenv("AWS_REGION", REGION)   # Lambda sets it; the origins' host names derive from it
    yield


def call(handler: Any, event: dict[str, Any]) -> tuple[int, Any]:
    reply = handler(event, LambdaContext())
    return reply["statusCode"], json.loads(reply["body"]) if reply.get("body") else None


@pytest.mark.parametrize("make_event", [http_api_event, function_url_event], ids=["http-api", "function-url"])
def test_a_direct_call_to_an_origin_is_refused(cloud: None, make_event: Any) -> None:
    handler = lambda_handler("version")
    assert call(handler, make_event("GET", VERSION))[0] == 403
    assert call(handler, make_event("GET", VERSION, headers={"X-Lambdachat-Origin-Secret": "guess"}))[0] == 403
    assert call(handler, make_event("GET", VERSION, headers={"X-Lambdachat-Origin-Secret": SECRET[:-1]}))[0] == 403
    status, body = call(handler, make_event("GET", VERSION, headers=FROM_CLOUDFRONT))
    assert status == 200 and "version" in json.dumps(body)


def test_a_preflight_without_the_secret_is_refused_too(cloud: None) -> None:
    client = create_app(["memory"]).test_client()
    preflight = {"Origin": "https://x.example", "Access-Control-Request-Method": "POST"}
    assert client.options("/backend-api/v2/memory/u1", headers=preflight).status_code == 403


def address(headers: dict[str, str], remote: str = "130.176.1.1") -> str:
    app = create_app(["version"])
    with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": remote}):
        from flask import request

        return limits_web.client_ip(request, services_of(app).settings.client_ip_header)


def test_x_forwarded_for_never_names_the_caller(cloud: None) -> None:
    viewer = {"CloudFront-Viewer-Address": "198.51.100.7:46532"}
    for forged in ("1.1.1.1", "1.1.1.1, 2.2.2.2", "1.1.1.1, 2.2.2.2, 3.3.3.3"):
        assert address({**viewer, "X-Forwarded-For": forged}) == "198.51.100.7"


@pytest.mark.parametrize(("value", "ip"), [
    ("198.51.100.7:46532", "198.51.100.7"),
    ("2001:db8:85a3::8a2e:370:7334:46532", "2001:db8:85a3::8a2e:370:7334"),   # CloudFront: unbracketed
    ("[2001:db8::1]:443", "2001:db8::1"),
    ("not an address", ""),
])
def test_the_viewer_address_header(cloud: None, value: str, ip: str) -> None:
    assert address({"CloudFront-Viewer-Address": value}) == ip


def test_without_the_setting_the_peer_is_the_caller() -> None:
    assert address({"X-Forwarded-For": "1.1.1.1", "CloudFront-Viewer-Address": "1.1.1.1:1"},
                   remote="203.0.113.9") == "203.0.113.9"


def test_a_second_copy_or_an_alias_of_the_header_is_refused(cloud: None) -> None:
    # gunicorn (header_map=dangerous, the Web Adapter functions) joins an alias with a comma.
    app = create_app(["version"])
    with app.test_request_context(environ_base={"HTTP_CLOUDFRONT_VIEWER_ADDRESS": "1.1.1.1:1,198.51.100.7:4"}):
        from flask import request

        with pytest.raises(Exception, match="More than one"):
            limits_web.client_ip(request, "CloudFront-Viewer-Address")


def test_an_alias_in_a_lambda_event_cannot_choose_the_bucket(cloud: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """serverless-wsgi folds `cloudfront_viewer_address` into the same environ key, last one wins."""
    monkeypatch.setenv("LAMBDACHAT_RATE_LIMITS", "on")
    monkeypatch.setenv("LAMBDACHAT_RATE_SYNTHESIZE_IP_BURST", "1")
    monkeypatch.setenv("LAMBDACHAT_RATE_SYNTHESIZE_IP_PER_MINUTE", "1")
    override(rate_store=InMemoryBuckets())
    handler = lambda_handler("synthesize")
    path = "/backend-api/v2/synthesize/nope"
    viewer = {**FROM_CLOUDFRONT, "cloudfront-viewer-address": "198.51.100.7:4000"}
    first = call(handler, http_api_event("GET", path, route="/backend-api/v2/synthesize/{provider}",
                                         headers=viewer))
    assert first[0] != 429
    for forged in ("1.1.1.1:1", "2.2.2.2:2"):
        event = http_api_event("GET", path, route="/backend-api/v2/synthesize/{provider}",
                               headers={**viewer, "x-forwarded-for": forged.split(":")[0]})
        event["headers"]["cloudfront_viewer_address"] = forged
        assert call(handler, event)[0] == 400
    # Fresh X-Forwarded-For values alone land in the viewer's own bucket: limited.
    event = http_api_event("GET", path, route="/backend-api/v2/synthesize/{provider}",
                           headers={**viewer, "x-forwarded-for": "3.3.3.3, 4.4.4.4"})
    assert call(handler, event)[0] == 429


def test_the_old_hop_count_setting_is_a_startup_error() -> None:
    with pytest.raises(RuntimeError, match="LAMBDACHAT_CLIENT_IP_HEADER"):
        Settings.from_env({"LAMBDACHAT_TRUSTED_PROXY_HOPS": "2"})
