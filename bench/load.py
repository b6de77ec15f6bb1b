"""Load through the local server: concurrent conversation streams and share GETs, and the rate limiter's cost.

    .venv/bin/python bench/load.py [--streams 50] [--chunks 40] [--share-gets 200] [--rounds 3]

1. `--streams` conversations at once through `lambdachat serve` (embedded moto, 64 threads) to a
   fake OpenAI upstream on loopback (`tests/fakes/upstream.py`). Every answer is the numbered
   chunks "0 1 2 ... N-1"; each stream is checked for HTTP errors, error events, and lost or
   reordered chunks.
2. `--share-gets` GETs of one shared conversation at once, `--rounds` times: p50/p99 latency.
3. What a limited request pays for its bucket: sequential share GETs with rate limits on and off
   (a second server), and `DynamoBuckets.take` alone against a moto server.

Rate limits stay on in 1 and 2, raised so they do not refuse: the bucket update is part of the
cost measured. Everything stays on 127.0.0.1; nothing is asserted, numbers are printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.upstream import FakeUpstream, OpenAIWire
from tests.local_server import local_server

HIGH = "1000000"
GENEROUS_LIMITS = {f"LAMBDACHAT_RATE_{group}{scope}_{knob}": HIGH
                   for group in ("CONVERSATION", "SHARE_READS")
                   for scope in ("", "_IP") for knob in ("PER_MINUTE", "BURST")}
SHARE_BODY = json.dumps({"id": "c", "title": "load", "added": 1, "updated": 2,
                         "items": [{"role": "user", "content": "hello " * 200}]}).encode()


@dataclass
class StreamResult:
    status: int = 0
    chunks: list[int] | None = None
    errors: int = 0
    seconds: float = 0.0
    failure: str = ""


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def _stream(url: str, start: threading.Barrier) -> StreamResult:
    body = {"provider": "Custom", "model": "m", "messages": [{"role": "user", "content": "count"}]}
    result = StreamResult()
    start.wait()
    began = time.perf_counter()
    try:
        with httpx.stream("POST", f"{url}/backend-api/v2/conversation", json=body, timeout=60) as response:
            result.status = response.status_code
            text = ""
            for line in response.iter_lines():
                if not line:
                    continue
                event = json.loads(line)
                if event.get("type") == "content":
                    text += event["content"]
                elif event.get("type") == "error":
                    result.errors += 1
            result.chunks = [int(t) for t in text.split()]
    except (httpx.HTTPError, ValueError) as exc:
        result.failure = f"{type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - began
    return result


def conversations(streams: int, chunks: int) -> None:
    with FakeUpstream() as upstream:
        frames = [f"{i} " for i in range(chunks)]
        for _ in range(streams):
            upstream.script(OpenAIWire.stream(*frames))
        env = {"CUSTOM_BASE_URL": upstream.base_url + "/v1", "LAMBDACHAT_THREADS": "64", **GENEROUS_LIMITS}
        with local_server(env) as server:
            start = threading.Barrier(streams)
            began = time.perf_counter()
            with ThreadPoolExecutor(streams) as pool:
                results = list(pool.map(lambda _: _stream(server.url, start), range(streams)))
            wall = time.perf_counter() - began
    expected = list(range(chunks))
    failed = [r for r in results if r.status != 200 or r.failure or r.errors]
    lost = sum(len(set(expected) - set(r.chunks or [])) for r in results)
    reordered = sum(1 for r in results if r.chunks is not None and r.chunks != sorted(r.chunks))
    duplicated = sum(len(r.chunks or []) - len(set(r.chunks or [])) for r in results)
    times = [r.seconds * 1000 for r in results]
    print(f"conversation: {streams} concurrent streams x {chunks} numbered chunks through lambdachat serve")
    print(f"  errors {len(failed)}  lost chunks {lost}  reordered streams {reordered}  duplicated {duplicated}")
    print(f"  per stream p50 {_pct(times, 50):.0f} ms  p99 {_pct(times, 99):.0f} ms  wall {wall:.2f} s")
    for r in failed[:3]:
        print(f"  e.g. status {r.status} errors {r.errors} {r.failure}")


def _get(client: httpx.Client, path: str, start: threading.Barrier) -> tuple[int | str, float]:
    start.wait()
    began = time.perf_counter()
    try:
        status: int | str = client.get(path).status_code
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    return status, (time.perf_counter() - began) * 1000


def share_gets(gets: int, rounds: int) -> None:
    env = {"LAMBDACHAT_THREADS": "64", **GENEROUS_LIMITS}
    with local_server(env) as server:
        path = f"/backend-api/v2/chat/{uuid.uuid4()}"
        httpx.post(server.url + path, content=SHARE_BODY, headers={"content-type": "application/json"}
                   ).raise_for_status()
        timings: list[float] = []
        statuses: list[int | str] = []
        limits = httpx.Limits(max_connections=gets, max_keepalive_connections=gets)
        for _ in range(rounds):
            # New connections per round, as from new viewers. Reusing the last round's would race the
            # server's 5 s keep-alive timeout (a GET sent on a socket the server is closing).
            with httpx.Client(base_url=server.url, timeout=60, limits=limits) as client:
                start = threading.Barrier(gets)
                with ThreadPoolExecutor(gets) as pool:
                    for future in [pool.submit(_get, client, path, start) for _ in range(gets)]:
                        status, ms = future.result()
                        statuses.append(status)
                        timings.append(ms)
    bad = {s: statuses.count(s) for s in set(statuses) if s != 200}
    print(f"share GET: {gets} concurrent x {rounds} rounds ({len(SHARE_BODY)} B body, 64 server threads)")
    print(f"  non-200 {sum(bad.values())} {bad or ''}  p50 {_pct(timings, 50):.1f} ms  p99 {_pct(timings, 99):.1f} ms  "
          f"max {max(timings):.1f} ms")


def _sequential_share_ms(env: dict[str, str], runs: int) -> tuple[float, float]:
    with local_server(env) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        path = f"/backend-api/v2/chat/{uuid.uuid4()}"
        client.post(path, content=SHARE_BODY, headers={"content-type": "application/json"}).raise_for_status()
        for _ in range(20):
            client.get(path)
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - began) * 1000)
    return _pct(timings, 50), _pct(timings, 99)


def limiter_cost(runs: int) -> None:
    on = _sequential_share_ms(GENEROUS_LIMITS, runs)
    off = _sequential_share_ms({"LAMBDACHAT_RATE_LIMITS": "off"}, runs)
    print(f"rate limiter cost, {runs} sequential share GETs (one IP bucket update each, embedded moto):")
    print(f"  limits on  p50 {on[0]:.2f} ms  p99 {on[1]:.2f} ms")
    print(f"  limits off p50 {off[0]:.2f} ms  p99 {off[1]:.2f} ms  -> added p50 {on[0] - off[0]:.2f} ms")
    _take_alone(runs)


def _take_alone(runs: int) -> None:
    import logging
    import os

    from lambdachat.limits.buckets import DynamoBuckets
    from lambdachat.limits.rules import Rate
    from lambdachat.storage import aws
    from lambdachat.storage.resources import create_all

    from tests.aws import FAKE_ENV, moto_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every call otherwise
    with moto_server() as endpoint:
        os.environ.update(FAKE_ENV, AWS_ENDPOINT_URL=endpoint)
        aws.client.cache_clear()
        create_all(aws.client("s3"), aws.client("dynamodb"))
        buckets, rate = DynamoBuckets(), Rate(per_minute=10**6, burst=10**6)
        for i in range(20):
            buckets.take(f"warm{i}", rate, int(time.time() * 1000))
        timings = []
        for i in range(runs):
            key = "rate#bench#ip#one" if i % 2 else f"rate#bench#ip#{i}"  # half hot, half new keys
            began = time.perf_counter()
            buckets.take(key, rate, int(time.time() * 1000))
            timings.append((time.perf_counter() - began) * 1000)
        aws.client.cache_clear()
    print(f"  DynamoBuckets.take alone against moto over HTTP: p50 {_pct(timings, 50):.2f} ms  "
          f"p99 {_pct(timings, 99):.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--chunks", type=int, default=40)
    parser.add_argument("--share-gets", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limiter-runs", type=int, default=300)
    args = parser.parse_args()
    conversations(args.streams, args.chunks)
    share_gets(args.share_gets, args.rounds)
    limiter_cost(args.limiter_runs)


if __name__ == "__main__":
    main()
