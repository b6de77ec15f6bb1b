"""Turn the client's message list into what a provider receives.

Replaces bucket references by the bucket's text or media (`lambdachat.files.parts`), applies
the `action` (variant: answer the last user turn again; continue: carry on from the last
answer) and attaches uploaded images to the last user message.
"""

from __future__ import annotations

from typing import Any

from lambdachat.chat.request import ConversationInput
from lambdachat.errors import BadRequest
from lambdachat.files.parts import BucketSource, expand_buckets, mentions_bucket
from lambdachat.providers.base import Provider

CONTINUE_PROMPT = "Carry on from this point:\n"


def _last_line(content: Any) -> str:
    text = content if isinstance(content, str) else " ".join(
        p.get("text", "") for p in content if isinstance(p, dict))
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else text


def build_messages(inp: ConversationInput, provider: Provider,
                   buckets: BucketSource | None = None) -> list[dict[str, Any]]:
    messages = [dict(m) for m in inp.messages]
    if buckets is not None and mentions_bucket(messages):
        messages = expand_buckets(messages, buckets)
    if inp.action == "variant":
        while messages and messages[-1]["role"] == "assistant":
            messages.pop()
        if not messages:
            raise BadRequest("'variant' needs a user message to answer again")
    elif inp.action == "continue":
        if messages[-1]["role"] != "assistant":
            raise BadRequest("'continue' needs the last message to be the answer to carry on")
        if not provider.supports_prefill:
            last = _last_line(messages[-1]["content"])
            messages.append({"role": "user", "content": CONTINUE_PROMPT + last})
    if inp.images:
        _attach_images(messages, inp)
    return messages


def _attach_images(messages: list[dict[str, Any]], inp: ConversationInput) -> None:
    index = next((i for i in range(len(messages) - 1, -1, -1) if messages[i]["role"] == "user"), None)
    if index is None:
        raise BadRequest("Images need a user message to go with")
    content = messages[index]["content"]
    parts = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
    parts += [{"type": "image_url", "image_url": {"url": img.data_uri()}} for img in inp.images]
    messages[index] = {**messages[index], "content": parts}
