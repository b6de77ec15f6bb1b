"""The replies a fake upstream sends, in each vendor's real wire format (`tests.fakes.upstream` serves them).

`Reply` is one scripted answer (status, headers, frames, and where to cut the stream);
`OpenAIWire`, `AnthropicWire` and `GeminiWire` build the replies of each dialect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

_FOREVER = 3600.0


@dataclass(frozen=True)
class Reply:
    """One scripted response. Streams are sent frame by frame, each frame flushed at once."""

    status: int = 200
    frames: tuple[bytes, ...] = ()
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/event-stream"),)
    stream: bool = True                 # chunked encoding; False: one body with Content-Length
    delay: float = 0.0                  # pause before every frame (a slow stream)
    stall_after: int | None = None      # after this many frames, go silent for `stall` seconds
    stall: float = _FOREVER
    cut_after: int | None = None        # after this many frames, drop the connection
    reset: bool = False                 # drop it with a TCP reset instead of a clean close

    def frame_index(self, marker: str) -> int:
        """The index of the first frame containing `marker`: where to cut or stall."""
        return next(i for i, f in enumerate(self.frames) if marker.encode() in f)

    def cut(self, after: int, reset: bool = False) -> Reply:
        return replace(self, cut_after=after, reset=reset)

    def stalled(self, after: int, seconds: float = _FOREVER) -> Reply:
        return replace(self, stall_after=after, stall=seconds)

    def slow(self, delay: float) -> Reply:
        return replace(self, delay=delay)

    def with_header(self, name: str, value: str) -> Reply:
        return replace(self, headers=(*self.headers, (name, value)))


def json_reply(status: int, body: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status=status, frames=(json.dumps(body).encode(),), stream=False,
                 headers=(("Content-Type", "application/json"), *headers))


def _retry(retry_after: int | None) -> tuple[tuple[str, str], ...]:
    return (("Retry-After", str(retry_after)),) if retry_after is not None else ()


# ---- OpenAI (and every OpenAI-compatible server) ----------------------------------------------

class OpenAIWire:
    ERRORS: dict[int, tuple[str, str | None, str]] = {
        401: ("invalid_request_error", "invalid_api_key",
              "Incorrect API key provided: sk-proj-****abcd. You can find your API key at "
              "https://platform.openai.com/account/api-keys."),
        403: ("invalid_request_error", "unsupported_country_region_territory",
              "Country, region, or territory not supported"),
        404: ("invalid_request_error", "model_not_found",
              "The model `gpt-9` does not exist or you do not have access to it."),
        429: ("requests", "rate_limit_exceeded",
              "Rate limit reached for gpt-4o-mini in organization org-abc on requests per min (RPM): "
              "Limit 3, Used 3, Requested 1. Please try again in 20s."),
        500: ("server_error", None,
              "The server had an error while processing your request. Sorry about that!"),
        503: ("server_error", None, "The engine is currently overloaded, please try again later"),
    }

    @staticmethod
    def frame(payload: Any) -> bytes:
        data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
        return f"data: {data}\n\n".encode()

    @classmethod
    def chunk(cls, delta: dict[str, Any], finish: str | None = None, model: str = "gpt-4o-mini-2024-07-18",
              **extra: Any) -> bytes:
        return cls.frame({"id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "object": "chat.completion.chunk",
                          "created": 1741570283, "model": model, "service_tier": "default",
                          "system_fingerprint": "fp_06737a9306",
                          "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                       "finish_reason": finish}],
                          "usage": None, **extra})

    @classmethod
    def stream(cls, *texts: str, reasoning: tuple[str, ...] = (), reasoning_field: str = "reasoning_content",
               finish: str | None = "stop", usage: tuple[int, int] | None = (12, 5),
               done: bool = True) -> Reply:
        frames = [cls.chunk({"role": "assistant", "content": "", "refusal": None})]
        frames += [cls.chunk({"content": None, reasoning_field: r}) for r in reasoning]
        frames += [cls.chunk({"content": t}) for t in texts]
        if finish:
            frames.append(cls.chunk({}, finish))
        if usage:
            prompt, completion = usage
            frames.append(cls.frame({
                "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "object": "chat.completion.chunk",
                "created": 1741570283, "model": "gpt-4o-mini-2024-07-18", "choices": [],
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                          "total_tokens": prompt + completion,
                          "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                          "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}}}))
        if done:
            frames.append(cls.frame("[DONE]"))
        return Reply(frames=tuple(frames))

    @classmethod
    def stream_error(cls, *texts: str, message: str = "Provider disconnected unexpectedly",
                     code: int | str = 502) -> Reply:
        """OpenRouter's mid-stream failure: an `error` object in a chunk, then [DONE]."""
        frames = [cls.chunk({"role": "assistant", "content": ""})]
        frames += [cls.chunk({"content": t}) for t in texts]
        frames.append(cls.chunk({"content": ""}, "error", provider="OpenAI",
                                error={"code": code, "message": message}))
        frames.append(cls.frame("[DONE]"))
        return Reply(frames=tuple(frames))

    @classmethod
    def error(cls, status: int, message: str | None = None, retry_after: int | None = None) -> Reply:
        kind, code, text = cls.ERRORS.get(status, ("server_error", None, "Unexpected error"))
        body = {"error": {"message": message or text, "type": kind, "param": None, "code": code}}
        return json_reply(status, body, _retry(retry_after))

    @staticmethod
    def models(*ids: str) -> Reply:
        ids = ids or ("gpt-4o-mini", "gpt-4o", "o4-mini")
        return json_reply(200, {"object": "list", "data": [
            {"id": i, "object": "model", "created": 1721172741, "owned_by": "system"} for i in ids]})


