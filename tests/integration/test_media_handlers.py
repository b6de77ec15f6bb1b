"""The media, search, create and synthesize Lambda handlers, invoked with both event shapes
(API Gateway HTTP API v2 and Function URL): binary bodies arrive base64-encoded and intact,
redirects keep their Location, and bad input is a JSON error."""

import base64
import json

import pytest
from lambdachat.files import layout
from lambdachat.media import generated
from lambdachat.providers.base import Content, Finish, RateLimitError
from lambdachat.storage.s3 import S3Store

from tests.apps import lambda_handler
from tests.aws import mocked_aws
from tests.events import LambdaContext, function_url_event, http_api_event
from tests.fakes.audio import hear, hear_wav, png
from tests.fakes.providers import FakeProvider, install

BUCKET = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
OWNER = generated.owner_tag("local")
NAME = "1700000000_blue_bird_fedcba9876543210.png"


def http_api(method, path, route=None, **kw):
    return http_api_event(method, path, route=route, **kw)


def function_url(method, path, route=None, **kw):
    return function_url_event(method, path, **kw)


@pytest.fixture(params=[http_api, function_url], ids=["http-api", "function-url"])
def make_event(request):
    return request.param


@pytest.fixture(autouse=True)
def aws(monkeypatch):
    with mocked_aws(monkeypatch) as client:
        store = S3Store()
        store.put(layout.media_key("local", BUCKET, "photo.png"), png(), "image/png")
        store.put(generated.media_key(OWNER, NAME), png(), "image/png")
        yield client


def invoke(name, event):
    raw = lambda_handler(name)(event, LambdaContext(function_name=name))
    headers = {k.lower(): v for k, v in raw.get("headers", {}).items()}
    body = raw.get("body", "")
    data = base64.b64decode(body) if raw.get("isBase64Encoded") else body.encode()
    return raw["statusCode"], headers, data


def test_media_handler_serves_bucket_and_generated_media_as_binary(make_event):
    status, headers, data = invoke("media", make_event(
        "GET", f"/files/{BUCKET}/media/photo.png", "/files/{bucket_id}/media/{filename}"))
    assert (status, data, headers["content-type"]) == (200, png(), "image/png")
    assert headers["x-content-type-options"] == "nosniff"
    status, _, data = invoke("media", make_event("GET", f"/media/{OWNER}/{NAME}", "/media/{name+}"))
    assert (status, data) == (200, png())


def test_media_handler_refuses_bad_names_as_json(make_event):
    status, headers, data = invoke("media", make_event(
        "GET", f"/files/{BUCKET}/media/.env", "/files/{bucket_id}/media/{filename}"))
    assert status == 400 and headers["content-type"] == "application/json"
    assert "filename" in json.loads(data)["error"]["message"]


def test_media_handler_redirects_large_files_to_s3(make_event, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_MEDIA_STREAM_MAX_MB", "0")
    status, headers, _ = invoke("media", make_event("GET", f"/media/{OWNER}/{NAME}", "/media/{name+}"))
    assert status == 302
    assert headers["location"].startswith("https://") and "X-Amz-Signature=" in headers["location"]


def test_search_handler_redirects_and_refuses_bad_params(make_event):
    status, headers, _ = invoke("search", make_event("GET", "/search/image+bird", "/search/{terms+}"))
    assert status == 302 and headers["location"] == f"/media/{OWNER}/{NAME}"
    status, _, data = invoke("search", make_event("GET", "/search/image+bird", "/search/{terms+}", query="skip=x"))
    assert status == 400 and "skip" in json.loads(data)["error"]["message"]


def test_create_handler_answers_text_and_maps_errors(make_event, monkeypatch):
    install(FakeProvider(script=[Content("four"), Finish("stop")]))
    status, headers, data = invoke("create", make_event("GET", "/backend-api/v2/create", query="prompt=2%2B2"))
    assert (status, data) == (200, b"four")
    assert headers["content-type"].startswith("text/plain")
    status, _, data = invoke("create", make_event("POST", "/backend-api/v2/create",
                                                  json_body={"prompt": "2+2", "cache": "k"}))
    assert (status, data) == (200, b"four")
    install(FakeProvider(script=[RateLimitError("slow down")]))
    status, _, data = invoke("create", make_event("GET", "/backend-api/v2/create", query="prompt=hi"))
    assert status == 429 and "RateLimitError" in json.loads(data)["error"]["message"]
    status, _, _ = invoke("create", make_event("GET", "/backend-api/v2/create"))
    assert status == 400


def test_synthesize_handler_returns_audio_bytes_intact(make_event):
    route = "/backend-api/v2/synthesize/{provider}"
    status, headers, data = invoke("synthesize", make_event(
        "GET", "/backend-api/v2/synthesize/espeak", route, query="text=Hello+there%2C+Lambda"))
    assert status == 200 and headers["content-type"] == "audio/wav"
    assert headers["cache-control"] == "max-age=604800"
    heard = hear_wav(data)
    assert heard.rms > 300 and 0.5 < heard.seconds < 4
    status, headers, data = invoke("synthesize", make_event(
        "POST", "/backend-api/v2/synthesize/espeak", route, json_body={"text": "Hello there", "format": "mp3"}))
    assert status == 200 and headers["content-type"] == "audio/mpeg"
    assert hear(data).rms > 300


@pytest.mark.parametrize(("query", "status"), [("text=", 400), (f"text={'a' * 4097}", 413),
                                               ("text=hi&voice=zz-top", 404)])
def test_synthesize_handler_refusals(make_event, query, status):
    got, headers, _ = invoke("synthesize", make_event(
        "GET", "/backend-api/v2/synthesize/espeak", "/backend-api/v2/synthesize/{provider}", query=query))
    assert got == status and headers["content-type"] == "application/json"
