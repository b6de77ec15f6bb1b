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
_BLOCK = 16384  # samples per write


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
    samples = np.frombuffer(pcm.samples, dtype="<i2")
    out = io.BytesIO()
    with soundfile.SoundFile(out, "w", samplerate=pcm.rate, channels=1, format=container,
                             subtype=subtype) as sink:
        # Block by block: libsndfile 1.2's Vorbis encoder crashes the process when handed
        # about a minute or more of audio in one write.
        for start in range(0, len(samples), _BLOCK):
            sink.write(samples[start:start + _BLOCK])
    return Audio(out.getvalue(), FORMATS[fmt])