# ---- Anthropic Messages API ------------------------------------------------------------------

class AnthropicWire:
    ERRORS: dict[int, tuple[str, str]] = {
        401: ("authentication_error", "invalid x-api-key"),
        403: ("permission_error", "Your API key does not have permission to use the specified resource."),
        404: ("not_found_error", "model: claude-9"),
        429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
        500: ("api_error", "Internal server error"),
        529: ("overloaded_error", "Overloaded"),
    }

    @staticmethod
    def event(name: str, payload: dict[str, Any]) -> bytes:
        return f"event: {name}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()

    @classmethod
    def start(cls, input_tokens: int = 25) -> bytes:
        return cls.event("message_start", {"type": "message_start", "message": {
            "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant", "content": [],
            "model": "claude-sonnet-4-20250514", "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "cache_creation_input_tokens": 0,
                      "cache_read_input_tokens": 0, "output_tokens": 1}}})

    @classmethod
    def text(cls, text: str, index: int = 0) -> bytes:
        return cls.event("content_block_delta", {"type": "content_block_delta", "index": index,
                                                 "delta": {"type": "text_delta", "text": text}})

    @classmethod
    def stream(cls, *texts: str, thinking: tuple[str, ...] = (), stop_reason: str = "end_turn",
               usage: tuple[int, int] = (25, 15), stop: bool = True) -> Reply:
        frames = [cls.start(usage[0])]
        index = 0
        if thinking:
            frames.append(cls.event("content_block_start", {"type": "content_block_start", "index": 0,
                                    "content_block": {"type": "thinking", "thinking": ""}}))
            frames += [cls.event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "thinking_delta", "thinking": t}}) for t in thinking]
            frames.append(cls.event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                    "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbc"}}))
            frames.append(cls.event("content_block_stop", {"type": "content_block_stop", "index": 0}))
            index = 1
        frames.append(cls.event("content_block_start", {"type": "content_block_start", "index": index,
                                "content_block": {"type": "text", "text": ""}}))
        frames.append(cls.event("ping", {"type": "ping"}))
        frames += [cls.text(t, index) for t in texts]
        frames.append(cls.event("content_block_stop", {"type": "content_block_stop", "index": index}))
        frames.append(cls.event("message_delta", {"type": "message_delta",
                                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                                "usage": {"output_tokens": usage[1]}}))
        if stop:
            frames.append(cls.event("message_stop", {"type": "message_stop"}))
        return Reply(frames=tuple(frames))

    @classmethod
    def stream_error(cls, *texts: str, kind: str = "overloaded_error", message: str = "Overloaded") -> Reply:
        frames = [cls.start(), *(cls.text(t) for t in texts),
                  cls.event("error", {"type": "error", "error": {"type": kind, "message": message}})]
        return Reply(frames=tuple(frames))

    @classmethod
    def error(cls, status: int, message: str | None = None, retry_after: int | None = None) -> Reply:
        kind, text = cls.ERRORS.get(status, ("api_error", "Internal server error"))
        body = {"type": "error", "error": {"type": kind, "message": message or text},
                "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"}
        return json_reply(status, body, _retry(retry_after))

    @staticmethod
    def models(*ids: str) -> Reply:
        ids = ids or ("claude-sonnet-4-20250514", "claude-3-5-haiku-20241022")
        data = [{"type": "model", "id": i, "display_name": i, "created_at": "2025-05-22T00:00:00Z"}
                for i in ids]
        return json_reply(200, {"data": data, "has_more": False, "first_id": ids[0], "last_id": ids[-1]})


