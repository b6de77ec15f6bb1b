"""Fitting a conversation into the model's context window (issue 16, item 5).

`fit_history` with a token counter that counts words (plus a few per message, as a chat
template adds): the system prompt and the newest turns stay, the oldest go first and in
blocks, a lone oversize message is cut in the middle with a marker. Then the same rules as
the client sees them: a `message` event saying how many earlier messages were left out.
"""

from __future__ import annotations

from typing import Any

from lambdachat.chat.fitting import CUT_MARKER, DROP_BLOCK, fit_history, fit_request
from lambdachat.chat.request import parse_conversation
from lambdachat.chat.service import start_conversation
from lambdachat.identity import Principal
from lambdachat.providers.base import ChatRequest, Content, Finish
from lambdachat.providers.local import LocalModel
from lambdachat.web.streaming import wire_event

from tests.apps import test_services
from tests.fakes.providers import FakeProvider, install

PER_MESSAGE = 4
SYSTEM = {"role": "system", "content": "You are a brief assistant."}


def words(messages: list[dict[str, Any]]) -> int:
    total = 0
    for m in messages:
        content = m["content"]
        text = content if isinstance(content, str) else " ".join(p.get("text", "") for p in content)
        total += PER_MESSAGE + len(text.split())
    return total


def chat(turns: int) -> list[dict[str, Any]]:
    """System prompt, then `turns` question/answer pairs, then the newest question."""
    messages: list[dict[str, Any]] = [SYSTEM]
    for n in range(turns):
        messages += [{"role": "user", "content": f"question {n} about fruit"},
                     {"role": "assistant", "content": f"answer {n} is an apple of some kind"}]
    return [*messages, {"role": "user", "content": "the newest question"}]


def test_a_chat_that_fits_goes_unchanged():
    messages = chat(3)
    fitted = fit_history(messages, budget=words(messages), count=words)
    assert fitted.messages == messages and fitted.left_out == 0 and not fitted.cut


def test_the_oldest_go_first_the_system_prompt_and_newest_turns_stay():
    messages = chat(40)
    fitted = fit_history(messages, budget=200, count=words)
    assert words(fitted.messages) <= 200
    assert fitted.messages[0] == SYSTEM
    assert fitted.messages[-1] == messages[-1]
    kept = fitted.messages[1:]
    assert kept == messages[-len(kept):]            # a contiguous run of the newest
    assert fitted.left_out == len(messages) - 1 - len(kept) > 0
    assert kept[0]["role"] == "user"                # never opens with an orphaned answer
    assert not fitted.cut


def test_messages_leave_in_blocks_so_the_kept_history_starts_at_the_same_message_turn_after_turn():
    starts = []
    for turns in range(30, 46):
        fitted = fit_history(chat(turns), budget=200, count=words)
        assert fitted.left_out % DROP_BLOCK == 0
        starts.append(fitted.messages[1]["content"])
    # One start per block of DROP_BLOCK / 2 turns, not one per turn: the prompt cache stays warm.
    assert len(set(starts)) <= len(starts) // (DROP_BLOCK // 2) + 1


def test_a_history_that_would_open_with_an_answer_loses_that_answer_too():
    answer = {"role": "assistant", "content": "b " * 30}
    messages = [SYSTEM, {"role": "user", "content": "a " * 30}, answer, {"role": "user", "content": "newest"}]
    # The answer and the newest question fit (48 of 60), its question does not (82).
    fitted = fit_history(messages, budget=60, count=words)
    assert fitted.messages == [SYSTEM, messages[-1]] and fitted.left_out == 2


def test_a_newest_message_too_big_alone_is_cut_in_the_middle_with_a_visible_marker():
    document = " ".join(f"w{i}" for i in range(5000))
    newest = {"role": "user", "content": f"Summarise this: {document} What is the last word?"}
    fitted = fit_history([SYSTEM, {"role": "user", "content": "old"}, {"role": "assistant", "content": "ok"},
                          newest], budget=500, count=words)
    assert words(fitted.messages) <= 500
    assert fitted.cut and fitted.left_out == 2
    assert fitted.messages[0] == SYSTEM
    text = fitted.messages[-1]["content"]
    assert text.startswith("Summarise this: w0 w1")
    assert text.endswith("w4999 What is the last word?")
    assert CUT_MARKER.split("{")[0] in text and "characters left out to fit the model's context" in text


def test_a_cut_reaches_bucket_text_in_a_list_part_and_keeps_the_other_parts():
    newest = {"role": "user", "content": [{"type": "text", "text": "Read this."},
                                          {"type": "text", "text": "x " * 4000}]}
    fitted = fit_history([SYSTEM, newest], budget=300, count=words)
    assert words(fitted.messages) <= 300 and fitted.cut
    parts = fitted.messages[-1]["content"]
    assert parts[0] == {"type": "text", "text": "Read this."}
    assert "characters left out" in parts[1]["text"]


def test_a_model_without_a_known_window_is_sent_the_history_unchanged():
    messages = chat(500)
    request = ChatRequest(model="unknown", messages=messages)
    fitted, notice = fit_request(FakeProvider(), request)
    assert fitted is request and notice is None


def test_the_fitted_prompt_leaves_room_for_the_answer():
    provider = FakeProvider(window=1000)
    fitted, notice = fit_request(provider, ChatRequest(model="m", messages=chat(200), params={"max_tokens": 300}))
    assert provider.count_tokens(fitted.messages) <= 1000 - 300
    assert notice is not None and "earlier messages were left out" in notice.text and "1,000 tokens" in notice.text


def test_the_embedded_model_window_is_its_slot_and_its_default_answer_is_the_local_cap(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_LOCAL_CTX", "4096")
    monkeypatch.setenv("LAMBDACHAT_LOCAL_MAX_TOKENS", "512")
    test_services()  # reloads the settings from this environment
    local = LocalModel()
    assert local.context_window("SmolLM2-135M-Instruct") == 2048
    assert local.answer_tokens({}) == 512 and local.answer_tokens({"max_tokens": 64}) == 64


def test_the_client_is_told_how_many_earlier_messages_were_left_out_and_retry_works_too():
    fake = FakeProvider(window=600, script=[Content("fine"), Finish("stop")])
    install(fake)
    messages = chat(200)
    for action in (None, "variant"):
        body: dict[str, Any] = {"provider": "Fake", "messages": messages + (
            [{"role": "assistant", "content": "a first try"}] if action else [])}
        if action:
            body["action"] = action
        events = [wire_event(e) for e in start_conversation(parse_conversation(body), Principal("local"),
                                                            test_services())]
        assert [e["type"] for e in events] == ["provider", "message", "content", "finish"]
        sent = fake.requests[-1].messages
        assert sent[0] == SYSTEM and sent[-1] == messages[-1]
        assert events[1]["message"] == (f"Warning: {len(messages) - len(sent)} earlier messages were left out "
                                        "to fit the model's context (600 tokens).")
        assert fake.count_tokens(sent) <= 600 - 300
