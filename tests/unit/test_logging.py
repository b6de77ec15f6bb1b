"""Every log line is JSON with a request id, and no provider key ever reaches one."""

import json

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
