"""Media, search, create and synthesize through `lambdachat serve` (a real subprocess, its embedded
moto S3), the way a browser uses them."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator

import boto3
import pytest
import requests
from lambdachat.media.generated import owner_tag

from tests.fakes.audio import hear, hear_wav, png
from tests.fakes.upstream import FakeUpstream
from tests.local_server import LocalServer, local_server

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto", "boto3")),
    reason="the local server needs the `local` extra (pip install -e '.[local]')")

OWNER = owner_tag("local")


@pytest.fixture(scope="module")
def server(upstream: FakeUpstream) -> Iterator[LocalServer]:
    env = {"CUSTOM_BASE_URL": upstream.base_url + "/v1", "LAMBDACHAT_MEDIA_FETCH_PRIVATE": "1"}
    with local_server(env) as running:
        yield running


@pytest.fixture(scope="module")
def s3(server: LocalServer):
    endpoint = (server.log("embedded AWS ready") or {})["endpoint"]
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_generated_media_in_the_embedded_s3_is_served_with_safe_headers(server, s3):
    s3.put_object(Bucket="lambdachat-files", Key=f"media/{OWNER}/1_local_test_00112233aabbccdd.png", Body=png())
    response = requests.get(f"{server.url}/media/{OWNER}/1_local_test_00112233aabbccdd.png", timeout=10,
                            allow_redirects=False)
    assert response.status_code == 200 and response.content == png()
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    found = requests.get(f"{server.url}/search/image+local", timeout=10, allow_redirects=False)
    assert found.status_code == 302
    assert requests.get(server.url + found.headers["Location"], timeout=10).content == png()


def test_create_answers_plain_text_and_caches_it(server, upstream):
    params = {"prompt": "hi", "provider": "Custom", "model": "m", "cache": "local-1"}
    first = requests.get(f"{server.url}/backend-api/v2/create", params=params, timeout=30)
    second = requests.get(f"{server.url}/backend-api/v2/create", params=params, timeout=30)
    assert first.status_code == 200 and first.text == "tok tok tok "
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert second.text == first.text


def test_create_streams_when_asked(server):
    with requests.get(f"{server.url}/backend-api/v2/create", timeout=30, stream=True,
                      params={"prompt": "hi", "provider": "Custom", "model": "m", "stream": "1"}) as response:
        assert response.status_code == 200
        assert "".join(response.iter_content(decode_unicode=True)) == "tok tok tok "


def test_create_errors_are_json(server):
    response = requests.get(f"{server.url}/backend-api/v2/create", params={"prompt": "hi", "provider": "Nope"},
                            timeout=10)
    assert response.status_code == 404 and "error" in response.json()


def test_synthesize_speaks_through_the_server(server):
    response = requests.get(f"{server.url}/backend-api/v2/synthesize/espeak",
                            params={"text": "Hello from the local server"}, timeout=60)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "max-age=604800"
    heard = hear_wav(response.content)
    assert heard.rms > 300 and 1 < heard.seconds < 5
    posted = requests.post(f"{server.url}/backend-api/v2/synthesize/espeak",
                           data=json.dumps({"text": "Hello again", "format": "mp3"}),
                           headers={"Content-Type": "application/json"}, timeout=60)
    assert posted.headers["Content-Type"] == "audio/mpeg" and hear(posted.content).rms > 300
