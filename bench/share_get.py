"""Shared-conversation GET latency through the running local server, with and without a match.

    .venv/bin/python bench/share_get.py [--runs 300] [--sizes 5K,30K,300K,1M]

Starts `lambdachat serve` (port 0, embedded moto), creates one share per size (up to 32 KB the
body stays in the DynamoDB item, above it spills to S3), then GETs each `--runs` times over one
keep-alive connection: no `If-None-Match` (200 with the body), the current ETag (304), and
V1's integer `updated` (304). Prints p50/p99 of the round trip seen by the client and of the
server's own handling time (its per-request log line). Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lambdachat.config import Settings

from tests.local_server import LocalServer, local_server

UPDATED = 1743300000000


def _size(text: str) -> int:
    units = {"K": 1024, "M": 1024 * 1024}
    return int(text[:-1]) * units[text[-1].upper()] if text[-1].upper() in units else int(text)


def _conversation(size: int) -> bytes:
    items: list[dict[str, str]] = []
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 40
    while len(items) * len(filler) < size:
        items.append({"role": "user" if len(items) % 2 == 0 else "assistant", "content": filler})
    return json.dumps({"id": str(uuid.uuid4()), "title": "bench", "added": UPDATED, "updated": UPDATED,
                       "items": items}).encode()


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def _server_ms(server: LocalServer, path: str, since: int) -> list[float]:
    return [float(line["ms"]) for line in server.logs[since:]
            if line.get("message") == "request" and line.get("path") == path and "ms" in line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--sizes", default="5K,30K,300K,1M")
    args = parser.parse_args()

    with local_server() as server, httpx.Client(base_url=server.url, timeout=30) as client:
        print(f"share GET through lambdachat serve ({server.url}), {args.runs} requests per case, "
              f"one keep-alive connection")
        print(f"{'size':>6} {'stored':>7} {'If-None-Match':<14} {'status':>6} "
              f"{'client p50':>10} {'p99':>7} {'server p50':>10} {'p99':>7}  (ms)")
        for size_text in args.sizes.split(","):
            body = _conversation(_size(size_text))
            path = f"/backend-api/v2/chat/{uuid.uuid4()}"
            created = client.post(path, content=body, headers={"content-type": "application/json"})
            created.raise_for_status()
            etag = client.get(path).headers["ETag"]
            stored = "S3" if len(body) > Settings.share_inline_max_bytes else "item"
            for label, headers in (("none", {}), ("ETag", {"If-None-Match": etag}),
                                   ("V1 integer", {"If-None-Match": str(UPDATED)})):
                for _ in range(10):   # warm: connection, moto, code paths
                    client.get(path, headers=headers)
                since = len(server.logs)
                timings, status = [], 0
                for _ in range(args.runs):
                    started = time.perf_counter()
                    response = client.get(path, headers=headers)
                    timings.append((time.perf_counter() - started) * 1000)
                    status = response.status_code
                time.sleep(0.2)   # let the log reader catch up
                inside = _server_ms(server, path, since) or [float("nan")]
                print(f"{size_text:>6} {stored:>7} {label:<14} {status:>6} {_pct(timings, 50):>10.2f} "
                      f"{_pct(timings, 99):>7.2f} {_pct(inside, 50):>10.2f} {_pct(inside, 99):>7.2f}")


if __name__ == "__main__":
    main()
