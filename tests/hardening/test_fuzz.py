"""Schemathesis against the running local server, every operation of the OpenAPI document.

Budget (contract of `make test`): EXAMPLES generated cases per operation, positive and negative
(data that breaks the schema), on top of schemathesis' own explicit and coverage cases; the
whole run stays well under two minutes on 2 cores. Each response must not be a 5xx (except a
502 or 503 with the error shape: the upstream or storage failed), and must
match the documented status, content type and schema (errors: `{"error": {"message"}}`).

The conversation and create routes answer from a FakeUpstream on loopback (`CUSTOM_BASE_URL`), so
the embedded model is never loaded. Fuzzed `api_base` values and `x-api-base` headers would make the
server call out: every proxy-aware client is pointed at a closed loopback port and connects time out
after a second, so a fuzz run never leaves the machine and never waits on the network.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from lambdachat.web.openapi_document import document
from schemathesis.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from tests.fakes.upstream import FakeUpstream
from tests.local_server import LocalServer, local_server

EXAMPLES = 50
CLOSED_PORT = "http://127.0.0.1:9"
# 502 (the upstream failed or answered without what was asked, e.g. no code block for
# filter_markdown) and 503 (storage unavailable) are the documented 5xx; any other is a bug.
UPSTREAM_STATUSES = {502, 503}


def no_internal_error(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                      case: schemathesis.Case) -> bool:
    if response.status_code >= 500 and response.status_code not in UPSTREAM_STATUSES:
        raise AssertionError(f"{response.status_code} for {case.method} {case.formatted_path}")
    return True


CHECKS = [no_internal_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_dict(document())


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with FakeUpstream() as upstream, local_server({
        "CUSTOM_BASE_URL": upstream.base_url + "/v1", "HTTP_PROXY": CLOSED_PORT, "HTTPS_PROXY": CLOSED_PORT,
        "ALL_PROXY": CLOSED_PORT, "LAMBDACHAT_CONNECT_TIMEOUT": "1",
        "LAMBDACHAT_RATE_LIMITS": "off",  # the limits have their own tests; here every case must reach its route
    }) as running:
        yield running


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, print_blob=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_the_document(case: schemathesis.Case, server: LocalServer) -> None:
    case.call_and_validate(base_url=server.url, checks=CHECKS, timeout=30)
