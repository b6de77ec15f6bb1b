"""Fit a conversation into the model's context window, so a long chat never dead-ends.

Clients send the whole history every turn; past the model's window the provider refuses the
turn, and Retry sends the same history again. So before a provider is called: the leading
system prompt and the newest messages stay, the oldest go first, and the client is told how
many were left out. A history that starts with an orphaned answer loses it too (some vendors
refuse a conversation that opens with the assistant). When even the newest message does not
fit with the system prompt (a bucket's text pasted into it), its longest text is cut in the
middle, with a visible marker, so both the start and the question typed after a document stay.
Old messages leave in blocks of DROP_BLOCK (see `_in_blocks`: it keeps the prompt cache useful).

Counting is the provider's (`Provider.count_tokens`: exact for the embedded model, an upper
estimate elsewhere), and counting is monotone in the messages kept, so the number of messages
to keep is found by bisection: a few counts, however long the chat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from lambdachat.providers.base import ChatRequest, Notice, Provider

TokenCounter = Callable[[list[dict[str, Any]]], int]
Messages = list[dict[str, Any]]

CUT_MARKER = "\n\n[… {chars:,} characters left out to fit the model's context …]\n\n"
# Of a cut text, the end kept (a question typed after a pasted document); the rest is its start.
KEPT_TAIL_CHARS = 1000
# A cut is re-measured and tightened at most this often (each pass is one count).
CUT_PASSES = 8
# What the marker itself costs, roughly, in tokens.
MARKER_TOKENS = 24
NOTICE_KIND = "Warning"
# Messages leave in multiples of this (an even number: whole question-and-answer pairs).
DROP_BLOCK = 8


@dataclass(frozen=True)
class Fitted:
    messages: Messages
    left_out: int = 0  # earlier messages dropped
    cut: bool = False  # a message's text was shortened with CUT_MARKER


def fit_history(messages: Messages, budget: int, count: TokenCounter) -> Fitted:
    """The messages that fit `budget` prompt tokens, as `count` measures them."""
    if not messages or count(messages) <= budget:
        return Fitted(messages)
    pinned = 0
    while pinned < len(messages) - 1 and messages[pinned].get("role") == "system":
        pinned += 1
    system, history = messages[:pinned], messages[pinned:]

    def fits(keep: int) -> bool:
        return count(system + history[-keep:]) <= budget

    low, high = 0, len(history)  # fits(low) or low == 0; not fits(high)
    while high - low > 1:
        mid = (low + high) // 2
        if fits(mid):
            low = mid
        else:
            high = mid
    keep = _in_blocks(len(history), low)
    while keep > 1 and history[-keep].get("role") == "assistant":
        keep -= 1
    if keep >= 1:
        return Fitted(system + history[-keep:], left_out=len(history) - keep)
    kept = _cut_to_fit(system + history[-1:], budget, count)
    return Fitted(kept, left_out=len(history) - 1, cut=True)


def _in_blocks(total: int, keep: int) -> int:
    """`keep` lowered so that a whole number of DROP_BLOCKs is left out, when that keeps at least
    half of it. Messages then leave in blocks: the kept history starts at the same message for
    several turns in a row, so llama.cpp's prompt cache reuses the prompt evaluated last turn
    instead of evaluating the whole window again every turn (seconds on a CPU)."""
    dropped = -(-(total - keep) // DROP_BLOCK) * DROP_BLOCK
    return total - dropped if total - dropped >= max(1, keep // 2) else keep


def _cut_to_fit(messages: Messages, budget: int, count: TokenCounter) -> Messages:
    """Shorten the newest message's longest text, then the system prompt's, until they fit."""
    out = list(messages)
    for index in range(len(out) - 1, -1, -1):
        found = _longest_text(out[index])
        if found is None:
            continue
        part, text = found
        chars_per_token = max(1.0, len(text) / max(1, count([{"role": "user", "content": text}])))
        dropped = 0
        for _ in range(CUT_PASSES):
            over = count(out) - budget
            if over <= 0:
                return out
            # Each pass re-cuts the original text, deeper by what is still over (and the marker).
            dropped = min(len(text), dropped + int((over + MARKER_TOKENS) * chars_per_token) + 1)
            out[index] = _with_text(messages[index], part, _cut_middle(text, dropped))
            if dropped == len(text):
                break  # nothing left to cut in this one: try the one before
    return out  # still too long: the provider's own error says so


def _longest_text(message: dict[str, Any]) -> tuple[int | None, str] | None:
    """The longest text of a message: (its part's index, or None for string content; the text)."""
    content = message.get("content")
    if isinstance(content, str):
        return (None, content) if content else None
    parts = content if isinstance(content, list) else []
    texts = [(len(str(p.get("text") or "")), i) for i, p in enumerate(parts)
             if isinstance(p, dict) and p.get("type") == "text" and p.get("text")]
    if not texts:
        return None
    index = max(texts)[1]
    return index, str(parts[index]["text"])


def _with_text(message: dict[str, Any], part: int | None, text: str) -> dict[str, Any]:
    if part is None:
        return {**message, "content": text}
    parts = list(message["content"])
    parts[part] = {**parts[part], "text": text}
    return {**message, "content": parts}


def _cut_middle(text: str, dropped: int) -> str:
    """`text` without `dropped` characters from its middle, the marker in their place."""
    keep = len(text) - dropped
    tail = min(KEPT_TAIL_CHARS, keep // 2)
    head = keep - tail
    return text[:head] + CUT_MARKER.format(chars=dropped) + text[len(text) - tail:]


def fit_request(provider: Provider, request: ChatRequest) -> tuple[ChatRequest, Notice | None]:
    """`request` fitted to the chosen model's window, and what the client is told about it."""
    window = provider.context_window(request.model)
    if window is None:
        return request, None
    budget = window - min(provider.answer_tokens(request.params), window // 2)
    fitted = fit_history(request.messages, budget, provider.count_tokens)
    if not fitted.left_out and not fitted.cut:
        return request, None
    return replace(request, messages=fitted.messages), Notice(NOTICE_KIND, _notice_text(fitted, window))


def _notice_text(fitted: Fitted, window: int) -> str:
    parts = []
    if fitted.left_out:
        noun = "message was" if fitted.left_out == 1 else "messages were"
        parts.append(f"{fitted.left_out} earlier {noun} left out")
    if fitted.cut:
        parts.append("the newest message was shortened")
    return f"{' and '.join(parts).capitalize()} to fit the model's context ({window:,} tokens)."
