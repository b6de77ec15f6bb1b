"""Rate limits on DynamoDB (moto): 429 + Retry-After per route group, shared across instances,
the V1 HTML page on the conversation route, the Lambda event's source IP, and no storage call
on routes that are not limited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from lambdachat.limits.buckets import DynamoBuckets, InMemoryBuckets
from lambdachat.limits.rules import Rate
from lambdachat.providers.base import Content, Finish

from tests.apps import create_app, lambda_handler
from tests.aws import mocked_aws
from tests.events import LambdaContext, http_api_event
from tests.fakes.providers import FakeProvider, install

CHAT = {"messages": [{"role": "user", "content": "hi"}]}
IP = {"REMOTE_ADDR": "198.51.100.20"}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("LAMBDACHAT_RATE_LIMITS", "on")
    with mocked_aws(monkeypatch) as client:
        yield client


@pytest.fixture
def chat_app(monkeypatch: pytest.MonkeyPatch, aws: Any) -> Any:
    install(FakeProvider(script=[Content("Hello"), Finish("stop")]))
    monkeypatch.setenv("LAMBDACHAT_RATE_CONVERSATION_IP_PER_MINUTE", "1")
    monkeypatch.setenv("LAMBDACHAT_RATE_CONVERSATION_IP_BURST", "2")
    return create_app(["conversation", "version"])


def test_conversation_over_the_limit_is_429_json_with_retry_after(chat_app: Any) -> None:
    client = chat_app.test_client()
    for _ in range(2):
        assert client.post("/backend-api/v2/conversation", json=CHAT, environ_base=IP).status_code == 200
    refused = client.post("/backend-api/v2/conversation", json=CHAT, environ_base=IP,
                          headers={"Accept": "application/json"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Too many requests" in refused.get_json()["error"]["message"]
    other = client.post("/backend-api/v2/conversation", json=CHAT, environ_base={"REMOTE_ADDR": "198.51.100.21"})
    assert other.status_code == 200
    assert client.options("/backend-api/v2/conversation", environ_base=IP).status_code != 429  # preflight


def test_conversation_429_is_the_html_page_v1_parses_when_json_was_not_asked_for(chat_app: Any) -> None:
    client = chat_app.test_client()
    for _ in range(2):
        client.post("/backend-api/v2/conversation", json=CHAT, environ_base=IP)
    refused = client.post("/backend-api/v2/conversation", json=CHAT, environ_base=IP,
                          headers={"Accept": "text/event-stream"})
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    page = refused.get_data(as_text=True)
    assert "<title>429 Too Many Requests</title>" in page
    assert "<p>Too many requests: try again in" in page
    assert refused.headers["Retry-After"].isdigit()


def test_buckets_hold_across_instances(monkeypatch: pytest.MonkeyPatch, chat_app: Any) -> None:
    first = chat_app.test_client()
    for _ in range(2):
        first.post("/backend-api/v2/conversation", json=CHAT, environ_base=IP)
    second = create_app(["conversation"]).test_client()
    assert second.post("/backend-api/v2/conversation", json=CHAT, environ_base=IP).status_code == 429


def test_the_dynamodb_store_agrees_with_the_reference_buckets(aws: Any) -> None:
    rate = Rate(per_minute=60, burst=3)
    dynamo, reference = DynamoBuckets(), InMemoryBuckets()
    times = [0, 0, 0, 0, 500, 1_000, 1_000, 2_500, 2_600, 10_000, 10_000, 10_000, 10_000, 10_001]
    got = [dynamo.take("rate#t#ip#x", rate, 1_000_000 + t) for t in times]
    assert got == [reference.take("x", rate, 1_000_000 + t) for t in times]
    assert got.count(0.0) < len(got)
    item = aws("dynamodb").get_item(TableName="lambdachat", Key={"pk": {"S": "rate#t#ip#x"}, "sk": {"S": "bucket"}})
    assert int(item["Item"]["expires_at"]["N"]) > 1_000_000 // 1000 + 10  # TTL set past the refill


def test_a_fresh_process_with_a_wrong_guess_still_counts_right(aws: Any) -> None:
    rate = Rate(per_minute=60, burst=2)
    DynamoBuckets().take("rate#t#ip#y", rate, 5_000_000)
    second = DynamoBuckets()  # guesses "full bucket"; the item says otherwise
    assert second.take("rate#t#ip#y", rate, 5_000_000) == 0.0
    assert second.take("rate#t#ip#y", rate, 5_000_000) > 0


def test_share_reads_are_limited_per_ipv6_64(monkeypatch: pytest.MonkeyPatch, aws: Any) -> None:
    monkeypatch.setenv("LAMBDACHAT_RATE_SHARE_READS_IP_BURST", "1")
    client = create_app(["chat"]).test_client()
    share = "/backend-api/v2/chat/7f1c7d7e-0c5b-4a5e-9a51-5d2f1d1b8a11"
    assert client.get(share, environ_base={"REMOTE_ADDR": "2001:db8:5:6::1"}).status_code == 404
    rotated = client.get(share, environ_base={"REMOTE_ADDR": "2001:db8:5:6::abcd"})
    assert rotated.status_code == 429 and rotated.get_json()["error"]["message"]
    assert client.get(share, environ_base={"REMOTE_ADDR": "2001:db8:5:7::1"}).status_code == 404


def test_memory_writes_uploads_and_synthesize_are_limited(monkeypatch: pytest.MonkeyPatch, aws: Any) -> None:
    for group in ("MEMORY_WRITES", "UPLOADS", "SYNTHESIZE"):
        monkeypatch.setenv(f"LAMBDACHAT_RATE_{group}_IP_BURST", "1")
    client = create_app(["memory", "files", "synthesize"]).test_client()
    bucket = "/backend-api/v2/files/0d7f2c84-5f0e-4d6e-8a3b-2b7f7f8e1c11"
    calls = [lambda: client.post("/backend-api/v2/memory/u1", json={"text": "x"}, environ_base=IP),
             lambda: client.post(bucket + "/uploads", json={"filename": "a.txt", "size": 1}, environ_base=IP),
             lambda: client.get("/backend-api/v2/synthesize/NoSuch?text=hi", environ_base=IP)]
    for call in calls:
        assert call().status_code != 429
        second = call()
        assert second.status_code == 429 and second.headers["Retry-After"].isdigit()


def test_routes_that_are_not_limited_make_no_dynamodb_call(chat_app: Any, aws: Any) -> None:
    calls: list[str] = []
    aws("dynamodb").meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))
    client = chat_app.test_client()
    assert client.get("/backend-api/v2/version", environ_base=IP).status_code == 200
    assert calls == []
    client.post("/backend-api/v2/conversation", json=CHAT, environ_base=IP)
    assert calls == ["UpdateItem"]  # open mode: the IP bucket only, one conditional update


def test_the_lambda_event_source_ip_is_the_client_and_forwarded_for_is_not(chat_app: Any) -> None:
    handler = lambda_handler("conversation")
    replies = []
    for spoof in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        event = http_api_event("POST", "/backend-api/v2/conversation", body=json.dumps(CHAT),
                               headers={"content-type": "application/json", "x-forwarded-for": spoof})
        replies.append(handler(event, LambdaContext()))
    assert [r["statusCode"] for r in replies] == [200, 200, 429]
    assert replies[2]["headers"]["Retry-After"].isdigit()
