"""Routes through the Flask test client: shapes, framing and every client mistake."""

import io
import json

import pytest
from lambdachat.providers.base import Content, Finish, MissingAuthError, UpstreamError

from tests.apps import create_app, override
from tests.fakes.providers import FakeProvider, install

CHAT = {"messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def fake(monkeypatch):
    provider = FakeProvider(script=[Content("Hello"), Content(" there"), Finish("stop")])
    keyed = FakeProvider(name="Keyed", needs_auth=True, models=("k-1", "fake-model"))
    install(provider, keyed)
    return provider


@pytest.fixture
def client(fake):
    return create_app().test_client()


def lines(response):
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_version_is_semver_and_offline_latest_is_null(client):
    body = client.get("/backend-api/v2/version").get_json()
    assert body["latest_version"] is None
    assert body["version"].count(".") == 2


def test_latest_version_comes_from_the_configured_release_feed():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from lambdachat.config import Settings

    from tests.apps import test_services

    class Feed(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # GitHub's latest-release shape
            body = json.dumps({"tag_name": "v9.8.7", "name": "lambdachat 9.8.7"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        feed = f"http://127.0.0.1:{server.server_port}/releases/latest"
        app = create_app(["version"], services=test_services(Settings.from_env({"LAMBDACHAT_RELEASE_FEED": feed})))
        assert app.test_client().get("/backend-api/v2/version").get_json()["latest_version"] == "9.8.7"
    finally:
        server.shutdown()


def test_models_merge_the_providers_the_server_configures_in_v1_shape(monkeypatch):
    # The real registry rules (keys from the environment), over two keyed fakes.
    from lambdachat.providers.registry import Registry

    fakes = (FakeProvider(name="Fake", needs_auth=True), FakeProvider(name="Keyed", needs_auth=True,
                                                                      models=("k-1", "fake-model")))
    override(providers=lambda settings: Registry(fakes, settings))
    monkeypatch.setenv("FAKE_API_KEY", "sk-a")
    monkeypatch.setenv("KEYED_API_KEY", "sk-b")
    client = create_app().test_client()
    body = client.get("/backend-api/v2/models").get_json()
    assert {"name": "fake-model", "image": False, "vision": False, "providers": ["Fake", "Keyed"]} in body
    assert {"name": "k-1", "image": False, "vision": False, "providers": ["Keyed"]} in body
    monkeypatch.delenv("KEYED_API_KEY")
    body = create_app().test_client().get("/backend-api/v2/models").get_json()   # a process started without it
    assert body == [{"name": "fake-model", "image": False, "vision": False, "providers": ["Fake"]}]


def test_providers_list_v1_shape(client):
    body = client.get("/backend-api/v2/providers").get_json()
    keyed = next(p for p in body if p["name"] == "Keyed")
    assert keyed == {"name": "Keyed", "label": "Fake provider", "parent": None, "image": False,
                     "vision": False, "nodriver": False, "hf_space": False, "auth": True, "login_url": None}


def test_provider_models_unknown_is_404_and_missing_key_401(client):
    assert client.get("/backend-api/v2/models/Nope").status_code == 404
    response = client.get("/backend-api/v2/models/Keyed")
    assert response.status_code == 401
    assert "MissingAuthError" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("header", ["x-api-key", "x_api_key"])
def test_provider_models_takes_the_key_from_either_header_spelling(client, header, monkeypatch):
    keyed = FakeProvider(name="Keyed", needs_auth=True)
    install(keyed)
    client = create_app().test_client()
    response = client.get("/backend-api/v2/models/Keyed", headers={header: "sk-user"})
    assert response.status_code == 200
    assert response.get_json()[0] == {"model": "fake-model", "default": True, "vision": False,
                                      "image": False, "task": None}
    assert keyed.listed_with[0].api_key == "sk-user"


def test_provider_models_upstream_refusal_is_401_and_failure_502(client, monkeypatch):
    def refuse(creds):
        raise MissingAuthError("Incorrect API key provided")

    def fail(creds):
        raise UpstreamError("bad gateway", status=503)

    install(FakeProvider(name="A", on_list=refuse), FakeProvider(name="B", on_list=fail))
    client = create_app().test_client()
    assert client.get("/backend-api/v2/models/A").status_code == 401
    response = client.get("/backend-api/v2/models/B")
    assert response.status_code == 502
    assert response.get_json() == {"error": {"message": "UpstreamError: bad gateway"}}



def test_conversation_streams_ndjson_by_default_even_for_event_stream_accept(client):
    response = client.post("/backend-api/v2/conversation", json=CHAT, headers={"accept": "text/event-stream"})
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Cache-Control"].startswith("no-cache")
    events = lines(response)
    assert [e["type"] for e in events] == ["provider", "content", "content", "finish"]


def test_conversation_sse_framing_on_request(client):
    response = client.post("/backend-api/v2/conversation?format=sse", json=CHAT)
    assert response.mimetype == "text/event-stream"
    frames = response.get_data(as_text=True).split("\n\n")
    assert frames[0].startswith("event: provider\ndata: {")
    assert json.loads(frames[1].split("data: ", 1)[1]) == {"type": "content", "content": "Hello"}


@pytest.mark.parametrize("data, content_type", [
    (b"{broken", "application/json"),
    (b"[]", "application/json"),
    (json.dumps({"messages": []}).encode(), "application/json"),
    (json.dumps({"messages": [{"role": "user", "content": 1}]}).encode(), "application/json"),
    (b"", "application/json"),
])
def test_conversation_client_mistakes_are_400_json_without_a_stream(client, data, content_type):
    response = client.post("/backend-api/v2/conversation", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert set(response.get_json()["error"]) == {"message"}


def test_conversation_unknown_provider_is_404_before_streaming(client):
    response = client.post("/backend-api/v2/conversation", json={**CHAT, "provider": "Nope"})
    assert response.status_code == 404
    assert response.get_json() == {"error": {"message": "Provider not found: Nope"}}


def test_conversation_multipart_with_images(client, fake):
    data = {"json": json.dumps(CHAT), "files": (io.BytesIO(b"\x89PNG fake"), "cat.png")}
    response = client.post("/backend-api/v2/conversation", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert lines(response)[-1]["type"] == "finish"
    parts = fake.requests[0].messages[-1]["content"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")


def test_conversation_multipart_rejects_non_images_and_missing_json(client):
    data = {"json": json.dumps(CHAT), "files": (io.BytesIO(b"<svg onload=x>"), "x.svg")}
    assert client.post("/backend-api/v2/conversation", data=data,
                       content_type="multipart/form-data").status_code == 400
    assert client.post("/backend-api/v2/conversation", data={"x": "1"},
                       content_type="multipart/form-data").status_code == 400


def test_oversized_body_is_413_json(monkeypatch, fake):
    monkeypatch.setenv("LAMBDACHAT_MAX_REQUEST_MB", "1")
    client = create_app().test_client()
    big = {"messages": [{"role": "user", "content": "x" * (1024 * 1024 + 10)}]}
    response = client.post("/backend-api/v2/conversation", json=big)
    assert response.status_code == 413
    assert "error" in response.get_json()


def test_unknown_route_and_wrong_method_are_json(client):
    assert client.get("/backend-api/v2/nope").get_json() == {"error": {"message": "Not found"}}
    response = client.get("/backend-api/v2/conversation")
    assert response.status_code == 405
    assert response.get_json() == {"error": {"message": "Method not allowed"}}


def test_every_response_carries_a_request_id(client):
    assert len(client.get("/backend-api/v2/version").headers["x-request-id"]) >= 16
    given = client.get("/backend-api/v2/version", headers={"x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"


def test_under_the_web_adapter_the_lambda_request_id_is_used(client):
    context = json.dumps({"request_id": "8f5d-lambda", "deadline": 1, "invoked_function_arn": "arn"})
    response = client.get("/backend-api/v2/version", headers={"x-amzn-lambda-context": context})
    assert response.headers["x-request-id"] == "8f5d-lambda"
    broken = client.get("/backend-api/v2/version", headers={"x-amzn-lambda-context": "{not json"})
    assert broken.status_code == 200
