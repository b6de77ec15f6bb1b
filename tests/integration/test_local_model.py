"""The embedded SmolLM2 provider against the real model (xllamacpp, in-process).

Tests marked `model` load the real model once per process (about half a second). The others
check behaviour that needs no generation: message flattening and the not-installed errors.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Iterator

import pytest
from lambdachat.providers import local
from lambdachat.providers.base import ChatRequest, Content, Credentials, Finish, Notice, ProviderEvent, Usage
from lambdachat.providers.local import (
    WORKER_PREFIX,
    EmbeddedModel,
    LoadedModel,
    LocalModel,
    LocalModelError,
    LocalModelUnavailable,
    to_text_messages,
)

# Greedy decoding makes this prompt run all the way to max_tokens (measured: 1000 of 1000).
LONG_PROMPT = "Write the numbers from 1 to 2000 separated by commas."
LONG_MAX_TOKENS = 1000


def chat(text: str | list[dict[str, object]], **params: object) -> ChatRequest:
    return ChatRequest(model=local.MODEL_ID, messages=[{"role": "user", "content": text}],
                       params=dict(params))


def collect(events: Iterator[ProviderEvent]) -> tuple[str, list[ProviderEvent]]:
    items = list(events)
    return "".join(e.text for e in items if isinstance(e, Content)), items


def tokens_predicted() -> float:
    metrics = local._SHARED.get().server.handle_metrics()
    line = next(m for m in metrics.splitlines() if m.startswith("llamacpp:tokens_predicted_total "))
    return float(line.split()[1])


def join_workers() -> list[threading.Thread]:
    """Wait for every generation worker to end; the ones still alive after that."""
    workers = [t for t in threading.enumerate() if t.name.startswith(WORKER_PREFIX)]
    for worker in workers:
        worker.join(timeout=120)
    return [t for t in workers if t.is_alive()]


# ---- no model needed ------------------------------------------------------------------------

def test_provider_describes_itself_as_a_keyless_tiny_offline_model():
    provider = LocalModel()
    described = provider.describe()
    assert described["name"] == "Local" and described["auth"] is False
    assert "offline" in described["label"] and "135M" in described["label"]
    assert [m.id for m in provider.list_models(Credentials())] == ["SmolLM2-135M-Instruct"]
    assert provider.is_configured(Credentials())


def test_list_content_is_joined_and_images_are_reported():
    messages, dropped = to_text_messages([
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "What is"},
                                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}},
                                     {"type": "text", "text": "in this picture?"}]},
    ])
    assert messages == [{"role": "system", "content": "Be brief."},
                        {"role": "user", "content": "What is\nin this picture?"}]
    assert dropped


def test_text_only_messages_report_no_dropped_image():
    _, dropped = to_text_messages([{"role": "user", "content": [{"type": "text", "text": "hi"}]}])
    assert not dropped


def test_missing_model_package_is_a_provider_error_that_says_how_to_install(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == local.MODEL_PACKAGE else real_find_spec(name, *a))
    provider = LocalModel(EmbeddedModel())
    with pytest.raises(LocalModelUnavailable, match="make run"):
        list(provider.stream_chat(chat("hi")))
    assert provider.warm_up() is False


def test_missing_xllamacpp_is_a_provider_error_that_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # makes `import xllamacpp` fail
    with pytest.raises(LocalModelUnavailable, match="pip install xllamacpp"):
        list(LocalModel(EmbeddedModel()).stream_chat(chat("hi")))


# ---- the real model -------------------------------------------------------------------------

@pytest.mark.model
def test_short_chat_streams_content_then_finish_and_usage():
    text, items = collect(LocalModel().stream_chat(chat("Name three primary colors.", max_tokens=40)))
    assert text.strip()
    assert isinstance(items[0], Content)
    kinds = [type(e) for e in items]
    assert kinds.index(Finish) > max(i for i, k in enumerate(kinds) if k is Content)
    usage = next(e for e in items if isinstance(e, Usage))
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0


@pytest.mark.model
def test_tiny_max_tokens_ends_with_length():
    _, items = collect(LocalModel().stream_chat(chat("Tell me a long story about a dragon.", max_tokens=3)))
    assert Finish("length") in items
    assert next(e for e in items if isinstance(e, Usage)).completion_tokens == 3


@pytest.mark.model
def test_closing_the_stream_stops_generation_and_frees_the_server():
    provider = LocalModel()
    provider.warm_up()
    before = tokens_predicted()
    stream = provider.stream_chat(chat(LONG_PROMPT, max_tokens=LONG_MAX_TOKENS, temperature=0))
    assert isinstance(next(stream), Content)
    stream.close()  # what the web layer does when the client goes away
    assert join_workers() == []
    # Left running, this prompt would have produced all LONG_MAX_TOKENS tokens.
    assert tokens_predicted() - before < LONG_MAX_TOKENS
    _, items = collect(provider.stream_chat(chat("Say hi.", max_tokens=5)))
    assert any(isinstance(e, Finish) for e in items)


@pytest.mark.model
def test_concurrent_first_use_loads_the_model_once():
    loads: list[LoadedModel] = []

    def counting_loader() -> LoadedModel:
        loaded = local.load_model()
        loads.append(loaded)
        return loaded

    provider = LocalModel(EmbeddedModel(counting_loader))
    start = threading.Barrier(2)
    answers: list[str] = []

    def ask() -> None:
        start.wait()
        answers.append(collect(provider.stream_chat(chat("Say hello.", max_tokens=8)))[0])

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(loads) == 1
    assert len(answers) == 2 and all(a.strip() for a in answers)


@pytest.mark.model
def test_oversized_prompt_is_a_clear_provider_error_and_the_model_keeps_serving():
    provider = LocalModel()
    with pytest.raises(LocalModelError, match="too long for the local model"):
        list(provider.stream_chat(chat("word " * 5000)))
    _, items = collect(provider.stream_chat(chat("Say hi.", max_tokens=5)))
    assert any(isinstance(e, Finish) for e in items)


@pytest.mark.model
def test_images_are_left_out_with_a_notice_instead_of_failing():
    parts: list[dict[str, object]] = [
        {"type": "text", "text": "Describe this picture."},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
    text, items = collect(LocalModel().stream_chat(chat(parts, max_tokens=10)))
    assert isinstance(items[0], Notice) and "cannot see images" in items[0].text
    assert text.strip()
