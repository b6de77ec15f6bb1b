"""Every log line is JSON with a request id, and no provider key ever reaches one."""

import json

import pytest
from lambdachat.observability import redact
from lambdachat.providers.base import Content, MissingAuthError

from tests.apps import create_app
from tests.fakes.providers import FakeProvider, install

KEY = "sk-proj-abcdefghijklmnop1234"


def test_redact_masks_by_field_name_and_by_key_shape():
    assert redact({"api_key": "x", "nested": {"Authorization": "Bearer abc"}, "n": 1}) == {
        "api_key": "[redacted]", "nested": {"Authorization": "[redacted]"}, "n": 1}
    assert redact(f"upstream said: bad key {KEY}") == "upstream said: bad key [redacted]"
    assert redact("AIzaSyA-1234567890abcdefghijklmn is Gemini's") == "[redacted] is Gemini's"


def test_conversation_logs_are_json_with_request_id_and_without_keys(monkeypatch, log_lines):
    script = [Content("hi"), MissingAuthError(f"bad {KEY}")]
    install(FakeProvider(needs_auth=True, script=script))
    client = create_app().test_client()
    body = {"provider": "Fake", "api_key": KEY, "messages": [{"role": "user", "content": "hi"}]}
    response = client.post("/backend-api/v2/conversation", json=body,
                           headers={"x-request-id": "req-42", "x-api-key": KEY})
    response.get_data()
    out = log_lines.getvalue()
    assert KEY not in out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert lines, "the app logged nothing"
    assert all(line["request_id"] == "req-42" for line in lines)
    # Lines logged while the answer streams (after the view returned) keep the request id too.
    assert {"conversation", "request", "provider failed"} <= {line["message"] for line in lines}


# Every key shape lambdachat knows, in free text (where the field-name rule cannot help).
# (shape, secret): a fixed sample of each, the way it would arrive in a client's /log report.
SECRET_SHAPES = [
    ("OpenAI project key", "sk-proj-abcdefghijklmnop1234"),
    ("Anthropic key", "sk-ant-api03-AbCdEf0123456789xyz"),
    ("Gemini key", "AIzaSyA-1234567890abcdefghijklmn"),
    ("lambdachat access key", "lck_" + "Q2xhdWRlIHNheXMgaGkgdG8geW91IGFuZCB5b3Vycw"[:43]),
    ("lambdachat sign-in session", "lcs_" + "3e6QTjvA4JJB_n53_WftSKkIz69eDeDM6Ntz4acNycM"),
    ("Groq key", "gsk_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4y5Z6"),
    ("Mistral-style bare key", "Xk9fQ2mB7rT4wLp0sZ8vN3yH6cJ1dG5a"),
    ("share owner token", "p3L9vKq_x2-ZbT8mW4nR7sYcA0eF6hJ1uD5gI9oQ2kM"),
    ("bearer token", "Bearer some.jwt-like~token"),
]


@pytest.mark.parametrize(("shape", "secret"), SECRET_SHAPES, ids=[s for s, _ in SECRET_SHAPES])
def test_redact_masks_every_key_shape_in_text(shape, secret):
    assert redact(f"report: {secret}, then more") == "report: [redacted], then more"
    assert redact({"message": f"failed with {secret}"}) == {"message": "failed with [redacted]"}


# What must stay readable: ids and digests have no secret shape.
READABLE = [
    "request 3f2b8c1d9e7a4b6c8d0e1f2a3b4c5d6e",                     # uuid4().hex request id
    "share 5b0c6a2e-1f3d-4e8a-9c2b-7d1e0f3a4b5c",                  # a share id
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "file quarterly_report_final_version_2026_december.pdf",
]


@pytest.mark.parametrize("text", READABLE)
def test_redact_leaves_ids_and_digests_readable(text):
    assert redact(text) == text


def test_client_log_reports_are_written_without_any_key_shape(log_lines):
    client = create_app(["log"]).test_client()
    report = {"error": "AuthError", "provider": "Custom",
              "message": " ".join(secret for _, secret in SECRET_SHAPES)}
    assert client.post("/backend-api/v2/log", json=report).status_code == 200
    out = log_lines.getvalue()
    assert "client log" in out
    leaked = [shape for shape, secret in SECRET_SHAPES if secret.split()[-1] in out]
    assert leaked == []
