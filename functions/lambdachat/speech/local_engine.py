"""The base of the engines that run in this process (piper, espeak): load once, one caller at a time.

Apart from `speech.base` so that the interface stays free of the encoder: `encode` builds on
the interface's types, and a local engine builds on both.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from typing import Generic, TypeVar

from lambdachat.speech.base import Audio, Pcm, SpeechEngine, SpeechRequest
from lambdachat.speech.encode import encode

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
        return encode(self.render(request), request.format)
