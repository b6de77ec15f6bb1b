"""Rate limits through `lambdachat serve`: buckets on the embedded moto, 429 + Retry-After over real HTTP."""

from __future__ import annotations

import httpx

from tests.fakes.upstream import FakeUpstream
from tests.local_server import local_server

SHARE = "/backend-api/v2/chat/2e9a4c1b-7d3f-4b8e-9c6a-1f0e2d3c4b5a"


def test_share_reads_and_conversations_are_limited_on_the_embedded_moto() -> None:
    with FakeUpstream() as upstream:
        env = {"CUSTOM_BASE_URL": upstream.base_url + "/v1", "LAMBDACHAT_RATE_LIMITS": "on",
               "LAMBDACHAT_RATE_SHARE_READS_IP_PER_MINUTE": "1", "LAMBDACHAT_RATE_SHARE_READS_IP_BURST": "2",
               "LAMBDACHAT_RATE_CONVERSATION_IP_PER_MINUTE": "1", "LAMBDACHAT_RATE_CONVERSATION_IP_BURST": "1"}
        with local_server(env) as server, httpx.Client(base_url=server.url, timeout=30) as client:
            assert [client.get(SHARE).status_code for _ in range(3)] == [404, 404, 429]
            refused = client.get(SHARE)
            assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
            chat = {"provider": "Custom", "model": "m", "messages": [{"role": "user", "content": "hi"}]}
            assert client.post("/backend-api/v2/conversation", json=chat).status_code == 200
            page = client.post("/backend-api/v2/conversation", json=chat, headers={"Accept": "text/event-stream"})
            assert page.status_code == 429 and "<title>429 Too Many Requests</title>" in page.text
    assert len(upstream.seen) == 1  # the refused conversation never reached the provider
