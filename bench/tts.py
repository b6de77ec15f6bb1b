"""Text-to-speech timings per engine and format, and one request through the running local server.

    .venv/bin/python bench/tts.py [--runs 5]

For `espeak` and `Local` (piper): the first call in a fresh process (load + synthesis), then
the median of `--runs` warm calls on a ~60-word paragraph, its audio length and real-time
factor (synthesis seconds per audio second), and the time to encode that audio to each format.
Then `GET /backend-api/v2/synthesize/<engine>` through `lambdachat serve` (port 0): the first
request (engine load included) and the median of warm ones, wall time as the browser sees it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lambdachat.speech.base import SpeechRequest  # noqa: E402
from lambdachat.speech.encode import encode  # noqa: E402
from lambdachat.speech.engines import get_engine  # noqa: E402
from lambdachat.speech.local_engine import LocalEngine  # noqa: E402

from tests.local_server import local_server  # noqa: E402

PARAGRAPH = ("Lambdachat keeps every conversation in your browser and runs the backend as small "
             "serverless functions. When you press the speaker button, the answer is read aloud by "
             "a voice that runs on the server itself, so no text leaves it. Short answers are ready "
             "before you notice, and long ones stream in as plain audio files.")
ENGINES = ("espeak", "Local")


def first_call(engine: str) -> float:
    """Load + first synthesis, in a fresh interpreter so nothing is warm."""
    code = ("import time; t=time.perf_counter(); from lambdachat.speech.engines import speak; "
            "from lambdachat.speech.base import SpeechRequest; "
            f"speak({engine!r}, SpeechRequest('Hello there.')); print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def engine_rows(runs: int) -> None:
    print(f"paragraph: {len(PARAGRAPH)} characters, {len(PARAGRAPH.split())} words")
    print(f"{'engine':>7} {'first call s':>12} {'warm s':>7} {'audio s':>8} {'RTF':>6}  encode ms (size KB)")
    for name in ENGINES:
        first = first_call(name)
        engine = get_engine(name)
        assert isinstance(engine, LocalEngine)
        render = engine.render
        render(SpeechRequest("warm up"))
        times, pcm = [], None
        for _ in range(runs):
            started = time.perf_counter()
            pcm = render(SpeechRequest(PARAGRAPH))
            times.append(time.perf_counter() - started)
        assert pcm is not None
        warm = statistics.median(times)
        encodes = []
        for fmt in ("wav", "mp3", "ogg", "flac"):
            started = time.perf_counter()
            audio = encode(pcm, fmt)
            encodes.append(f"{fmt} {(time.perf_counter() - started) * 1000:.0f} ({len(audio.data) // 1024})")
        print(f"{name:>7} {first:>12.2f} {warm:>7.2f} {pcm.seconds:>8.1f} {warm / pcm.seconds:>6.3f}  "
              + ", ".join(encodes))


def server_rows(runs: int) -> None:
    print("\nthrough lambdachat serve, GET /backend-api/v2/synthesize/<engine>?text=<paragraph> (wav)")
    print(f"{'engine':>7} {'first request s':>16} {'warm median s':>14}")
    with local_server() as server, httpx.Client(timeout=120, trust_env=False) as client:
        for name in ENGINES:
            url = f"{server.url}/backend-api/v2/synthesize/{name}"
            times = []
            for _ in range(runs + 1):
                started = time.perf_counter()
                response = client.get(url, params={"text": PARAGRAPH})
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
            print(f"{name:>7} {times[0]:>16.2f} {statistics.median(times[1:]):>14.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    engine_rows(args.runs)
    server_rows(args.runs)


if __name__ == "__main__":
    main()
