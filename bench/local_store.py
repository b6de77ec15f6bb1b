"""The local store: in-process moto (`LAMBDACHAT_LOCAL_STORE=memory`) versus the durable store in
its own process (the default), side by side in one run.

    .venv/bin/python bench/local_store.py [--requests 600] [--block 200] [--items 10000] [--files-mb 100]
                                          [--only ttft|start]

1. Added TTFT through `lambdachat serve`: a new connection per request, provider Custom with a
   client-given base URL (`api_base`) to a fake OpenAI-compatible upstream on loopback
   (tests/fakes/upstream.py); each conversation records its usage. The three paths (straight to the
   upstream, memory server, durable server) are interleaved request by request, so drift on a shared
   machine hits all alike. p50/p99 of the added time per block, and the RSS of each server's whole
   process tree (master, worker, store) at the start and the end.
2. Start of `lambdachat serve` to the first 200 of a stored record, with `--items` records and
   `--files-mb` of 1 MiB files in the data directory: after a clean stop (a snapshot to load) and
   after a kill -9 of the store (every write still in the log, replayed).
Target (issue 12): p99 ≤ 5 ms added at every block.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.upstream import FakeUpstream
from tests.local_server import LocalServer, local_server, process_tree

UPSTREAM_BODY = {"model": "bench", "stream": True, "messages": [{"role": "user", "content": "hi"}]}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# Keeps no connection: every request opens its own (one client, so no per-request client setup).
CLIENT = httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0))


def first_content(url: str, body: dict[str, Any], marker: str) -> float:
    """Seconds to the first content line, on a connection of its own."""
    start = time.perf_counter()
    elapsed = None
    with CLIENT.stream("POST", url, json=body) as response:
        for line in response.iter_lines():  # read the answer to its end, as a client does
            if elapsed is None and marker in line:
                elapsed = time.perf_counter() - start
    if elapsed is None:
        raise RuntimeError(f"{url}: no content")
    return elapsed


def rss_mb(server: LocalServer) -> dict[str, float]:
    """RSS of the server's processes: master, worker(s), store; and their total."""
    found: dict[str, float] = {"master": 0.0, "worker": 0.0, "store": 0.0}
    for pid in process_tree(server.process.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
        role = "master" if pid == server.process.pid else "store" if b"store_process" in command else "worker"
        found[role] += kb / 1024
    found["total"] = sum(found.values())
    return found


def shown(rss: dict[str, float]) -> str:
    return " + ".join(f"{rss[k]:.0f} {k}" for k in ("master", "worker", "store") if rss[k]) + f" = {rss['total']:.0f}"


def ttft(requests: int, block: int) -> None:
    with FakeUpstream(chunks=3) as up, tempfile.TemporaryDirectory() as data:
        body = {"provider": "Custom", "model": "bench", "api_base": f"{up.base_url}/v1",
                "messages": [{"role": "user", "content": "hi"}]}
        with local_server({"LAMBDACHAT_LOCAL_STORE": "memory"}) as memory, \
                local_server({"LAMBDACHAT_DATA_DIR": data}) as durable:
            servers = {"in-process moto": memory, "durable, own process": durable}
            direct_url = f"{up.base_url}/v1/chat/completions"
            for _ in range(10):  # warm: imports, first-request work
                first_content(direct_url, UPSTREAM_BODY, '"content"')
                for server in servers.values():
                    first_content(f"{server.url}/backend-api/v2/conversation", body, '{"type":"content"')
            start_rss = {name: rss_mb(s) for name, s in servers.items()}
            added: dict[str, list[float]] = {name: [] for name in servers}
            direct: list[float] = []
            print(f"\nAdded TTFT (ms), new connection per request, blocks of {block}:")
            print(f"  {'requests':>9}  " + "  ".join(f"{name:>24}" for name in servers))
            for i in range(1, requests + 1):
                straight = first_content(direct_url, UPSTREAM_BODY, '"content"')
                direct.append(straight * 1000)
                for name, server in servers.items():
                    routed = first_content(f"{server.url}/backend-api/v2/conversation", body, '{"type":"content"')
                    added[name].append((routed - straight) * 1000)
                if i % block == 0:
                    cells = [f"p50 {pct(v[-block:], .5):6.2f} p99 {pct(v[-block:], .99):6.2f}" for v in added.values()]
                    print(f"  {i:>9}  " + "  ".join(f"{c:>24}" for c in cells))
            print(f"  {'all':>9}  " + "  ".join(f"p50 {pct(v, .5):6.2f} p99 {pct(v, .99):6.2f}".rjust(24)
                                               for v in added.values()))
            print(f"  straight to the upstream: p50 {pct(direct, .5):.2f} ms, p99 {pct(direct, .99):.2f} ms")
            print("  RSS of the server's processes (MB), start -> end:")
            for name, server in servers.items():
                print(f"    {name:<24} {shown(start_rss[name])}  ->  {shown(rss_mb(server))}")


def fill(data: Path, items: int, files_mb: int) -> None:
    """Records through the store's API, one PutItem each (as the server writes them), and files."""
    import boto3
    from botocore.config import Config
    from lambdachat.storage.local_store import start_store

    store = start_store(data)
    kw: dict[str, Any] = {"endpoint_url": store.endpoint, "region_name": "us-east-1",
                          "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    dynamodb = boto3.client("dynamodb", **kw)
    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **kw)
    for i in range(items):
        dynamodb.put_item(TableName="lambdachat", Item={
            "pk": {"S": "memory#local#bench"}, "sk": {"S": f"m#{i:06d}"}, "text": {"S": "x" * 200}})
    blob = os.urandom(1024 * 1024)
    for i in range(files_mb):
        s3.put_object(Bucket="lambdachat-files", Key=f"bench/file{i}", Body=blob)
    assert store.process is not None
    store.process.kill()   # everything still in the log: the first start below replays it
    store.process.wait()


def start_to_first_200(env: dict[str, str]) -> float:
    started = time.perf_counter()
    with local_server(env) as server:
        while True:
            if httpx.get(f"{server.url}/backend-api/v2/version", timeout=10).status_code == 200:
                return time.perf_counter() - started
            time.sleep(0.01)


def start_times(items: int, files_mb: int) -> None:
    print(f"\nStart of `lambdachat serve` to the first 200, {items:,} records and {files_mb} MiB of files:")
    print(f"  in-process moto (nothing kept)       {start_to_first_200({'LAMBDACHAT_LOCAL_STORE': 'memory'}):6.2f} s")
    with tempfile.TemporaryDirectory() as data:
        began = time.perf_counter()
        fill(Path(data), items, files_mb)
        print(f"  (filling took {time.perf_counter() - began:.1f} s)")
        env = {"LAMBDACHAT_DATA_DIR": data}
        print(f"  durable, after kill -9 (log replay)  {start_to_first_200(env):6.2f} s")
        print(f"  durable, after a clean stop          {start_to_first_200(env):6.2f} s")
        sizes = sum(p.stat().st_size for p in Path(data).rglob("*") if p.is_file())
        print(f"  data directory: {sizes / 1e6:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--block", type=int, default=200)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--files-mb", type=int, default=100)
    parser.add_argument("--only", choices=["ttft", "start"], help="run one of the two parts")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    if args.only != "start":
        ttft(args.requests, args.block)
    if args.only != "ttft":
        start_times(args.items, args.files_mb)


if __name__ == "__main__":
    main()
