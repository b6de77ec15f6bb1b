"""Anthropic's Messages API, streamed.

System messages move to the top-level `system` field; images given as data URIs become
base64 image blocks (http URLs become URL image blocks). A trailing assistant message is
continued natively (prefill), so the `continue` action needs no extra prompt.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambdachat.providers.base import (
    ChatRequest,
    Content,
    Credentials,
    Finish,
    ModelInfo,
    Provider,
    ProviderEvent,
    Reasoning,
    UpstreamDisconnected,
    Usage,
)
from lambdachat.providers.http import ImagePart, TextPart, Upstream, content_parts, text_of

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
MODELS = ("claude-sonnet-4-20250514", "claude-opus-4-1-20250805", "claude-3-7-sonnet-20250219",
          "claude-3-5-haiku-20241022")

_STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length",
                 "tool_use": "tool_calls", "refusal": "content_filter"}


class Anthropic(Provider):
    name = "Anthropic"
    label = "Anthropic"
    url = "https://www.anthropic.com"
    login_url = "https://console.anthropic.com/settings/keys"
    vision = True
    supports_prefill = True

    def default_model(self) -> str:
        return MODELS[0]

    def known_models(self) -> list[ModelInfo]:
        return [ModelInfo(m, default=m == MODELS[0], vision=True) for m in MODELS]

    def _upstream(self, creds: Credentials) -> tuple[Upstream, str]:
        headers = {"anthropic-version": API_VERSION}
        if creds.api_key:
            headers["x-api-key"] = creds.api_key
        base = (creds.base_url or DEFAULT_BASE_URL).rstrip("/")
        return Upstream(self.name, headers, creds.api_key), base

    def list_models(self, creds: Credentials) -> list[ModelInfo]:
        upstream, base = self._upstream(creds)
        params: dict[str, str | int] = {"limit": 1000}
        models: list[ModelInfo] = []
        for _ in range(10):  # pages; ten thousand models is more than Anthropic will ever list
            page = upstream.get_json(f"{base}/v1/models", params)
            items = page.get("data") if isinstance(page, dict) else None
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    models.append(ModelInfo(item["id"], default=item["id"] == MODELS[0], vision=True))
            if not (isinstance(page, dict) and page.get("has_more") and page.get("last_id")):
                break
            params["after_id"] = str(page["last_id"])
        return models

    def stream_chat(self, request: ChatRequest) -> Iterator[ProviderEvent]:
        upstream, base = self._upstream(request.credentials)
        input_tokens = output_tokens = 0
        stopped = False
        with upstream.open_sse(f"{base}/v1/messages", request_body(request)) as events:
            for event in events:
                data = upstream.parse_data(event)
                kind = data.get("type") if isinstance(data, dict) else None
                if kind == "error" or event.event == "error":
                    raise upstream.error_in_stream(data)
                if kind == "message_start":
                    usage = (data.get("message") or {}).get("usage") or {}
                    input_tokens = _prompt_tokens(usage)
                    output_tokens = int(usage.get("output_tokens") or 0)
                elif kind == "content_block_delta":
                    yield from _delta_events(data.get("delta") or {})
                elif kind == "message_delta":
                    reason = (data.get("delta") or {}).get("stop_reason")
                    if reason:
                        yield Finish(_STOP_REASONS.get(reason, str(reason).lower()))
                    usage = data.get("usage") or {}
                    output_tokens = int(usage.get("output_tokens") or output_tokens)
                    input_tokens = _prompt_tokens(usage) or input_tokens
                elif kind == "message_stop":
                    stopped = True
                    break
        if not stopped:
            raise UpstreamDisconnected("Anthropic ended the stream before the answer was complete")
        yield Usage(prompt_tokens=input_tokens, completion_tokens=output_tokens)


def _prompt_tokens(usage: dict[str, Any]) -> int:
    # Cached prompt tokens are counted apart from `input_tokens`; the prompt is all of them.
    return sum(int(usage.get(k) or 0) for k in
               ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))


def _delta_events(delta: dict[str, Any]) -> Iterator[ProviderEvent]:
    if delta.get("type") == "text_delta" and delta.get("text"):
        yield Content(str(delta["text"]))
    elif delta.get("type") == "thinking_delta" and delta.get("thinking"):
        yield Reasoning(token=str(delta["thinking"]))


def _block(part: TextPart | ImagePart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if part.data is not None:
        return {"type": "image", "source": {"type": "base64", "media_type": part.mime, "data": part.data}}
    return {"type": "image", "source": {"type": "url", "url": part.url}}


def _trim_prefill(messages: list[dict[str, Any]]) -> None:
    """A prefill may not end in whitespace (Anthropic refuses it), nor be empty."""
    blocks = messages[-1]["content"]
    if blocks[-1]["type"] == "text":
        blocks[-1]["text"] = blocks[-1]["text"].rstrip()
        if not blocks[-1]["text"]:
            blocks.pop()
    if not blocks:
        messages.pop()


def request_body(request: ChatRequest) -> dict[str, Any]:
    system: list[str] = []
    messages: list[dict[str, Any]] = []
    for message in request.messages:
        if message["role"] == "system":
            if text := text_of(message.get("content")):
                system.append(text)
            continue
        blocks = [_block(p) for p in content_parts(message.get("content"))]
        if blocks:  # Anthropic refuses empty content
            role = "assistant" if message["role"] == "assistant" else "user"
            messages.append({"role": role, "content": blocks})
    if messages and messages[-1]["role"] == "assistant":
        _trim_prefill(messages)
    params = request.params
    body: dict[str, Any] = {"model": request.model, "messages": messages, "stream": True,
                            "max_tokens": params.get("max_tokens") or DEFAULT_MAX_TOKENS}
    if system:
        body["system"] = "\n\n".join(system)
    for ours, theirs in (("temperature", "temperature"), ("top_p", "top_p"), ("top_k", "top_k")):
        if ours in params:
            body[theirs] = params[ours]
    if "stop" in params:
        stop = params["stop"]
        body["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    return body
