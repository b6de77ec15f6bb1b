"""The OpenAI-compatible adapter against a real OpenAI-compatible server, not a mock.

The embedded model's xllamacpp Server also runs llama.cpp's own HTTP server on 127.0.0.1
behind a per-process key: a real peer for streaming, usage, `/v1/models` and a refused key.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from lambdachat.providers.base import (
    ChatRequest,
    Content,
    Credentials,
    Finish,
    MissingAuthError,
    ProviderEvent,
    Usage,
)
from lambdachat.providers.local import MODEL_ID, Endpoint, LocalModel
from lambdachat.providers.openai_compat import OpenAICompatible, Preset

pytestmark = pytest.mark.model

# Greedy decoding makes this prompt run all the way to max_tokens (measured: 1000 of 1000).
LONG_PROMPT = "Write the numbers from 1 to 2000 separated by commas."
LONG_MAX_TOKENS = 1000


@pytest.fixture(scope="module")
def endpoint() -> Endpoint:
    return LocalModel().endpoint()


@pytest.fixture
def peer(endpoint: Endpoint) -> OpenAICompatible:
    return OpenAICompatible(Preset("LlamaCpp", "llama.cpp server", f"{endpoint.base_url}/v1",
                                   MODEL_ID, (MODEL_ID,)))


def creds(endpoint: Endpoint, api_key: str | None = None) -> Credentials:
    return Credentials(api_key=api_key or endpoint.api_key, base_url=f"{endpoint.base_url}/v1")


def chat(endpoint: Endpoint, text: str, api_key: str | None = None, **params: object) -> ChatRequest:
    return ChatRequest(model=MODEL_ID, messages=[{"role": "user", "content": text}],
                       credentials=creds(endpoint, api_key), params=dict(params))


def collect(events: Iterator[ProviderEvent]) -> tuple[str, list[ProviderEvent]]:
    items = list(events)
    return "".join(e.text for e in items if isinstance(e, Content)), items


def server_get(endpoint: Endpoint, path: str) -> httpx.Response:
    return httpx.get(endpoint.base_url + path, headers={"Authorization": f"Bearer {endpoint.api_key}"})


def tokens_predicted(endpoint: Endpoint) -> float:
    lines = server_get(endpoint, "/metrics").text.splitlines()
    return float(next(m for m in lines if m.startswith("llamacpp:tokens_predicted_total ")).split()[1])


def test_streamed_chat_yields_content_finish_and_usage(peer, endpoint):
    text, items = collect(peer.stream_chat(chat(endpoint, "Name three primary colors.", max_tokens=40)))
    assert text.strip()
    assert any(isinstance(e, Finish) for e in items)
    usage = next(e for e in items if isinstance(e, Usage))
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0


def test_max_tokens_reaches_the_peer(peer, endpoint):
    _, items = collect(peer.stream_chat(chat(endpoint, "Tell me a long story.", max_tokens=3)))
    assert Finish("length") in items
    assert next(e for e in items if isinstance(e, Usage)).completion_tokens == 3


def test_model_list_comes_from_the_peer(peer, endpoint):
    assert [m.id for m in peer.list_models(creds(endpoint))] == [MODEL_ID]


def test_wrong_key_is_missing_auth_for_chat_and_models(peer, endpoint):
    with pytest.raises(MissingAuthError):
        list(peer.stream_chat(chat(endpoint, "hi", api_key="not-the-key")))
    with pytest.raises(MissingAuthError):
        peer.list_models(creds(endpoint, "not-the-key"))


def test_closing_the_stream_stops_the_peer_generating(peer, endpoint):
    before = tokens_predicted(endpoint)
    stream = peer.stream_chat(chat(endpoint, LONG_PROMPT, max_tokens=LONG_MAX_TOKENS, temperature=0))
    assert isinstance(next(stream), Content)
    stream.close()  # closes the HTTP response; llama.cpp cancels the task when the socket goes
    deadline = time.monotonic() + 120
    while any(s["is_processing"] for s in server_get(endpoint, "/slots").json()):
        assert time.monotonic() < deadline, "the peer never went idle"
        time.sleep(0.05)
    # Left running, this prompt would have produced all LONG_MAX_TOKENS tokens.
    assert tokens_predicted(endpoint) - before < LONG_MAX_TOKENS
