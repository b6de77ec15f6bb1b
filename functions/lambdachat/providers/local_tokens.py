"""Exact prompt token counts for the embedded model, from llama.cpp itself.

The prompt the model reads is the chat template applied to the messages (SmolLM2's adds a
default system prompt when there is none), so counting the messages' text alone would be off.
llama.cpp's own listener answers both steps, `/apply-template` then `/tokenize`, in a few
milliseconds and without touching a generation slot. It is on loopback behind the process's
key; proxies from the environment must not see it (trust_env=False). One client serves every
count: making one costs more than the count itself (its TLS context, though nothing here is TLS).
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import httpx

_lock = threading.Lock()
_clients: list[httpx.Client] = []


class CountFailed(Exception):
    """llama.cpp's listener did not answer a count."""


class Listener(Protocol):
    @property
    def base_url(self) -> str: ...

    @property
    def api_key(self) -> str: ...


def count_prompt_tokens(listener: Listener, messages: list[dict[str, Any]], timeout: float) -> int:
    """Tokens of the prompt llama.cpp builds from these (plain-text) messages."""
    headers = {"Authorization": f"Bearer {listener.api_key}"}
    base = listener.base_url.rstrip("/")
    client = _client(timeout)
    try:
        prompt = _json(client.post(f"{base}/apply-template", headers=headers, json={"messages": messages}))
        tokens = _json(client.post(f"{base}/tokenize", headers=headers, json={
            "content": prompt["prompt"], "add_special": True, "parse_special": True}))["tokens"]
    except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
        raise CountFailed(f"counting the prompt's tokens failed: {exc}") from exc
    return len(tokens)


def _client(timeout: float) -> httpx.Client:
    with _lock:
        if not _clients:
            _clients.append(httpx.Client(timeout=timeout, trust_env=False))
        return _clients[0]


def _json(response: httpx.Response) -> Any:
    response.raise_for_status()
    return response.json()
