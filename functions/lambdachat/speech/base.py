"""The speech interface: a request, the audio it yields, and the engine between them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from lambdachat.errors import NotFound

FORMATS: dict[str, str] = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg", "flac": "audio/flac"}


@dataclass(frozen=True)
class SpeechRequest:
    text: str
    voice: str | None = None
    format: str = "wav"
    speed: float | None = None          # 1.0 is normal
    model: str | None = None            # cloud engines only
    api_key: str | None = None          # the caller's provider key (x-api-key), cloud engines only
    api_base: str | None = None

    def __repr__(self) -> str:  # keep the key out of logs
        return f"SpeechRequest(chars={len(self.text)}, voice={self.voice!r}, format={self.format!r})"


@dataclass(frozen=True)
class Audio:
    data: bytes
    content_type: str


@dataclass(frozen=True)
class Pcm:
    """Mono signed 16-bit little-endian samples."""

    samples: bytes
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / 2 / self.rate


class UnknownVoice(NotFound):
    pass


class EngineUnavailable(NotFound):
    """The engine exists but is not installed in this deployment (e.g. piper in a Lambda zip)."""


class SpeechEngine(ABC):
    name: str = ""

    @abstractmethod
    def synthesize(self, request: SpeechRequest) -> Audio: ...
