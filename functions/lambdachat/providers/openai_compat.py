"""Every upstream that speaks OpenAI's `/chat/completions` streaming dialect, as presets.

Base URLs include the version path (`https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`),
also when set through `<NAME>_BASE_URL`. `Custom` has no base URL of its own: it comes from
the request (`api_base`) or `CUSTOM_BASE_URL`. Without one, Custom raises MissingAuthError,
because a base URL is, like a key, something the user configures for the provider, and the
client's `auth` event points them at exactly that settings field.

A request without a model uses the preset's default; presets without one (LM Studio, Custom)
use the first model the server lists, which is the model LM Studio has loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lambdachat.providers.base import (
    ChatRequest,
    Content,
    Credentials,
    Finish,
    MissingAuthError,
    ModelInfo,
    ModelNotFoundError,
    Provider,
    ProviderEvent,
    Reasoning,
    UpstreamDisconnected,
    Usage,
)
from lambdachat.providers.http import Upstream


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    base_url: str | None
    default_model: str
    models: tuple[str, ...]
    needs_auth: bool = True
    login_url: str | None = None
    vision_models: tuple[str, ...] = ()
    url: str | None = None
    # Mistral refuses `stream_options` (422 extra_forbidden) and sends usage unasked.
    stream_usage: bool = True

    @property
    def machine_local(self) -> bool:
        """The built-in base URL is a server on this machine (loopback)."""
        return bool(self.base_url) and urlsplit(self.base_url).hostname in {"127.0.0.1", "localhost", "::1"}


PRESETS: tuple[Preset, ...] = (
    Preset("OpenAI", "OpenAI", "https://api.openai.com/v1", "gpt-4o-mini",
           ("gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "o4-mini"),
           login_url="https://platform.openai.com/api-keys", url="https://platform.openai.com",
           vision_models=("gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "o4-mini")),
    Preset("Groq", "Groq", "https://api.groq.com/openai/v1", "llama-3.3-70b-versatile",
           ("llama-3.3-70b-versatile", "llama-3.1-8b-instant", "openai/gpt-oss-120b", "qwen/qwen3-32b",
            "meta-llama/llama-4-scout-17b-16e-instruct"),
           login_url="https://console.groq.com/keys", url="https://groq.com",
           vision_models=("meta-llama/llama-4-scout-17b-16e-instruct",)),
    Preset("OpenRouter", "OpenRouter", "https://openrouter.ai/api/v1", "openai/gpt-4o-mini",
           ("openai/gpt-4o-mini", "anthropic/claude-sonnet-4", "google/gemini-2.5-flash",
            "deepseek/deepseek-r1", "meta-llama/llama-3.3-70b-instruct"),
           login_url="https://openrouter.ai/settings/keys", url="https://openrouter.ai",
           vision_models=("openai/gpt-4o-mini", "anthropic/claude-sonnet-4", "google/gemini-2.5-flash")),
    Preset("DeepSeek", "DeepSeek", "https://api.deepseek.com/v1", "deepseek-chat",
           ("deepseek-chat", "deepseek-reasoner"),
           login_url="https://platform.deepseek.com/api_keys", url="https://www.deepseek.com"),
    Preset("Mistral", "Mistral", "https://api.mistral.ai/v1", "mistral-small-latest",
           ("mistral-small-latest", "mistral-medium-latest", "mistral-large-latest", "codestral-latest",
            "pixtral-large-latest"),
           login_url="https://console.mistral.ai/api-keys", url="https://mistral.ai",
           vision_models=("mistral-small-latest", "mistral-medium-latest", "pixtral-large-latest"),
           stream_usage=False),
    Preset("Together", "Together AI", "https://api.together.xyz/v1",
           "meta-llama/Llama-3.3-70B-Instruct-Turbo",
           ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "deepseek-ai/DeepSeek-R1",
            "Qwen/Qwen2.5-72B-Instruct-Turbo"),
           login_url="https://api.together.ai/settings/api-keys", url="https://www.together.ai"),
    Preset("xAI", "xAI", "https://api.x.ai/v1", "grok-3-mini",
           ("grok-3-mini", "grok-3", "grok-4", "grok-2-vision-1212"),
           login_url="https://console.x.ai", url="https://x.ai",
           vision_models=("grok-4", "grok-2-vision-1212")),
    Preset("Ollama", "Ollama", "http://127.0.0.1:11434/v1", "llama3.2", ("llama3.2",),
           needs_auth=False, url="https://ollama.com"),
    Preset("LMStudio", "LM Studio", "http://127.0.0.1:1234/v1", "", (), needs_auth=False,
           url="https://lmstudio.ai"),
    Preset("Custom", "Custom Provider", None, "", (), needs_auth=False),
)


class OpenAICompatible(Provider):
    def __init__(self, preset: Preset) -> None:
        self.preset = preset
        self.name = preset.name
        self.label = preset.label
        self.url = preset.url
        self.login_url = preset.login_url
        self.needs_auth = preset.needs_auth
        self.vision = bool(preset.vision_models)
        self.machine_local = preset.machine_local

    def is_configured(self, creds: Credentials) -> bool:
        if self.preset.base_url is None:  # Custom: nothing to talk to without a base URL
            return bool(creds.base_url)
        return super().is_configured(creds)

    def default_model(self) -> str:
        return self.preset.default_model

    def known_models(self) -> list[ModelInfo]:
        return [self._info(m) for m in self.preset.models]

    def _info(self, model: str, vision: bool = False) -> ModelInfo:
        return ModelInfo(model, default=model == self.preset.default_model,
                         vision=vision or model in self.preset.vision_models)

    def upstream_for(self, creds: Credentials) -> tuple[Upstream, str]:
        base = creds.base_url or self.preset.base_url
        if not base:
            raise MissingAuthError(f"{self.label} needs a base URL: send api_base with the request "
                                   f"or set CUSTOM_BASE_URL on the server")
        headers = {"Authorization": f"Bearer {creds.api_key}"} if creds.api_key else {}
        return Upstream(self.label, headers, creds.api_key, guarded=creds.client_base_url), base.rstrip("/")

    def list_models(self, creds: Credentials) -> list[ModelInfo]:
        upstream, base = self.upstream_for(creds)
        listing = upstream.get_json(f"{base}/models")
        items = listing.get("data") if isinstance(listing, dict) else listing
        models = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                # OpenRouter says which models read images; others rely on the preset's list.
                modalities = (item.get("architecture") or {}).get("input_modalities") or []
                models.append(self._info(item["id"], vision="image" in modalities))
        return models

    def _request_body(self, request: ChatRequest, model: str) -> dict[str, Any]:
        body: dict[str, Any] = {**request.params, "model": model, "messages": request.messages,
                                "stream": True}
        if self.preset.stream_usage:
            body["stream_options"] = {"include_usage": True}
        return body

    def stream_chat(self, request: ChatRequest) -> Iterator[ProviderEvent]:
        upstream, base = self.upstream_for(request.credentials)
        model = request.model or self._first_listed_model(request.credentials)
        finished = done = False
        with upstream.open_sse(f"{base}/chat/completions", self._request_body(request, model)) as events:
            for event in events:
                if event.data.strip() == "[DONE]":
                    done = True
                    break
                chunk = upstream.parse_data(event)
                if not isinstance(chunk, dict):
                    continue
                if chunk.get("error"):  # OpenRouter reports failures mid-stream this way
                    raise upstream.error_in_stream(chunk)
                for item in _chunk_events(chunk):
                    finished = finished or isinstance(item, Finish)
                    yield item
        if not (done or finished):
            raise UpstreamDisconnected(f"{self.label} ended the stream before the answer was complete")

    def _first_listed_model(self, creds: Credentials) -> str:
        models = self.list_models(creds)
        if not models:
            raise ModelNotFoundError(f"{self.label} lists no models: choose or load one first")
        return models[0].id


def _chunk_events(chunk: dict[str, Any]) -> Iterator[ProviderEvent]:
    """One `chat.completion.chunk` as our events (only the first choice: we never ask for n>1)."""
    choices = chunk.get("choices") or [None]
    choice = choices[0] if isinstance(choices[0], dict) else {}
    delta = choice.get("delta") or {}
    # DeepSeek and vLLM say `reasoning_content`, OpenRouter and Groq say `reasoning`.
    thought = delta.get("reasoning_content") or delta.get("reasoning")
    if isinstance(thought, str) and thought:
        yield Reasoning(token=thought)
    text = delta.get("content")
    if isinstance(text, str) and text:
        yield Content(text)
    if choice.get("finish_reason"):
        yield Finish(str(choice["finish_reason"]))
    # Groq used to send usage only under `x_groq`.
    usage = chunk.get("usage") or (chunk.get("x_groq") or {}).get("usage")
    if isinstance(usage, dict):
        yield Usage(prompt_tokens=int(usage.get("prompt_tokens") or 0),
                    completion_tokens=int(usage.get("completion_tokens") or 0))
