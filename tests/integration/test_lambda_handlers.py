"""Every Lambda handler, invoked the way Lambda invokes it: a real event dict and a context.

Each handler is checked with both event shapes it can be deployed behind (API Gateway HTTP
API v2 and a Function URL). Provider-backed routes run against in-memory fake providers,
so nothing here reaches a model or the network.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import lambdachat
import pytest
from lambdachat.providers.base import Content, Finish, Usage

from tests.apps import lambda_handler
from tests.events import Event, LambdaContext, function_url_event, http_api_event
from tests.fakes.providers import FakeProvider, install
from tests.fakes.upstream import FakeUpstream, OpenAIWire

REPO_ROOT = Path(__file__).resolve().parents[2]
HANDLER_NAMES = ("version", "models", "provider_models", "providers", "conversation")
CHAT = "/backend-api/v2/conversation"
HELLO = {"role": "user", "content": "hi"}


@dataclass
class Reply:
    raw: dict[str, Any]
    context: LambdaContext

    @property
    def status(self) -> int:
        return int(self.raw["statusCode"])

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.raw.get("headers", {}).items() if k.lower() == name.lower()), None)

    @property
    def text(self) -> str:
        body = self.raw.get("body", "")
        return base64.b64decode(body).decode() if self.raw.get("isBase64Encoded") else body

    def json(self) -> Any:
        return json.loads(self.text)


def invoke(name: str, event: Event) -> Reply:
    handler = lambda_handler(name)
    context = LambdaContext(function_name=f"lambdachat-dev-{name}")
    return Reply(handler(event, context), context)


# One builder per deployment shape; the route template only matters to HTTP API events.
def _http_api(method: str, path: str, route: str | None = None, **kw: Any) -> Event:
    return http_api_event(method, path, route=route, **kw)


def _function_url(method: str, path: str, route: str | None = None, **kw: Any) -> Event:
    return function_url_event(method, path, **kw)


EventBuilder = Callable[..., Event]


@pytest.fixture(params=[_http_api, _function_url], ids=["http-api", "function-url"])
def make_event(request: pytest.FixtureRequest) -> EventBuilder:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    provider = FakeProvider(script=[Content("Hello "), Content("world"), Finish("stop"), Usage(3, 2)],
                            models=("fake-model", "fake-large"))
    install(provider, FakeProvider(name="Other", label="Other one", models=("fake-model",)))
    return provider


# The request each handler exists for (with the `fake` providers installed): name -> event args.
OWN_REQUEST: dict[str, tuple[str, str, str | None, dict[str, Any]]] = {
    "version": ("GET", "/backend-api/v2/version", None, {}),
    "models": ("GET", "/backend-api/v2/models", None, {}),
    "provider_models": ("GET", "/backend-api/v2/models/Fake", "/backend-api/v2/models/{provider_name}", {}),
    "providers": ("GET", "/backend-api/v2/providers", None, {}),
    "conversation": ("POST", CHAT, None, {"json_body": {"provider": "Fake", "messages": [HELLO]}}),
}


def own_event(name: str, make_event: EventBuilder, **extra: Any) -> Event:
    method, path, route, kw = OWN_REQUEST[name]
    return make_event(method, path, route, **{**kw, **extra})


# ---- every handler, both shapes -------------------------------------------------------------

@pytest.mark.parametrize("name", HANDLER_NAMES)
def test_request_id_is_the_lambda_request_id_when_the_client_sent_none(name, make_event, fake):
    reply = invoke(name, own_event(name, make_event))
    assert reply.status == 200
    assert reply.header("x-request-id") == reply.context.aws_request_id


@pytest.mark.parametrize("name", HANDLER_NAMES)
def test_a_client_request_id_is_kept(name, make_event, fake):
    reply = invoke(name, own_event(name, make_event, headers={"x-request-id": "client-id-42"}))
    assert reply.header("x-request-id") == "client-id-42"


# A route of another group, for each handler: a handler serves only its own routes.
FOREIGN_PATH = {
    "version": "/backend-api/v2/providers",
    "models": "/backend-api/v2/version",
    "provider_models": "/backend-api/v2/models",
    "providers": "/backend-api/v2/models/Fake",
    "conversation": "/backend-api/v2/providers",
}


@pytest.mark.parametrize("name", HANDLER_NAMES)
def test_a_handler_answers_404_json_for_another_handlers_route(name, make_event, fake):
    reply = invoke(name, make_event("GET", FOREIGN_PATH[name]))
    assert reply.status == 404
    assert reply.header("content-type") == "application/json"
    assert reply.json() == {"error": {"message": "Not found"}}


def test_a_wrong_method_on_an_own_route_is_405_json(make_event):
    reply = invoke("version", make_event("POST", "/backend-api/v2/version", json_body={}))
    assert reply.status == 405
    assert reply.json() == {"error": {"message": "Method not allowed"}}


# ---- the read-only handlers (V1 shapes) -----------------------------------------------------

def test_version(make_event):
    reply = invoke("version", make_event("GET", "/backend-api/v2/version"))
    assert reply.status == 200
    assert reply.raw["isBase64Encoded"] is False
    assert reply.header("content-type") == "application/json"
    # No release feed configured: latest_version is null (the contract's offline answer).
    assert reply.json() == {"version": lambdachat.__version__, "latest_version": None}


def test_models_merges_models_across_configured_providers(make_event, fake):
    reply = invoke("models", make_event("GET", "/backend-api/v2/models"))
    assert reply.status == 200
    assert reply.json() == [
        {"name": "fake-model", "image": False, "vision": False, "providers": ["Fake", "Other"]},
        {"name": "fake-large", "image": False, "vision": False, "providers": ["Fake"]},
    ]


def test_provider_models_lists_that_providers_models(make_event, fake):
    reply = invoke("provider_models", make_event("GET", "/backend-api/v2/models/Fake",
                                                 "/backend-api/v2/models/{provider_name}"))
    assert reply.status == 200
    v1 = [{"model": "fake-model", "default": True, "vision": False, "image": False, "task": None},
          {"model": "fake-large", "default": False, "vision": False, "image": False, "task": None}]
    assert [{key: item[key] for key in v1[0]} for item in reply.json()] == v1
    assert [(item["id"], item["label"]) for item in reply.json()] == [("fake-model",) * 2, ("fake-large",) * 2]


def test_provider_models_of_an_unknown_provider_is_404_json(make_event, fake):
    reply = invoke("provider_models", make_event("GET", "/backend-api/v2/models/Nope",
                                                 "/backend-api/v2/models/{provider_name}"))
    assert reply.status == 404
    assert reply.json() == {"error": {"message": "Provider not found: Nope"}}


@pytest.mark.parametrize("header", ["x_api_key", "x-api-key"])
def test_a_provider_key_header_reaches_the_provider_with_either_spelling(header, make_event, monkeypatch):
    keyed = FakeProvider(name="Keyed", needs_auth=True)
    install(keyed)
    reply = invoke("provider_models", make_event("GET", "/backend-api/v2/models/Keyed",
                                                 "/backend-api/v2/models/{provider_name}",
                                                 headers={header: "sk-test-from-header"}))
    assert reply.status == 200
    assert [c.api_key for c in keyed.listed_with] == ["sk-test-from-header"]


def test_providers_lists_v1_provider_items(make_event, fake):
    reply = invoke("providers", make_event("GET", "/backend-api/v2/providers"))
    assert reply.status == 200
    v1 = [{"name": "Fake", "label": "Fake provider", "parent": None, "image": False, "vision": False,
           "nodriver": False, "hf_space": False, "auth": False, "login_url": None},
          {"name": "Other", "label": "Other one", "parent": None, "image": False, "vision": False,
           "nodriver": False, "hf_space": False, "auth": False, "login_url": None}]
    # g4f 8.8's fields come beside V1's (tests/integration/test_client_2026.py)
    assert [{key: item[key] for key in v1[0]} for item in reply.json()] == v1


def test_providers_of_the_real_registry_have_the_v1_item_shape(make_event):
    reply = invoke("providers", make_event("GET", "/backend-api/v2/providers"))
    assert reply.status == 200
    items = reply.json()
    names = [item["name"] for item in items]
    assert "Local" in names and len(names) == len(set(names))
    v1_keys = {"name", "label", "parent", "image", "vision", "nodriver", "hf_space", "auth", "login_url"}
    for item in items:
        assert v1_keys <= set(item)
        assert isinstance(item["auth"], bool) and isinstance(item["label"], str)


# ---- the conversation handler ---------------------------------------------------------------

def test_conversation_returns_ndjson_as_text_with_whole_lines_provider_first(make_event, fake):
    reply = invoke("conversation", make_event("POST", CHAT, json_body={
        "provider": "Fake", "model": "fake-model", "messages": [HELLO]}))
    assert reply.status == 200
    assert reply.header("content-type") == "application/x-ndjson"
    # Registered as text by lambda_entry: API Gateway passes it through as is.
    assert reply.raw["isBase64Encoded"] is False
    body = reply.raw["body"]
    assert body.endswith("\n")
    events = [json.loads(line) for line in body.splitlines()]
    assert events[0] == {"type": "provider", "provider": {"name": "Fake", "label": "Fake provider",
                                                          "model": "fake-model", "url": None}}
    assert "".join(e["content"] for e in events if e["type"] == "content") == "Hello world"
    assert [e["type"] for e in events[-2:]] == ["finish", "usage"]
    assert fake.requests[0].messages[-1] == HELLO


def test_conversation_with_format_sse_gives_named_sse_frames(make_event, fake):
    reply = invoke("conversation", make_event("POST", CHAT, query="format=sse",
                                              json_body={"provider": "Fake", "messages": [HELLO]}))
    assert reply.status == 200
    assert (reply.header("content-type") or "").startswith("text/event-stream")
    assert reply.raw["isBase64Encoded"] is False
    frames = reply.raw["body"].split("\n\n")
    assert frames.pop() == ""  # the body ends with a complete frame
    kinds = []
    for frame in frames:
        event_line, data_line = frame.split("\n")
        kind = event_line.removeprefix("event: ")
        assert json.loads(data_line.removeprefix("data: "))["type"] == kind
        kinds.append(kind)
    assert kinds[0] == "provider"
    assert kinds[-2:] == ["finish", "usage"]


def test_conversation_accepts_a_base64_encoded_body(make_event, fake):
    raw = json.dumps({"provider": "Fake", "messages": [HELLO]}).encode()
    reply = invoke("conversation", make_event("POST", CHAT, body=raw,
                                              headers={"content-type": "application/json"}))
    assert reply.status == 200
    assert json.loads(reply.text.splitlines()[0])["type"] == "provider"


def test_conversation_with_malformed_json_is_400_json(make_event, fake):
    reply = invoke("conversation", make_event("POST", CHAT, body='{"messages": [',
                                              headers={"content-type": "application/json"}))
    assert reply.status == 400
    assert reply.header("content-type") == "application/json"
    assert reply.json() == {"error": {"message": "Invalid JSON data"}}
    assert fake.requests == []


def test_conversation_with_an_unknown_provider_is_404_json_before_any_stream(make_event, fake):
    reply = invoke("conversation", make_event("POST", CHAT, json_body={"provider": "Nope",
                                                                        "messages": [HELLO]}))
    assert reply.status == 404
    assert reply.header("content-type") == "application/json"
    assert reply.json() == {"error": {"message": "Provider not found: Nope"}}


# ---- cold-start hygiene: no handler of this set imports boto3 ---------------------------------

def _clean_env() -> dict[str, str]:
    """The server as deployed with no provider configured (the conftest's view, for a subprocess:
    rate limits off, as they would call DynamoDB)."""
    env = {k: v for k, v in os.environ.items()
           if not k.endswith(("_API_KEY", "_BASE_URL")) and not k.startswith("LAMBDACHAT_")}
    return {**env, "LAMBDACHAT_RATE_LIMITS": "off"}


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=_clean_env(),
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("name", HANDLER_NAMES)
def test_importing_a_handler_does_not_import_boto3(name):
    result = _run_python(f"import functions.{name}, sys; assert 'boto3' not in sys.modules")
    assert result.returncode == 0, result.stderr


# Requests that walk each handler's code path, including the provider registry, offline.
OFFLINE_REQUEST = {
    "version": ("GET", "/backend-api/v2/version", None),
    "models": ("GET", "/backend-api/v2/models", None),
    "provider_models": ("GET", "/backend-api/v2/models/Nope", None),
    "providers": ("GET", "/backend-api/v2/providers", None),
    "conversation": ("POST", CHAT, {"provider": "Nope", "messages": [HELLO]}),
}


@pytest.mark.parametrize("name", HANDLER_NAMES)
def test_a_first_invocation_does_not_import_boto3_either(name):
    method, path, body = OFFLINE_REQUEST[name]
    result = _run_python(textwrap.dedent(f"""
        import sys
        import functions.{name} as module
        from tests.events import LambdaContext, http_api_event
        reply = module.handler(http_api_event({method!r}, {path!r}, json_body={body!r}), LambdaContext())
        assert reply["statusCode"] in (200, 404), reply
        assert 'boto3' not in sys.modules
    """))
    assert result.returncode == 0, result.stderr


# ---- the conversation function as deployed: gunicorn started by its Web Adapter script --------

@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as fake_upstream:
        yield fake_upstream


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def conversation_server() -> Iterator[str]:
    """`functions/run_web_adapter.sh` as the Web Adapter runs the conversation: a server on 127.0.0.1:$PORT."""
    port = _free_port()
    # The fake upstream is on loopback, which cloud mode refuses as a client-given base URL.
    env = {**_clean_env(), "PORT": str(port), "LAMBDACHAT_ALLOW_PRIVATE_UPSTREAMS": "1",
           "LAMBDACHAT_FUNCTION": "conversation",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.Popen(["sh", str(REPO_ROOT / "functions" / "run_web_adapter.sh")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:  # what the adapter's readiness check does: wait until the port answers
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "run_web_adapter.sh did not start serving"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_web_adapter_script_streams_ndjson_and_keeps_underscore_headers(conversation_server,
                                                                            upstream):
    upstream.script(OpenAIWire.stream("Hi ", "there"))
    body = {"provider": "Custom", "model": "m", "messages": [HELLO]}
    headers = {"x_api_key": "sk-underscore-key", "x_api_base": f"{upstream.base_url}/v1"}
    with httpx.stream("POST", f"{conversation_server}{CHAT}", json=body, headers=headers,
                      timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-ndjson"
        events = [json.loads(line) for line in response.iter_lines() if line]
    assert events[0]["type"] == "provider" and events[0]["provider"]["name"] == "Custom"
    assert "".join(e["content"] for e in events if e["type"] == "content") == "Hi there"
    # Both V1 underscore headers crossed gunicorn: the base URL was used, with the key.
    assert [(seen.path, seen.headers["authorization"]) for seen in upstream.seen] == [
        ("/v1/chat/completions", "Bearer sk-underscore-key")]


def test_the_web_adapter_script_serves_only_the_conversation_routes(conversation_server):
    assert httpx.get(f"{conversation_server}/backend-api/v2/version", timeout=10).status_code == 404
    bad = httpx.post(f"{conversation_server}{CHAT}", content=b"{", timeout=10,
                     headers={"content-type": "application/json"})
    assert bad.status_code == 400
    assert bad.json() == {"error": {"message": "Invalid JSON data"}}
