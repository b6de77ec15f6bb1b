"""Cloud speech: OpenAI's `POST <base>/audio/speech`, spoken by OpenAI and by the self-hosted
servers that copy it (Kokoro-FastAPI, LocalAI, openedai-speech: reach those through `Custom`).

The provider, its base URL and its key come from `lambdachat.providers` exactly as for a chat
(`request_credentials`: the caller's key first, then the server's), and its error mapping too.
"""

from __future__ import annotations

from collections.abc import Callable

from lambdachat.providers.base import Credentials, MissingAuthError, Provider, UpstreamError
from lambdachat.providers.openai_compat import OpenAICompatible
from lambdachat.providers.registry import Registry
from lambdachat.speech.base import FORMATS, Audio, SpeechEngine, SpeechRequest

# (provider, the request's key, the request's base URL) -> credentials: `Services.credentials`.
CredentialsFor = Callable[[Provider, str | None, str | None], Credentials]

# Presets that speak, with the model and voice used when the request names none.
SPEAKING_PRESETS: dict[str, tuple[str, str]] = {
    "OpenAI": ("gpt-4o-mini-tts", "alloy"),
    "Custom": ("tts-1", "alloy"),
}
MAX_AUDIO_BYTES = 50 * 1024 * 1024
# Our `format` as OpenAI's `response_format` (its ogg is Opus in an Ogg container).
_RESPONSE_FORMAT = {"wav": "wav", "mp3": "mp3", "ogg": "opus", "flac": "flac"}
_BINARY = {"application/octet-stream", "binary/octet-stream"}


class OpenAISpeech(SpeechEngine):
    def __init__(self, provider: OpenAICompatible, credentials: CredentialsFor) -> None:
        self.provider = provider
        self.credentials = credentials
        self.name = provider.name
        self.default_model, self.default_voice = SPEAKING_PRESETS[provider.name]

    def synthesize(self, request: SpeechRequest) -> Audio:
        creds = self.credentials(self.provider, request.api_key, request.api_base)
        if self.provider.needs_auth and not creds.api_key:
            raise MissingAuthError(f"Add an API key for {self.provider.label} to use its voices")
        upstream, base = self.provider.upstream_for(creds)
        body: dict[str, object] = {"model": request.model or self.default_model, "input": request.text,
                                   "voice": request.voice or self.default_voice,
                                   "response_format": _RESPONSE_FORMAT[request.format]}
        if request.speed:
            body["speed"] = request.speed
        url = f"{base}/audio/speech"
        with upstream.open_post(url, body) as response:
            content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if content_type and not content_type.startswith("audio/") and content_type not in _BINARY:
                raise UpstreamError(f"{self.provider.label} did not answer with audio ({content_type}): "
                                    "is the base URL right?", response.status_code)
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_AUDIO_BYTES:
                    raise UpstreamError(f"{self.provider.label} sent more than "
                                        f"{MAX_AUDIO_BYTES // (1024 * 1024)} MB of audio")
        if not content_type.startswith("audio/"):
            content_type = FORMATS[request.format]
        return Audio(bytes(data), content_type)


def speaking_provider(name: str, providers: Registry, credentials: CredentialsFor | None) -> OpenAISpeech | None:
    provider = providers.get_provider(name)
    if isinstance(provider, OpenAICompatible) and provider.name in SPEAKING_PRESETS and credentials:
        return OpenAISpeech(provider, credentials)
    return None
