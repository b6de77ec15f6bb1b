"""Stream overhead of the conversation route: the local server versus straight to the upstream.

    .venv/bin/python bench/stream_overhead.py [--requests 200] [--events 20000]

One run, side by side, against the same fake OpenAI-compatible upstream (tests/fakes/upstream.py):
  1. time to first token (TTFT): first content chunk straight from the upstream versus the first
     `content` line through `POST /backend-api/v2/conversation` (`lambdachat serve`, provider Custom);
  2. throughput: one answer of N content chunks, events/s straight versus through the route, with
     the server's worker pinned to one core (the upstream and this client on the other);
  3. the route's own cost per event in-process (Flask test client, in-memory provider, no sockets).
Targets (issue 2): ≤ 2 ms added TTFT at p50; ≥ 20,000 events/s through the route on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.upstream import FakeUpstream
from tests.local_server import local_server

BODY = {"provider": "Custom", "model": "bench", "messages": [{"role": "user", "content": "hi"}]}
UPSTREAM_BODY = {"model": "bench", "stream": True, "messages": [{"role": "user", "content": "hi"}]}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def first_direct(client: httpx.Client, base: str) -> float:
    start = time.perf_counter()
    with client.stream("POST", f"{base}/v1/chat/completions", json=UPSTREAM_BODY) as response:
        for line in response.iter_lines():
            if line.startswith("data: ") and '"content"' in line:
                return time.perf_counter() - start
    raise RuntimeError("upstream sent no content")


def first_routed(client: httpx.Client, base: str) -> float:
    start = time.perf_counter()
    with client.stream("POST", f"{base}/backend-api/v2/conversation", json=BODY) as response:
        for line in response.iter_lines():
            if line.startswith('{"type":"content"'):
                return time.perf_counter() - start
    raise RuntimeError("route sent no content")


def count_direct(client: httpx.Client, base: str) -> int:
    with client.stream("POST", f"{base}/v1/chat/completions", json=UPSTREAM_BODY) as response:
        return sum(1 for line in response.iter_lines() if line.startswith("data: {") and _has_content(line))


def _has_content(line: str) -> bool:
    choices = json.loads(line[6:]).get("choices") or [{}]
    return bool(choices[0].get("delta", {}).get("content"))


def count_routed(client: httpx.Client, base: str) -> int:
    with client.stream("POST", f"{base}/backend-api/v2/conversation", json=BODY) as response:
        return sum(1 for line in response.iter_lines() if line.startswith('{"type":"content"'))


def pin_server(pid: int, cpu: int) -> bool:
    """Pin the gunicorn master and its worker (every thread) to one core."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for proc in [str(pid), *children]:
            for tid in os.listdir(f"/proc/{proc}/task"):
                os.sched_setaffinity(int(tid), {cpu})
        return True
    except (OSError, AttributeError):
        return False


def ttft(client: httpx.Client, up: FakeUpstream, server_url: str, n: int) -> None:
    for _ in range(10):  # warm both paths: connections, imports, first-request work
        first_direct(client, up.base_url)
        first_routed(client, server_url)
    direct, routed = [], []
    for _ in range(n):  # interleaved, so drift on a shared machine hits both alike
        direct.append(first_direct(client, up.base_url) * 1000)
        routed.append(first_routed(client, server_url) * 1000)
    print(f"\nTTFT over {n} requests (ms)        p50      p99")
    print(f"  straight to upstream        {pct(direct, .5):7.2f}  {pct(direct, .99):7.2f}")
    print(f"  through the route           {pct(routed, .5):7.2f}  {pct(routed, .99):7.2f}")
    added = [r - d for r, d in zip(routed, direct, strict=True)]
    print(f"  added by lambdachat         {statistics.median(added):7.2f}  {pct(added, .99):7.2f}"
          "   (target ≤ 2 ms at p50)")


def throughput(client: httpx.Client, up: FakeUpstream, server_url: str, events: int) -> None:
    up.chunks = events
    rates = {}
    for name, fn, base in (("straight to upstream", count_direct, up.base_url),
                           ("through the route", count_routed, server_url)):
        best = 0.0
        for _ in range(3):
            start = time.perf_counter()
            got = fn(client, base)
            elapsed = time.perf_counter() - start
            if got != events:
                raise RuntimeError(f"{name}: {got} of {events} events arrived")
            best = max(best, got / elapsed)
        rates[name] = best
    print(f"\nThroughput, one answer of {events} content events (best of 3)")
    for name, rate in rates.items():
        print(f"  {name:<27} {rate:10,.0f} events/s")
    print("  (target ≥ 20,000 events/s through the route on one core)")


def in_process(events: int) -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # no log noise in this process
    from lambdachat.providers.base import Content

    from tests.apps import create_app
    from tests.fakes.providers import FakeProvider, install

    fake = FakeProvider(script=[Content("tok ")] * events)
    install(fake)
    client = create_app().test_client()
    body = {"messages": [{"role": "user", "content": "hi"}]}
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        response = client.post("/backend-api/v2/conversation", json=body)
        lines = sum(1 for _ in response.response)
        best = min(best, time.perf_counter() - start)
    assert lines == events + 1
    print(f"\nRoute alone, in-process ({events} events): {best / events * 1e6:.2f} µs/event, "
          f"{events / best:,.0f} events/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args()
    with FakeUpstream(chunks=3) as up:
        # The server logs at its default level (a JSON line per request), as it runs for real.
        env = {"CUSTOM_BASE_URL": f"{up.base_url}/v1"}
        with local_server(env) as server, httpx.Client(timeout=60) as client:
            pinned = pin_server(server.process.pid, 0)
            if pinned:
                os.sched_setaffinity(0, {1 % (os.cpu_count() or 1)})
            print(f"server {server.url}; worker pinned to core 0: {pinned}; cores: {os.cpu_count()}")
            ttft(client, up, server.url, args.requests)
            throughput(client, up, server.url, args.events)
    in_process(args.events)


if __name__ == "__main__":
    main()
