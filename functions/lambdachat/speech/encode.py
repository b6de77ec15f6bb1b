"""PCM to a file format: wav with the standard library, mp3/ogg/flac through soundfile.

soundfile bundles libsndfile 1.2 (with LAME and Vorbis), so no ffmpeg is needed; it is only
imported when a compressed format is asked for.
"""

from __future__ import annotations

import io
import wave

from lambdachat.speech.base import FORMATS, Audio, EngineUnavailable, Pcm

# soundfile's (format, subtype) for each compressed output.
_SOUNDFILE = {"mp3": ("MP3", "MPEG_LAYER_III"), "ogg": ("OGG", "VORBIS"), "flac": ("FLAC", "PCM_16")}


def wav_bytes(pcm: Pcm) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(pcm.rate)
        w.writeframes(pcm.samples)
    return out.getvalue()


def encode(pcm: Pcm, fmt: str) -> Audio:
    if fmt == "wav":
        return Audio(wav_bytes(pcm), FORMATS["wav"])
    try:
        import numpy as np
        import soundfile
    except ImportError as exc:
        raise EngineUnavailable(f"format={fmt} needs soundfile, which this deployment lacks: "
                                "ask for format=wav") from exc
    container, subtype = _SOUNDFILE[fmt]
    out = io.BytesIO()
    soundfile.write(out, np.frombuffer(pcm.samples, dtype="<i2"), pcm.rate, format=container, subtype=subtype)
    return Audio(out.getvalue(), FORMATS[fmt])
