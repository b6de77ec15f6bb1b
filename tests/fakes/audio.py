"""Small real media for tests: a valid PNG made in code, and what a listener would check of audio."""

from __future__ import annotations

import io
import struct
import wave
import zlib
from dataclasses import dataclass

import numpy as np


def png(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG of a red rectangle."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


@dataclass(frozen=True)
class Heard:
    seconds: float
    rate: int
    rms: float          # on the int16 scale: silence is ~0, speech a few thousand


def _heard(samples: np.ndarray, rate: int) -> Heard:
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    return Heard(len(samples) / rate, rate, float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))))


def hear_wav(data: bytes) -> Heard:
    with wave.open(io.BytesIO(data)) as w:
        assert w.getsampwidth() == 2
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return _heard(samples.reshape(-1, w.getnchannels()), w.getframerate())


def hear(data: bytes) -> Heard:
    """Any format libsndfile decodes (wav, mp3, ogg, flac)."""
    import soundfile

    samples, rate = soundfile.read(io.BytesIO(data), dtype="int16")
    return _heard(samples, rate)


def tone_wav(seconds: float = 1.0, rate: int = 16000) -> bytes:
    """A 440 Hz tone: what the fake speech server answers with."""
    t = np.arange(int(seconds * rate)) / rate
    samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return out.getvalue()
