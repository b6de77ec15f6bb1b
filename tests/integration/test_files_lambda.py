"""The files Lambda (`functions/files.py`) invoked with HTTP API v2 and Function URL events, on moto."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from tests import documents
from tests.aws import mocked_aws
from tests.events import LambdaContext, function_url_event, http_api_event

BUCKET = "5d0f3a52-8c3e-4a7b-b1f4-3f7f0a1c2e99"
PATH = f"/backend-api/v2/files/{BUCKET}"
ROUTE = "/backend-api/v2/files/{bucket_id}"


@pytest.fixture(params=["http-api", "function-url"])
def make_event(request):
    def build(method: str, path: str = PATH, route: str = ROUTE, **kw: Any):
        if request.param == "http-api":
            return http_api_event(method, path, route=route, **kw)
        return function_url_event(method, path, **kw)
    return build


@pytest.fixture
def handler(monkeypatch):
    with mocked_aws(monkeypatch):
        from functions.files import handler
        yield handler


def multipart(*named: tuple[str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n" for name, data in named)
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def call(handler, event) -> tuple[int, dict[str, str], str]:
    raw = handler(event, LambdaContext(function_name="lambdachat-dev-files"))
    body = raw.get("body", "")
    text = base64.b64decode(body).decode() if raw.get("isBase64Encoded") else body
    return int(raw["statusCode"]), {k.lower(): v for k, v in raw.get("headers", {}).items()}, text


def test_upload_read_and_delete_through_the_handler(handler, make_event):
    body, content_type = multipart(("doc.pdf", documents.pdf(["Lambda reads PDFs"])), ("pic.png", b"\x89PNG"))
    status, _, text = call(handler, make_event("POST", body=body, headers={"content-type": content_type}))
    assert status == 200
    assert json.loads(text) == {"bucket_id": BUCKET, "files": ["doc.pdf"], "media": ["pic.png"],
                                "skipped": []}

    status, headers, text = call(handler, make_event("GET"))
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert text == "```doc.pdf\nLambda reads PDFs\n```\n\n"

    size = len(text.encode())
    status, headers, text = call(handler, make_event("GET", headers={"accept": "text/event-stream"}))
    assert headers["content-type"].startswith("text/event-stream")
    frames = [json.loads(f.removeprefix("data: ")) for f in text.strip().split("\n\n")]
    assert frames == [{"action": "load", "size": size, "filename": "doc.pdf"},
                      {"action": "media", "filename": "pic.png"}, {"action": "done", "size": size}]

    status, _, text = call(handler, make_event("DELETE"))
    assert (status, json.loads(text)) == (200, {"message": "Bucket deleted successfully"})
    assert call(handler, make_event("GET"))[0] == 404


def test_presigned_routes_through_the_handler(handler, make_event):
    status, _, text = call(handler, make_event("POST", f"{PATH}/uploads", f"{ROUTE}/uploads",
                                               json_body={"filename": "big.pdf", "size": 50 * 1024 * 1024}))
    assert status == 200
    assert json.loads(text)["upload"]["fields"]["key"].endswith(f"/{BUCKET}/docs/big.pdf")
    status, _, text = call(handler, make_event("GET", f"{PATH}/status", f"{ROUTE}/status"))
    assert json.loads(text)["files"] == [
        {"name": "big.pdf", "kind": "document", "state": "uploading", "size": 0}]


def test_a_body_over_the_cloud_limit_is_413_and_stores_nothing(handler, make_event):
    body, content_type = multipart(("big.txt", b"x" * (5 * 1024 * 1024 + 1)))
    status, _, text = call(handler, make_event("POST", body=body, headers={"content-type": content_type}))
    assert status == 413 and "error" in json.loads(text)
    assert call(handler, make_event("GET"))[0] == 404


def test_a_bad_bucket_id_is_400(handler, make_event):
    status, _, text = call(handler, make_event("GET", "/backend-api/v2/files/bad"))
    assert status == 400 and "bucket id" in json.loads(text)["error"]["message"]
