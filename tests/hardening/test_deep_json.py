"""Every JSON input answers a too-deep document with a 400 in the error shape, never a 500.

100,000 levels used to raise RecursionError inside `json.loads` (a 500 with a traceback in the
log); a few hundred levels parsed and then broke the recursive walks after it. The inputs: the
bodies of conversation, synthesize, upload presigning, create, share, memory, usage and log; the
`json` field of a multipart conversation; uploaded `.json` and `.har` credential files.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from lambdachat.json_input import MAX_DEPTH

from tests.apps import create_app
from tests.aws import mocked_aws

API = "/backend-api/v2"
HUGE = 100_000
PAST_THE_STACK = 1_500   # deeper than json.loads can recurse, small enough for every body limit


def nested(depth: int) -> str:
    """An object whose one field holds `depth - 1` nested arrays: `{"a": [[[...]]]}`."""
    return '{"a": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def json_post(path: str) -> Any:
    def send(client: FlaskClient, body: str) -> Any:
        return client.post(path, data=body, content_type="application/json")
    return send


def multipart_conversation(client: FlaskClient, body: str) -> Any:
    return client.post(f"{API}/conversation", data={"json": body}, content_type="multipart/form-data")


def credential_file(name: str) -> Any:
    def send(client: FlaskClient, body: str) -> Any:
        return client.post(f"{API}/upload_cookies", data={"file": (io.BytesIO(body.encode()), name)},
                           content_type="multipart/form-data")
    return send


INPUTS = {
    "conversation": json_post(f"{API}/conversation"),
    "conversation multipart json field": multipart_conversation,
    "synthesize": json_post(f"{API}/synthesize/espeak"),
    "files uploads": json_post(f"{API}/files/0b5e3c1a-0000-4000-8000-000000000001/uploads"),
    "create": json_post(f"{API}/create"),
    "share": json_post(f"{API}/chat/0b5e3c1a-0000-4000-8000-000000000002"),
    "memory": json_post(f"{API}/memory/u1"),
    "usage": json_post(f"{API}/usage"),
    "log": json_post(f"{API}/log"),
    "cookies .json file": credential_file("cookies.json"),
    "key .json file": credential_file("api_key_OpenAI.json"),
    "har file": credential_file("session.har"),
}


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    with pytest.MonkeyPatch.context() as monkeypatch, mocked_aws(monkeypatch):
        monkeypatch.setenv("LAMBDACHAT_RATE_LIMITS", "off")
        yield create_app().test_client()


@pytest.mark.parametrize("depth", [PAST_THE_STACK, MAX_DEPTH + 1], ids=["1500 deep", "just too deep"])
@pytest.mark.parametrize("name", list(INPUTS))
def test_too_deep_json_is_a_400(client: FlaskClient, name: str, depth: int) -> None:
    response = INPUTS[name](client, nested(depth))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "message" in response.get_json()["error"]


@pytest.mark.parametrize("name", list(INPUTS))
def test_100000_deep_json_is_refused_not_a_500(client: FlaskClient, name: str) -> None:
    response = INPUTS[name](client, nested(HUGE))
    # 413 where the route's own body limit (usage 4 KB, log 16 KB) is smaller than the document.
    assert response.status_code in (400, 413), response.get_data(as_text=True)[:300]
    assert "message" in response.get_json()["error"]


def test_deep_but_allowed_json_still_works(client: FlaskClient) -> None:
    body = '{"role": "user", "content": "hi", "extra": ' + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2) + "}"
    assert client.post(f"{API}/usage", data='{"model": "m", "provider": "p", "total_tokens": 1}',
                       content_type="application/json").status_code == 200
    assert client.post(f"{API}/log", data=body, content_type="application/json").status_code == 200


def test_a_too_deep_adapter_context_header_is_ignored(client: FlaskClient) -> None:
    # The Lambda Web Adapter's context header is JSON too; a forged deep one must not break the id.
    response = client.get(f"{API}/version", headers={"x-amzn-lambda-context": "[" * 8000})
    assert response.status_code == 200 and response.headers["x-request-id"]
