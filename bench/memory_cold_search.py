"""Cold memory search (nothing cached in the container): before finding 18 and its two fixes, side by side.

    .venv/bin/python bench/memory_cold_search.py [--sizes 2500 20000] [--repeats 3]

For each size, one user's N synthetic memories are written to DynamoDB (moto, in-process), then
each strategy runs in its own child process (so peak memory is its own), on a fresh service:
  before: what a cold search did until finding 18: a full load of every memory (all seven
          attributes), the BM25 index over all of them, the top 10;
  projected: `MemoryService.search` without a persisted snapshot (the first cold search after
          a write the snapshot missed): a projected read of id and text only, the index, the
          top 10, then one BatchGetItem for those 10 in full;
  persisted: `MemoryService.search` as deployed: the owner's search snapshot (one gzip'd S3
          object, kept current by every write) read instead of the table, then the same.
Printed: wall time (best of --repeats), the peak RSS the search added (VmHWM reset just before),
and the bytes of items each strategy reads (what DynamoDB bills: 4 KB per RCU, consistent).
moto's own serialisation dominates its timings; the byte and attribute counts are what carry
over to AWS, where a 1 MB Query page takes ~100-300 ms and boto3 parses ~10 µs per attribute.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.memory_search import OWNER, synthetic

QUERY = "trip to Lisbon"


def _rss_kb(field: str) -> int:
    for text in Path("/proc/self/status").read_text().splitlines():
        if text.startswith(field):
            return int(text.split()[1])
    return 0


def _item_bytes(item: dict[str, dict[str, str]]) -> int:
    # DynamoDB's item size: attribute names plus values (UTF-8).
    return sum(len(name) + len(next(iter(value.values())).encode()) for name, value in item.items())


def child(size: int, strategy: str, repeats: int) -> dict[str, float]:
    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(name, value)
    from lambdachat.memory.aws import DynamoMemoryStore
    from lambdachat.memory.persisted import ObjectSearchSnapshots
    from lambdachat.memory.ranking import Bm25Index
    from lambdachat.memory.service import MemoryService
    from lambdachat.storage import aws
    from lambdachat.storage.resources import create_all
    from lambdachat.storage.s3 import S3Store
    from moto import mock_aws

    memories = synthetic(size)
    with mock_aws():
        create_all(aws.client("s3"), aws.client("dynamodb"))
        store = DynamoMemoryStore()
        for first in range(0, size, 500):
            store.add(OWNER, memories[first:first + 500], max_count=size)
        read = {"bytes": 0, "attributes": 0, "s3_bytes": 0}

        def count(parsed: dict[str, object], **_: object) -> None:
            items = list(parsed.get("Items", [])) + [  # type: ignore[call-overload]
                i for items in dict(parsed.get("Responses", {})).values() for i in items]  # type: ignore[call-overload]
            read["bytes"] += sum(_item_bytes(i) for i in items)
            read["attributes"] += sum(len(i) for i in items)

        db = aws.client("dynamodb")
        db.meta.events.register("after-call.dynamodb.Query", lambda parsed, **kw: count(parsed))
        db.meta.events.register("after-call.dynamodb.BatchGetItem", lambda parsed, **kw: count(parsed))
        s3 = aws.client("s3")
        s3.meta.events.register("after-call.s3.GetObject", lambda parsed, **kw: read.update(
            s3_bytes=read["s3_bytes"] + int(parsed.get("ContentLength", 0))))

        def before() -> list[str]:
            store.version(OWNER)
            loaded = store.load_all(OWNER)
            ranked = Bm25Index([m.text for m in loaded]).search(QUERY, 10)
            return [loaded[doc].text for doc, _ in ranked]

        def projected() -> list[str]:
            return [m["memory"] for m in MemoryService(store).search(OWNER, QUERY, 10)]

        snapshots = ObjectSearchSnapshots(S3Store())

        def persisted() -> list[str]:
            return [m["memory"] for m in MemoryService(store, persisted=snapshots).search(OWNER, QUERY, 10)]

        if strategy == "persisted":
            persisted()      # what the writes leave behind: a snapshot at the current version
        run = {"before": before, "projected": projected, "persisted": persisted}[strategy]
        best, peak, top = float("inf"), 0.0, []
        for _ in range(repeats):
            read.update(bytes=0, attributes=0, s3_bytes=0)
            Path("/proc/self/clear_refs").write_text("5")   # VmHWM := current RSS
            base = _rss_kb("VmRSS")
            start = time.perf_counter()
            top = run()
            best = min(best, time.perf_counter() - start)
            peak = max(peak, float(_rss_kb("VmHWM") - base))
        # What keeping the snapshot current costs a write: one memory added by a cold writer
        # (a new container: it reads the snapshot, adds its memory, writes the snapshot back).
        body = {"id": "bench", "items": [{"role": "user", "content": "one more note about Lisbon"}]}
        start = time.perf_counter()
        MemoryService(store, persisted=snapshots if strategy == "persisted" else None,
                      max_per_user=size + 1).add(OWNER, body)   # the seed filled the user to the cap
        write = time.perf_counter() - start
        return {"seconds": best, "peak_mb": peak / 1024, "read_mb": (read["bytes"] + read["s3_bytes"]) / 1e6,
                "attributes": read["attributes"], "top": top[:3], "write_seconds": write}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[2500, 20000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "STRATEGY"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1], args.repeats)))
        return
    print(f"Cold memory search, moto in-process, query {QUERY!r}, top 10, best of {args.repeats}")
    strategies = ("before", "projected", "persisted")
    print("per strategy: seconds / peak RSS added (MB) / MB read (items + S3 bytes) / DynamoDB attributes parsed")
    print(f"{'memories':>9} | " + " | ".join(f"{name:>28}" for name in strategies) + " | persisted vs before")
    for size in args.sizes:
        out = {}
        for strategy in strategies:
            done = subprocess.run([sys.executable, __file__, "--child", str(size), strategy,
                                   "--repeats", str(args.repeats)], capture_output=True, text=True, check=True)
            out[strategy] = json.loads(done.stdout.strip().splitlines()[-1])
        tops = {name: tuple(result["top"]) for name, result in out.items()}
        assert len(set(tops.values())) == 1, tops   # same answer, or the comparison is moot
        cells = [f"{r['seconds']:6.2f}s {r['peak_mb']:6.1f}MB {r['read_mb']:6.2f}MB {r['attributes']:>6}"
                 for r in out.values()]
        ratio = out["before"]["seconds"] / out["persisted"]["seconds"]
        print(f"{size:>9} | " + " | ".join(f"{c:>28}" for c in cells) + f" | {ratio:.1f}x faster")
        print(f"{'':>9}   a cold writer adding one memory: {out['projected']['write_seconds'] * 1000:.0f} ms without"
              f" the snapshot, {out['persisted']['write_seconds'] * 1000:.0f} ms keeping it current")


if __name__ == "__main__":
    main()
