"""How much a model can read at once: the context windows we know, and a token estimate.

A window is the model's whole context, prompt and answer together, as its vendor documents it.
Only exact model ids are listed: a model we do not know (a Custom server, an Ollama model whose
window is the server's `num_ctx`, not the model's) gets no fitting, and its server says when a
prompt is too long. Providers that know their tokenizer count exactly (the embedded model);
the others use `estimate_tokens`, which errs on the high side (about 3 characters per token,
where English text averages 4), so a conversation fitted with it fits the real tokenizer too.
"""

from __future__ import annotations

import math
from typing import Any

# Tokens of the answer a fitted prompt leaves room for, when the client names no max_tokens.
DEFAULT_ANSWER_TOKENS = 4096
CHARS_PER_TOKEN = 3
# Role markers and separators a chat template adds around each message.
TOKENS_PER_MESSAGE = 8
# An image part, whatever its size: vendors bill about 800 (OpenAI, high detail) to 1,600
# (Anthropic, ~1.15 megapixels) tokens per image.
TOKENS_PER_IMAGE = 1600

KNOWN_WINDOWS: dict[str, int] = {
    # OpenAI
    "gpt-4o-mini": 128_000, "gpt-4o": 128_000, "gpt-4.1": 1_047_576, "gpt-4.1-mini": 1_047_576,
    "o4-mini": 200_000,
    # Groq
    "llama-3.3-70b-versatile": 131_072, "llama-3.1-8b-instant": 131_072, "openai/gpt-oss-120b": 131_072,
    "qwen/qwen3-32b": 131_072, "meta-llama/llama-4-scout-17b-16e-instruct": 131_072,
    # OpenRouter
    "openai/gpt-4o-mini": 128_000, "anthropic/claude-sonnet-4": 200_000, "google/gemini-2.5-flash": 1_048_576,
    "deepseek/deepseek-r1": 128_000, "meta-llama/llama-3.3-70b-instruct": 131_072,
    # DeepSeek
    "deepseek-chat": 128_000, "deepseek-reasoner": 128_000,
    # Mistral
    "mistral-small-latest": 128_000, "mistral-medium-latest": 128_000, "mistral-large-latest": 128_000,
    "codestral-latest": 256_000, "pixtral-large-latest": 128_000,
    # Together
    "meta-llama/Llama-3.3-70B-Instruct-Turbo": 131_072, "deepseek-ai/DeepSeek-R1": 128_000,
    "Qwen/Qwen2.5-72B-Instruct-Turbo": 32_768,
    # xAI
    "grok-3-mini": 131_072, "grok-3": 131_072, "grok-4": 256_000, "grok-2-vision-1212": 32_768,
    # Anthropic
    "claude-sonnet-4-20250514": 200_000, "claude-opus-4-1-20250805": 200_000,
    "claude-3-7-sonnet-20250219": 200_000, "claude-3-5-haiku-20241022": 200_000,
    # Gemini
    "gemini-2.5-flash": 1_048_576, "gemini-2.5-pro": 1_048_576, "gemini-2.5-flash-lite": 1_048_576,
    "gemini-2.0-flash": 1_048_576,
}


def _content_tokens(content: Any) -> int:
    if isinstance(content, str):
        return math.ceil(len(content) / CHARS_PER_TOKEN)
    total = 0
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text":
            total += math.ceil(len(str(part.get("text") or "")) / CHARS_PER_TOKEN)
        else:  # image_url and whatever else a vendor accepts: a fixed, generous cost
            total += TOKENS_PER_IMAGE
    return total


def estimate_tokens(messages: list[dict[str, Any]]) -> int:
    """An upper estimate of the prompt tokens these messages take."""
    return sum(TOKENS_PER_MESSAGE + _content_tokens(m.get("content")) for m in messages)