# ---- Gemini (Generative Language API, ?alt=sse) -------------------------------------------------

class GeminiWire:
    ERRORS: dict[int, tuple[str, str]] = {
        400: ("INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."),
        403: ("PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without "
                                   "established identity). Please use API Key or other form of API consumer "
                                   "identity to call this API."),
        404: ("NOT_FOUND", "models/gemini-9 is not found for API version v1beta, or is not supported "
                           "for generateContent. Call ListModels to see the list of available models."),
        429: ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
        500: ("INTERNAL", "An internal error has occurred. Please retry or report in "
                          "https://developers.generativeai.google/guide/troubleshooting"),
        503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
    }

    @staticmethod
    def frame(payload: dict[str, Any]) -> bytes:
        return f"data: {json.dumps(payload, separators=(',', ':'))}\r\n\r\n".encode()

    @classmethod
    def chunk(cls, parts: list[dict[str, Any]], finish: str | None = None,
              usage: dict[str, int] | None = None) -> bytes:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        payload: dict[str, Any] = {"candidates": [candidate], "modelVersion": "gemini-2.5-flash",
                                   "responseId": "mKqoaM6bIsqvnvgPx6yJ2Ak"}
        if usage:
            payload["usageMetadata"] = usage
        return cls.frame(payload)

    @classmethod
    def stream(cls, *texts: str, thoughts: tuple[str, ...] = (), finish: str | None = "STOP",
               usage: tuple[int, int, int] = (8, 5, 0)) -> Reply:
        prompt, candidates, thinking = usage
        early = {"promptTokenCount": prompt, "totalTokenCount": prompt}
        frames = [cls.chunk([{"text": t, "thought": True}], usage=early) for t in thoughts]
        frames += [cls.chunk([{"text": t}], usage=early) for t in texts[:-1]]
        last: dict[str, Any] = {"promptTokenCount": prompt, "candidatesTokenCount": candidates,
                "totalTokenCount": prompt + candidates + thinking,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}]}
        if thinking:
            last["thoughtsTokenCount"] = thinking
        if texts:
            frames.append(cls.chunk([{"text": texts[-1]}], finish, last if finish else early))
        return Reply(frames=tuple(frames))

    @classmethod
    def blocked(cls, reason: str = "SAFETY") -> Reply:
        return Reply(frames=(cls.frame({"promptFeedback": {"blockReason": reason},
                                        "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8}}),))

    @classmethod
    def stream_error(cls, *texts: str, status: int = 503) -> Reply:
        kind, message = cls.ERRORS[status]
        frames = [cls.chunk([{"text": t}]) for t in texts]
        frames.append(cls.frame({"error": {"code": status, "message": message, "status": kind}}))
        return Reply(frames=tuple(frames))

    @classmethod
    def error(cls, status: int, message: str | None = None, retry_after: int | None = None) -> Reply:
        kind, text = cls.ERRORS.get(status, ("INTERNAL", "An internal error has occurred."))
        error: dict[str, Any] = {"code": status, "message": message or text, "status": kind}
        if status == 400 and message is None:  # Gemini's answer to a bad key
            error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                 "reason": "API_KEY_INVALID",
                                 "domain": "googleapis.com",
                                 "metadata": {"service": "generativelanguage.googleapis.com"}}]
        return json_reply(status, {"error": error}, _retry(retry_after))

    @staticmethod
    def models(*ids: str) -> Reply:
        ids = ids or ("gemini-2.5-flash", "gemini-2.5-pro")
        models = [{"name": f"models/{i}", "version": "001", "displayName": i,
                   "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
                   "supportedGenerationMethods": ["generateContent", "countTokens", "createCachedContent"]}
                  for i in ids]
        models.append({"name": "models/text-embedding-004", "version": "004",
                       "displayName": "Text Embedding 004",
                       "supportedGenerationMethods": ["embedContent"]})
        return json_reply(200, {"models": models})
