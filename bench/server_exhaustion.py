"""A normal request's latency while `lambdachat serve` is under connection-exhaustion load.

    .venv/bin/python bench/server_exhaustion.py [--slowloris 50] [--streams 50] [--requests 40]
    # old vs new: unpack an older tree and name it
    mkdir -p /tmp/base && git archive 8aa2146 functions | tar -x -C /tmp/base
    .venv/bin/python bench/server_exhaustion.py --baseline /tmp/base

The load (tests/exhaustion.py): slowloris sockets that trickle a header line every second and
never finish, plus conversations (provider Custom, a fake upstream sending a token every 50 ms
for ~40 s) whose client never reads a byte. Then `--requests` sequential GETs of
/backend-api/v2/version from 127.0.0.1; a request that gets no answer within 30 s counts as inf.
Prints p50/p95/max per tree (the working tree, and `--baseline` if given).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.exhaustion import attack, timed_get, wait_for_streams
from tests.fakes.upstream import FakeUpstream, OpenAIWire
from tests.local_server import local_server

SLOW_STREAM = OpenAIWire.stream(*("tok " for _ in range(800))).slow(0.05)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(tree: Path, args: argparse.Namespace) -> list[float]:
    with FakeUpstream() as upstream:
        upstream.script(*(SLOW_STREAM for _ in range(args.streams)))
        env = {"CUSTOM_BASE_URL": upstream.base_url + "/v1",
               "PYTHONPATH": os.pathsep.join([str(tree / "functions"), str(tree)])}
        with local_server(env) as server:
            timed_get(server.url)  # warm: first request imports the routes
            with attack(server.url, args.slowloris, args.streams) as running:
                settled = wait_for_streams(upstream, args.streams)
                samples = [timed_get(server.url) for _ in range(args.requests)]
                refused = running.refused
    print(f"{tree}: refused at connect {refused}; streams open at the upstream {settled}; " + summary(samples))
    if args.verbose:
        print("  samples (ms): " + " ".join(f"{s * 1000:.0f}" for s in samples))
    return samples


def summary(samples: list[float]) -> str:
    answered = [s for s in samples if s != float("inf")]
    unanswered = len(samples) - len(answered)
    if not answered:
        return f"0/{len(samples)} answered within 30 s"
    return (f"{len(answered)}/{len(samples)} answered; p50 {pct(samples, 0.5) * 1000:.0f} ms, "
            f"p95 {pct(samples, 0.95) * 1000:.0f} ms, median of answered "
            f"{statistics.median(answered) * 1000:.0f} ms" + (f", {unanswered} unanswered" if unanswered else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slowloris", type=int, default=50)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--verbose", action="store_true", help="print every sample")
    parser.add_argument("--baseline", type=Path, help="an older source tree (with functions/) to compare")
    args = parser.parse_args()
    print(f"load: {args.slowloris} slowloris sockets + {args.streams} unread streams; "
          f"{args.requests} sequential GET /backend-api/v2/version")
    if args.baseline:
        measure(args.baseline.resolve(), args)
    measure(Path(__file__).resolve().parents[1], args)


if __name__ == "__main__":
    main()
