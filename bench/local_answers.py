"""The embedded model's answers to 20 everyday prompts, with the old sampling and the new.

    PYTHONPATH=functions .venv/bin/python bench/local_answers.py [--max-tokens 512] [--chars 160] [--seed 42]

before: the request lambdachat sent llama.cpp until issue 16 (model, messages, stream,
        max_tokens: llama.cpp's defaults, temperature 0.8, top_k 40, top_p 0.95, min_p 0.05,
        no repetition penalty), read to its end;
after:  `LocalModel.stream_chat` as it is now (the model card's temperature 0.2 and top_p 0.9,
        repeat_penalty 1.1, and the repetition stop).
Both with the same seed, one after the other in one process, so the only difference is the
settings. Per prompt: each answer (first --chars characters, newlines shown as ⏎), its finish
reason and answer tokens (`looping`: the repetition test fires on it; after, it stopped it);
then the totals: tokens, answers that ran to the cap, loops.
"""

from __future__ import annotations

import argparse
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

from lambdachat.providers.base import ChatRequest, Content, Finish, Notice, ProviderEvent, Usage
from lambdachat.providers.local import _SHARED, MODEL_ID, LocalModel, chunk_events
from lambdachat.providers.repetition import RepetitionGuard

PROMPTS = (
    "Name three colors.",
    "What is the capital of France?",
    "Give me a tip for sleeping better.",
    "Write a haiku about the sea.",
    "How many days are in a week?",
    "Suggest a name for a pet cat.",
    "What should I cook for dinner tonight?",
    "Explain what a rainbow is in one sentence.",
    "List four fruits.",
    "How do you say good morning in Spanish?",
    "What is 12 plus 7?",
    "Write a short thank-you note to a friend.",
    "Why do we need to drink water?",
    "Give me three ideas for a rainy weekend.",
    "What is the opposite of hot?",
    "Summarize: the meeting moved from Monday to Wednesday at 3 pm, in room B.",
    "Tell me a fun fact about cats.",
    "How do I boil an egg?",
    "Recommend a good habit for the morning.",
    "What is the weather like in summer?",
)


@dataclass
class Answer:
    text: str
    finish: str
    tokens: int
    looped: bool
    seconds: float


def _read(events: list[ProviderEvent], seconds: float) -> Answer:
    """An answer; `looped`: it was stopped as a loop (after), or would have been (before)."""
    text = "".join(e.text for e in events if isinstance(e, Content))
    finish = next((e.reason for e in events if isinstance(e, Finish)), "?")
    tokens = next((e.completion_tokens for e in events if isinstance(e, Usage)), 0)
    guard = RepetitionGuard()
    looped = any(isinstance(e, Notice) and "repeating" in e.text for e in events) or any(
        [guard.feed(e.text) for e in events if isinstance(e, Content)])
    return Answer(text, finish, tokens, looped, seconds)


def before(prompt: str, max_tokens: int, seed: int) -> Answer:
    """The old request, straight to llama.cpp (seed added so both runs are reproducible)."""
    body: dict[str, Any] = {"model": MODEL_ID, "messages": [{"role": "user", "content": prompt}],
                            "stream": True, "max_tokens": max_tokens, "seed": seed}
    chunks: queue.Queue[dict[str, Any] | None] = queue.Queue()

    def on_chunk(chunk: dict[str, Any]) -> bool:
        chunks.put(chunk)
        return False  # never cancel: the old code read every answer to its end

    def run() -> None:
        _SHARED.get().server.handle_chat_completions(body, on_chunk)
        chunks.put(None)

    started = time.perf_counter()
    threading.Thread(target=run, daemon=True).start()
    events: list[ProviderEvent] = []
    while (chunk := chunks.get()) is not None:
        events.extend(chunk_events(chunk))
    return _read(events, time.perf_counter() - started)


def after(provider: LocalModel, prompt: str, max_tokens: int, seed: int) -> Answer:
    started = time.perf_counter()
    events = list(provider.stream_chat(ChatRequest(MODEL_ID, [{"role": "user", "content": prompt}],
                                                   params={"max_tokens": max_tokens, "seed": seed})))
    return _read(events, time.perf_counter() - started)


def short(answer: Answer, chars: int) -> str:
    text = answer.text.strip().replace("\n", "⏎")
    return (text[:chars] + "…") if len(text) > chars else text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-tokens", type=int, default=512, help="the answer cap (LAMBDACHAT_LOCAL_MAX_TOKENS)")
    parser.add_argument("--chars", type=int, default=160, help="characters of each answer shown")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    provider = LocalModel()
    if not provider.warm_up():
        raise SystemExit("the embedded model is not installed (make install)")
    totals: dict[str, list[Answer]] = {"before": [], "after": []}
    for n, prompt in enumerate(PROMPTS, 1):
        old = before(prompt, args.max_tokens, args.seed)
        new = after(provider, prompt, args.max_tokens, args.seed)
        totals["before"].append(old)
        totals["after"].append(new)
        print(f"{n:2}. {prompt}")
        print(f"    before [{old.finish}, {old.tokens} tok{', looping' if old.looped else ''}]: "
              f"{short(old, args.chars)}")
        print(f"    after  [{new.finish}, {new.tokens} tok{', loop stopped' if new.looped else ''}]: "
              f"{short(new, args.chars)}", flush=True)
    for name, answers in totals.items():
        capped = sum(a.finish == "length" for a in answers)
        looped = sum(a.looped for a in answers)
        print(f"{name:6}: {sum(a.tokens for a in answers)} answer tokens, {capped} of {len(answers)} ran to the "
              f"{args.max_tokens}-token cap, {looped} looping, {sum(a.seconds for a in answers):.1f} s")


if __name__ == "__main__":
    main()
