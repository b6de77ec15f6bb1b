"""A long chat with the embedded model never dead-ends (issue 16, item 5).

Through the conversation route as a client drives it: every turn sends the whole history back
with the model's last answer in it. Past the model's window (half of LAMBDACHAT_LOCAL_CTX, one
of llama.cpp's two slots) the oldest turns are left out, the client is told so, and the model
keeps answering, Retry (`variant`) included. A small LAMBDACHAT_LOCAL_CTX makes the window fill
within a few turns, so the trimmed turns (the ones that used to fail) are most of the sixty.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from lambdachat.providers.local import EmbeddedModel, LocalModel

from tests.apps import create_app
from tests.fakes.providers import install

TURNS = 60
WINDOW = 192  # tokens per chat: full after about five turns
ANSWER_TOKENS = 8
QUESTIONS = ("Name a fruit.", "Say a colour.", "Name an animal.", "Give me a number.", "Say hello.")


def ask(client: Any, messages: list[dict[str, str]], **extra: Any) -> list[dict[str, Any]]:
    response = client.post("/backend-api/v2/conversation", json={
        "provider": "Local", "messages": messages, "max_tokens": ANSWER_TOKENS, **extra})
    assert response.status_code == 200
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def answer_of(events: list[dict[str, Any]]) -> str:
    return "".join(e["content"] for e in events if e["type"] == "content")


@pytest.mark.model
@pytest.mark.timeout(600)  # sixty real generations: about a minute alone, several on a busy machine
def test_sixty_turns_keep_answering_with_the_oldest_left_out(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_RATE_LIMITS", "off")
    monkeypatch.setenv("LAMBDACHAT_LOCAL_CTX", str(2 * WINDOW))
    install(LocalModel(EmbeddedModel()))  # its own model, loaded with that context (not the shared one)
    client = create_app(["conversation"]).test_client()
    history: list[dict[str, str]] = [{"role": "system", "content": "You are a brief assistant."}]
    left_out = []
    for turn in range(TURNS):
        history.append({"role": "user", "content": f"{QUESTIONS[turn % len(QUESTIONS)]} (turn {turn + 1})"})
        events = ask(client, history)
        kinds = [e["type"] for e in events]
        assert "error" not in kinds, (turn, events[-1])
        assert answer_of(events).strip(), turn
        assert kinds[-1] in ("finish", "usage")
        notices = [e["message"] for e in events if e["type"] == "message"]
        left_out.append(int(notices[0].split()[1]) if notices else 0)
        usage = next(e["usage"] for e in events if e["type"] == "usage")
        assert usage["prompt_tokens"] + ANSWER_TOKENS <= WINDOW
        history.append({"role": "assistant", "content": answer_of(events)})
    trimmed = [n for n in left_out if n]
    assert len(trimmed) >= TURNS // 2          # most turns needed the fitting
    assert left_out[-1] > left_out[len(left_out) // 2] > 0  # and it drops more as the chat grows
    # Retry of the last answer, as V1's regenerate button sends it, answers too.
    retried = ask(client, history, action="variant")
    assert "error" not in [e["type"] for e in retried] and answer_of(retried).strip()
    assert any(e["type"] == "message" and "earlier messages were left out" in e["message"] for e in retried)
