"""Usage, stats and log routes on DynamoDB (moto), through the Flask app."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from lambdachat.providers.base import Content, Finish, Usage
from lambdachat.usage import recorder

from tests.apps import LazyClient, use_real
from tests.aws import mocked_aws
from tests.fakes.principals import as_, install_header_auth
from tests.fakes.providers import FakeProvider, install


def today() -> str:
    """Read at each use, not at import: a run that crosses midnight UTC must not fail."""
    return datetime.now(UTC).date().isoformat()
RECORD = {"model": "gpt-4o", "provider": "OpenAI", "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


@pytest.fixture
def client(monkeypatch):
    install_header_auth()
    with mocked_aws(monkeypatch):
        use_real("usage")
        yield LazyClient(["usage", "stats", "log", "conversation"])
        recorder.drain()


def post_usage(client, body, who="alice", **headers):
    return client.post("/backend-api/v2/usage", json=body, headers={**as_(who), **headers})


def test_post_usage_stores_a_record_for_the_principal_not_the_client_header(client, capsys):
    response = post_usage(client, {**RECORD, "user": "mallory"}, **{"x-user": "mallory", "x_user": "mallory"})
    assert (response.status_code, response.get_json()) == (200, {})
    (record,) = client.get(f"/backend-api/v2/usage/{today()}", headers=as_("alice")).get_json()
    assert {k: record[k] for k in RECORD} == RECORD
    assert "user" not in record and record["source"] == "client"
    assert client.get(f"/backend-api/v2/usage/{today()}", headers=as_("mallory")).get_json() == []
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [(m["model"], m["provider"], m["TotalTokens"]) for m in emf] == [("gpt-4o", "OpenAI", [15.0])]


def test_stats_sum_today_per_model_and_provider_for_this_principal_only(client):
    post_usage(client, RECORD)
    post_usage(client, {**RECORD, "model": "mini", "total_tokens": 1, "prompt_tokens": 1, "completion_tokens": 0})
    post_usage(client, RECORD, who="bob")
    stats = client.get("/backend-api/v2/stats?days=7", headers=as_("alice")).get_json()
    assert len(stats["days"]) == 7 and stats["days"][-1]["date"] == today()
    assert stats["days"][-1]["requests"] == 2
    assert stats["totals"] == {"requests": 2, "prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}
    assert list(stats["models"]) == ["gpt-4o", "mini"]
    assert stats["providers"] == {"OpenAI": stats["totals"]}
    default = client.get("/backend-api/v2/stats", headers=as_("alice")).get_json()
    assert len(default["days"]) == 30


def test_the_conversation_route_records_the_usage_its_provider_reports(client, monkeypatch):
    install(FakeProvider(script=[Content("hi"), Usage(7, 3), Finish("stop")]))
    response = client.post("/backend-api/v2/conversation", headers=as_("alice"),
                           json={"provider": "Fake", "messages": [{"role": "user", "content": "hi"}]})
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [line["type"] for line in lines] == ["provider", "content", "usage", "finish"]
    recorder.drain()
    (record,) = client.get(f"/backend-api/v2/usage/{today()}", headers=as_("alice")).get_json()
    assert (record["provider"], record["model"], record["total_tokens"], record["source"]) == (
        "Fake", "fake-model", 10, "conversation")


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"prompt_tokens": -1}', b'{"total_tokens": "9"}'])
def test_bad_usage_bodies_are_400_and_store_nothing(client, body):
    response = client.post("/backend-api/v2/usage", data=body,
                           headers={**as_("alice"), "Content-Type": "application/json"})
    assert response.status_code == 400
    assert client.get(f"/backend-api/v2/usage/{today()}", headers=as_("alice")).get_json() == []


def test_usage_over_4_kb_is_413(client):
    assert post_usage(client, {**RECORD, "note": "x" * 4096}).status_code == 413
    assert client.get(f"/backend-api/v2/usage/{today()}", headers=as_("alice")).get_json() == []


@pytest.mark.parametrize("path", ["/backend-api/v2/usage/2026-02-30", "/backend-api/v2/usage/today",
                                  "/backend-api/v2/stats?days=0", "/backend-api/v2/stats?days=367",
                                  "/backend-api/v2/stats?days=abc"])
def test_bad_dates_and_windows_are_400(client, path):
    response = client.get(path, headers=as_("alice"))
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_every_route_needs_a_principal(client):
    assert client.post("/backend-api/v2/usage", json=RECORD).status_code == 401
    assert client.get(f"/backend-api/v2/usage/{today()}").status_code == 401
    assert client.get("/backend-api/v2/stats").status_code == 401
    assert client.post("/backend-api/v2/log", json={}).status_code == 401


def test_log_writes_one_structured_line_with_origin_and_report(client, log_lines):
    report = {"type": "error", "error": "RateLimitError", "message": "RateLimitError: slow down\nFAKE LINE",
              "provider": {"name": "OpenAI", "model": "gpt-4o"}, "api_key": "sk-abcdefghijklmnop"}
    response = client.post("/backend-api/v2/log", json=report,
                           headers={**as_("alice"), "Origin": "http://localhost"})
    assert (response.status_code, response.get_json()) == (200, {})
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    (logged,) = [line for line in lines if line.get("message") == "client log"]
    assert logged["origin"] == "http://localhost" and logged["principal"] == "alice"
    assert logged["report"]["error"] == "RateLimitError"
    assert logged["report"]["provider"]["name"] == "OpenAI"
    assert logged["report"]["api_key"] == "[redacted]"


def test_log_bodies_are_bounded_and_must_be_objects(client):
    too_big = {"message": "x" * 16 * 1024}
    assert client.post("/backend-api/v2/log", json=too_big, headers=as_("alice")).status_code == 413
    assert client.post("/backend-api/v2/log", json=["x"], headers=as_("alice")).status_code == 400
    assert client.post("/backend-api/v2/log", data=b"nope", headers=as_("alice"),
                       content_type="application/json").status_code == 400
    assert client.post("/backend-api/v2/log", data=b"nope", headers=as_("alice")).status_code == 415
