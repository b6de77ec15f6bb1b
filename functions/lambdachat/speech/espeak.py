"""`espeak`: espeak-ng's formant synthesis through ctypes, from the `espeakng-loader` wheel.

Robotic but instant and tiny (no system package, ~20 MB). The C library keeps global state
(one voice, one callback), so `LocalEngine`'s lock serialises every call.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdachat.speech.base import EngineUnavailable, Pcm, SpeechRequest, UnknownVoice
from lambdachat.speech.local_engine import LocalEngine

DEFAULT_VOICE = "en-us"
NORMAL_RATE = 175                      # words per minute at speed 1.0
RATE_RANGE = (80, 450)                 # what espeak-ng accepts
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_RATE = 1
_CHARS_UTF8 = 1
_END_PAUSE = 0x1000
_VOICE = re.compile(r"^[A-Za-z0-9_+-]{1,40}$")
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


@dataclass
class _Library:
    lib: Any
    rate: int
    chunks: list[bytes] = field(default_factory=list)
    callback: Any = None               # kept referenced: the C side holds only a raw pointer


class Espeak(LocalEngine[_Library]):
    name = "espeak"

    def _load(self) -> _Library:
        try:
            import espeakng_loader
        except ImportError as exc:
            raise EngineUnavailable("The espeak engine is not installed here (extra: tts-lite)") from exc
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data_parent = str(Path(espeakng_loader.get_data_path()).parent).encode()
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_parent, 0)
        if rate <= 0:
            raise EngineUnavailable("espeak-ng failed to initialise")
        state = _Library(lib=lib, rate=rate)

        def collect(wav: Any, count: int, _events: Any) -> int:
            if count > 0:
                state.chunks.append(ctypes.string_at(wav, count * 2))
            return 0

        state.callback = _CALLBACK(collect)
        lib.espeak_SetSynthCallback(state.callback)
        return state

    def _render(self, model: _Library, request: SpeechRequest) -> Pcm:
        voice = request.voice or DEFAULT_VOICE
        if not _VOICE.match(voice) or model.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise UnknownVoice(f"Unknown espeak voice: {voice[:40]!r} (try en-us, en-gb, de, fr, es)")
        rate = round(NORMAL_RATE * (request.speed or 1.0))
        model.lib.espeak_SetParameter(_ESPEAK_RATE, min(max(rate, RATE_RANGE[0]), RATE_RANGE[1]), 0)
        text = request.text.encode() + b"\0"
        model.chunks.clear()
        model.lib.espeak_Synth(text, len(text), 0, 0, 0, _CHARS_UTF8 | _END_PAUSE, None, None)
        model.lib.espeak_Synchronize()
        samples = b"".join(model.chunks)
        model.chunks.clear()
        return Pcm(samples, model.rate)
