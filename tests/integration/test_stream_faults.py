"""Upstream faults and client disconnects through the running local server, over real HTTP.

The server talks to a fake OpenAI-compatible upstream (provider `Custom`) that replays the real
wire format; each test scripts one failure and reads the NDJSON stream as a client does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.upstream import FakeUpstream, OpenAIWire
from tests.local_server import LocalServer, local_server

BODY = {"provider": "Custom", "model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def server(upstream: FakeUpstream) -> Iterator[LocalServer]:
    env = {"CUSTOM_BASE_URL": f"{upstream.base_url}/v1", "LAMBDACHAT_STREAM_TIMEOUT": "1.5"}
    with local_server(env) as running:
        yield running


def chat(server: LocalServer, **extra: object) -> tuple[list[bytes], list[dict[str, object]]]:
    """The raw body chunks and the parsed lines of one conversation."""
    chunks: list[bytes] = []
    with httpx.stream("POST", f"{server.url}/backend-api/v2/conversation", json={**BODY, **extra},
                      timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        chunks.extend(response.iter_raw())
    body = b"".join(chunks)
    assert body.endswith(b"\n"), "the stream must end on a whole line"
    return chunks, [json.loads(line) for line in body.splitlines()]


def test_a_normal_answer_streams_in_order(server, upstream):
    upstream.script(OpenAIWire.stream("Hel", "lo"))
    _, events = chat(server)
    assert [e["type"] for e in events] == ["provider", "content", "content", "finish", "usage"]
    assert events[0]["provider"]["name"] == "Custom"


@pytest.mark.parametrize("status, kind", [(401, "auth"), (429, "error"), (500, "error"), (503, "error")])
def test_upstream_error_statuses_end_the_stream_with_one_event(server, upstream, status, kind):
    upstream.script(OpenAIWire.error(status, retry_after=7 if status == 429 else None))
    _, events = chat(server)
    assert [e["type"] for e in events] == ["provider", kind]
    if status == 429:
        assert events[1]["error"] == "RateLimitError"


def test_a_cut_keeps_the_content_already_sent_and_ends_with_an_error(server, upstream):
    upstream.script(OpenAIWire.stream("one ", "two ", "three").cut(after=3))
    _, events = chat(server)
    assert [e["type"] for e in events] == ["provider", "content", "content", "error"]
    assert events[-1]["error"] == "UpstreamDisconnected"
    assert "".join(str(e["content"]) for e in events if e["type"] == "content") == "one two "


def test_a_silent_upstream_times_out_into_an_error_event(server, upstream):
    upstream.script(OpenAIWire.stream("before ", "after").stalled(after=2, seconds=10))
    _, events = chat(server)
    assert [e["type"] for e in events] == ["provider", "content", "error"]
    assert events[-1]["error"] == "UpstreamTimeout"


def test_lines_arrive_as_they_are_produced(server, upstream):
    upstream.script(OpenAIWire.stream("a", "b", "c", "d").slow(0.2))
    chunks, events = chat(server)
    contents = [c for c in chunks if b'"type":"content"' in c]
    assert len(contents) == 4, "each content line must be flushed on its own, not buffered to the end"
    assert len(events) == 7


def test_a_client_that_goes_away_stops_the_upstream_request(server, upstream):
    upstream.script(OpenAIWire.stream(*[f"t{i} " for i in range(200)]).slow(0.05))
    with httpx.stream("POST", f"{server.url}/backend-api/v2/conversation", json=BODY, timeout=30) as response:
        for line in response.iter_lines():
            if '"type":"content"' in line:
                break  # leave after the first token: closing the response drops the connection
    seen = upstream.last
    assert seen.disconnected.wait(10), "the server kept the upstream request running"
    assert not seen.completed.is_set()
    assert seen.frames_sent < 100


def test_client_mistakes_are_json_errors_before_any_stream(server):
    response = httpx.post(f"{server.url}/backend-api/v2/conversation", content=b"{nope",
                          headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"error": {"message": "Invalid JSON data"}}
    response = httpx.post(f"{server.url}/backend-api/v2/conversation", json={**BODY, "provider": "Nope"})
    assert response.status_code == 404


def test_sse_framing_over_http(server, upstream):
    upstream.script(OpenAIWire.stream("x"))
    with httpx.stream("POST", f"{server.url}/backend-api/v2/conversation?format=sse", json=BODY) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = response.read().decode()
    assert text.startswith("event: provider\ndata: ")
    assert "event: content\ndata: " in text
