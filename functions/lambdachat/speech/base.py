"""The speech interface: a request, the audio it yields, and the engine between them."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Generic, TypeVar

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


Model = TypeVar("Model")


class LocalEngine(SpeechEngine, Generic[Model]):
    """An engine that runs in this process: loaded on first use, once, and used by one thread at
    a time (espeak's C library is not thread-safe; piper would only fight itself for 2 cores)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: Model | None = None

    @abstractmethod
    def _load(self) -> Model:
        """Import and initialise the engine; raise EngineUnavailable when it is not installed."""

    @abstractmethod
    def _render(self, model: Model, request: SpeechRequest) -> Pcm: ...

    def render(self, request: SpeechRequest) -> Pcm:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._render(self._model, request)

    def synthesize(self, request: SpeechRequest) -> Audio:
        from lambdachat.speech.encode import encode

        return encode(self.render(request), request.format)
