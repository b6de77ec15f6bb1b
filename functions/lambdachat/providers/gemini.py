"""Google's Gemini API (Generative Language, `v1beta`), streamed as SSE with `?alt=sse`.

Roles are `user` and `model`; system messages go to `systemInstruction`; consecutive turns of
one role are merged, since Gemini wants them to alternate. Thought summaries are asked for on
models that think (2.5 and later) and come back as parts marked `thought: true`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

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

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
MODELS = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-2.0-flash")

_FINISH = {"STOP": "stop", "MAX_TOKENS": "length"}
# Asking a model without thinking for thoughts is an error, so only these are asked.
_THINKS = re.compile(r"gemini-(2\.5|[3-9])|thinking")
_PARAMS = {"temperature": "temperature", "top_p": "topP", "top_k": "topK", "max_tokens": "maxOutputTokens",
           "seed": "seed", "presence_penalty": "presencePenalty", "frequency_penalty": "frequencyPenalty"}


class Gemini(Provider):
    name = "Gemini"
    label = "Google Gemini"
    url = "https://ai.google.dev"
    login_url = "https://aistudio.google.com/app/apikey"
    vision = True

    def default_model(self) -> str:
        return MODELS[0]

    def known_models(self) -> list[ModelInfo]:
        return [ModelInfo(m, default=m == MODELS[0], vision=True) for m in MODELS]

    def _upstream(self, creds: Credentials) -> tuple[Upstream, str]:
        headers = {"x-goog-api-key": creds.api_key} if creds.api_key else {}
        base = (creds.base_url or DEFAULT_BASE_URL).rstrip("/")
        return Upstream(self.name, headers, creds.api_key), base

    def list_models(self, creds: Credentials) -> list[ModelInfo]:
        upstream, base = self._upstream(creds)
        params: dict[str, str | int] = {"pageSize": 1000}
        models: list[ModelInfo] = []
        for _ in range(10):
            page = upstream.get_json(f"{base}/v1beta/models", params)
            items = page.get("models") if isinstance(page, dict) else None
            for item in items if isinstance(items, list) else []:
                if not (isinstance(item, dict) and isinstance(item.get("name"), str)):
                    continue
                if "generateContent" not in (item.get("supportedGenerationMethods") or ["generateContent"]):
                    continue  # embedding and other non-chat models
                model = item["name"].removeprefix("models/")
                models.append(ModelInfo(model, default=model == MODELS[0], vision=True))
            token = page.get("nextPageToken") if isinstance(page, dict) else None
            if not token:
                break
            params["pageToken"] = str(token)
        return models

    def stream_chat(self, request: ChatRequest) -> Iterator[ProviderEvent]:
        upstream, base = self._upstream(request.credentials)
        model = quote(request.model.removeprefix("models/"), safe="")
        url = f"{base}/v1beta/models/{model}:streamGenerateContent?alt=sse"
        usage: Usage | None = None
        finished = False
        with upstream.open_sse(url, request_body(request)) as events:
            for event in events:
                chunk = upstream.parse_data(event)
                if not isinstance(chunk, dict):
                    continue
                if chunk.get("error"):
                    raise upstream.error_in_stream(chunk)
                usage = _usage(chunk.get("usageMetadata")) or usage
                blocked = (chunk.get("promptFeedback") or {}).get("blockReason")
                if blocked:  # the prompt itself was refused: no candidates will come
                    yield Finish(str(blocked).lower())
                    finished = True
                for candidate in (chunk.get("candidates") or [])[:1]:
                    yield from _parts_events(((candidate.get("content") or {}).get("parts")) or [])
                    reason = candidate.get("finishReason")
                    if reason:
                        yield Finish(_FINISH.get(reason, str(reason).lower()))
                        finished = True
        # Gemini's stream has no terminator: a finish reason is how we know it is complete.
        if not finished:
            raise UpstreamDisconnected("Gemini ended the stream before the answer was complete")
        if usage is not None:
            yield usage


def _usage(meta: Any) -> Usage | None:
    if not isinstance(meta, dict) or "promptTokenCount" not in meta:
        return None
    completion = int(meta.get("candidatesTokenCount") or 0) + int(meta.get("thoughtsTokenCount") or 0)
    return Usage(prompt_tokens=int(meta.get("promptTokenCount") or 0), completion_tokens=completion)


def _parts_events(parts: list[Any]) -> Iterator[ProviderEvent]:
    for part in parts:
        text = part.get("text") if isinstance(part, dict) else None
        if isinstance(text, str) and text:
            yield Reasoning(token=text) if part.get("thought") else Content(text)


def _part(part: TextPart | ImagePart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"text": part.text}
    if part.data is not None:
        return {"inlineData": {"mimeType": part.mime, "data": part.data}}
    # Gemini only fetches files it hosts itself; a web image is passed on as its address.
    return {"text": part.url}


def request_body(request: ChatRequest) -> dict[str, Any]:
    system: list[str] = []
    contents: list[dict[str, Any]] = []
    for message in request.messages:
        if message["role"] == "system":
            if text := text_of(message.get("content")):
                system.append(text)
            continue
        parts = [_part(p) for p in content_parts(message.get("content"))]
        if not parts:
            continue
        role = "model" if message["role"] == "assistant" else "user"
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    config: dict[str, Any] = {theirs: request.params[ours] for ours, theirs in _PARAMS.items()
                              if ours in request.params}
    if "stop" in request.params:
        stop = request.params["stop"]
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    if _THINKS.search(request.model):
        config["thinkingConfig"] = {"includeThoughts": True}
    if config:
        body["generationConfig"] = config
    return body
