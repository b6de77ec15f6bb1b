"""Streamed bytes versus a presigned 302, for media served through the running local server.

    .venv/bin/python bench/media_serving.py [--runs 15] [--sizes 64K,1M,4M,16M]

Starts `lambdachat serve` (port 0, embedded moto) once per mode, `LAMBDACHAT_MEDIA_SERVE=stream`
and `=presign`, puts one generated media file of each size into its embedded S3, and downloads
each `/media/<owner>/<name>` `--runs` times with a fresh connection per request (what a browser
does for a new image), following the redirect. Prints per size and mode the median and p90
of the whole download, the server's own answer time (the first response, i.e. the bytes or the
302) and the server's peak RSS growth. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.local_server import local_server

OWNER = "0123456789abcdef"  # any 16 hex digits are a valid owner segment


def _size(text: str) -> int:
    units = {"K": 1024, "M": 1024 * 1024}
    return int(text[:-1]) * units[text[-1].upper()] if text[-1].upper() in units else int(text)


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _worker_pid(parent: int) -> int:
    """gunicorn's worker (the process that serves and holds moto) is the master's only child."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return int(children[0]) if children else parent


def measure(mode: str, sizes: list[int], runs: int) -> dict[int, tuple[float, float, float, float]]:
    import boto3

    results = {}
    env = {"LAMBDACHAT_MEDIA_SERVE": mode}
    with local_server(env) as server:
        endpoint = (server.log("embedded AWS ready") or {})["endpoint"]
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        worker = _worker_pid(server.process.pid)
        for size in sizes:
            name = f"1700000000_bench_{size}_00000000deadbeef.mp4"
            s3.put_object(Bucket="lambdachat-files", Key=f"media/{OWNER}/{name}", Body=os.urandom(size),
                          ContentType="video/mp4")
            url = f"{server.url}/media/{OWNER}/{name}"
            rss_before = _rss_kb(worker)
            totals, answers = [], []
            for _ in range(runs):
                with httpx.Client(follow_redirects=True, trust_env=False, timeout=60) as client:
                    started = time.perf_counter()
                    response = client.get(url)
                    totals.append(time.perf_counter() - started)
                    first = response.history[0] if response.history else response
                    answers.append(first.elapsed.total_seconds())
                    assert response.status_code == 200 and len(response.content) == size, response.status_code
            totals.sort()
            results[size] = (statistics.median(totals), totals[int(len(totals) * 0.9) - 1],
                             statistics.median(answers), (_rss_kb(worker) - rss_before) / 1024)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--sizes", default="64K,1M,4M,16M")
    args = parser.parse_args()
    sizes = [_size(s) for s in args.sizes.split(",")]
    table = {mode: measure(mode, sizes, args.runs) for mode in ("stream", "presign")}
    print(f"{'size':>8} {'mode':>8} {'median ms':>10} {'p90 ms':>8} {'server answer ms':>17} {'RSS +MB':>8}")
    for size in sizes:
        for mode in ("stream", "presign"):
            median, p90, answer, rss = table[mode][size]
            print(f"{size // 1024:>7}K {mode:>8} {median * 1000:>10.1f} {p90 * 1000:>8.1f} "
                  f"{answer * 1000:>17.1f} {rss:>8.1f}")


if __name__ == "__main__":
    main()
