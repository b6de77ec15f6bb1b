"""Memory search over 10,000 memories of one user: ranking versus data access.

    .venv/bin/python bench/memory_search.py [--memories 10000] [--queries 500]

Prints, for one user with N synthetic memories:
  1. warm search (the snapshot and BM25 index cached, the version token unchanged): p50/p95 of
     `MemoryService.search` with the in-memory store, i.e. the ranking plus a dict lookup;
  2. the ranking alone (`Bm25Index.search`) and the index build (paid once per change);
  3. data access on DynamoDB (moto, in-process): the per-query version read that a warm search
     pays, and the full load that a cold or changed user pays; moto's numbers are not AWS's,
     so both are printed with the item count and bytes to estimate the real cost.
Target (issue 4): ≤ 20 ms p50 for a search over 10,000 memories, in-process.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lambdachat.memory.model import Memory, Owner
from lambdachat.memory.ranking import Bm25Index
from lambdachat.memory.service import MemoryService
from lambdachat.memory.store import InMemoryMemoryStore

SUBJECTS = ["My son", "My wife", "I", "My manager", "Our neighbour", "My sister", "The dog", "My friend Ana"]
FACTS = ["is allergic to peanuts", "loves hiking in the Alps", "plans a trip to Lisbon in May",
         "prefers green tea over coffee", "works on a Rust compiler", "is learning Japanese",
         "has a dentist appointment on Friday", "reads science fiction novels", "runs a marathon in October",
         "wants a vegetarian birthday cake", "moved to Berlin last year", "plays the cello on weekends",
         "is afraid of spiders", "collects vintage cameras", "needs reminders about medication"]
TAILS = ["since last year", "every morning", "according to the doctor", "as discussed", "", "again"]
QUERIES = ["peanut allergy", "trip to Lisbon", "what does my son like", "dentist appointment",
           "japanese lessons and novels", "birthday cake vegetarian", "marathon October running",
           "medication reminders", "vintage camera collection", "where did we move"]
OWNER = Owner(principal="bench", user_id="bench-user")


def synthetic(count: int, seed: int = 7) -> list[Memory]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        text = f"{rng.choice(SUBJECTS)} {rng.choice(FACTS)} {rng.choice(TAILS)} (note {n})".replace("  ", " ")
        out.append(Memory(id=f"{n:012x}0000{rng.getrandbits(32):08x}", text=text, role="user",
                          conversation_id=f"conv-{n // 20}", created_at="2026-01-01T00:00:00.000+00:00"))
    return out


def timings(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(label: str, values: list[float]) -> None:
    print(f"  {label:<44} p50 {pct(values, 0.5):8.3f} ms   p95 {pct(values, 0.95):8.3f} ms"
          f"   (n={len(values)})")


def in_process(memories: list[Memory], queries: int) -> None:
    store = InMemoryMemoryStore()
    store.add(OWNER, memories, max_count=len(memories))
    service = MemoryService(store)

    start = time.perf_counter()
    index = Bm25Index([m.text for m in memories])
    print(f"  index build (once per change)                {(time.perf_counter() - start) * 1000:8.1f} ms")
    service.search(OWNER, "warm up", 10)   # the first search builds and caches the snapshot's index
    qs = [QUERIES[i % len(QUERIES)] for i in range(queries)]
    it = iter(qs * 2)
    line("ranking only (Bm25Index.search, top 10)", timings(lambda: index.search(next(it), 10), queries))
    it = iter(qs * 2)
    line("warm search (MemoryService.search, top 10)", timings(lambda: service.search(OWNER, next(it), 10),
                                                                  queries))
    line("page 1 of 100 (cached snapshot)", timings(lambda: service.page(OWNER, 1, 100), queries))
    print(f"  full loads during the warm runs: {store.loads} (1 = only the first)")
    top = service.search(OWNER, "food allergies of my son", 3)
    print("  'food allergies of my son' ->", [t["memory"] for t in top])


def dynamodb(memories: list[Memory], repeats: int) -> None:
    try:
        from moto import mock_aws
    except ImportError:
        print("  (moto not installed: skipped)")
        return
    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(name, value)
    from lambdachat.memory.aws import DynamoMemoryStore
    from lambdachat.storage import aws
    from lambdachat.storage.resources import create_all

    with mock_aws():
        aws.client.cache_clear()
        create_all(aws.client("s3"), aws.client("dynamodb"))
        store = DynamoMemoryStore()
        start = time.perf_counter()
        for chunk in range(0, len(memories), 500):
            store.add(OWNER, memories[chunk:chunk + 500], max_count=len(memories))
        print(f"  write {len(memories)} memories, 500 per POST     {time.perf_counter() - start:8.2f} s")
        line("version read (GetItem)", timings(lambda: store.version(OWNER), repeats * 10))
        line("full load (Query, all pages)", timings(lambda: store.load_all(OWNER), repeats))

        cold = timings(lambda: MemoryService(store).search(OWNER, "trip to Lisbon", 10), repeats)
        line("cold search: load + index + rank", cold)
        service = MemoryService(store)
        service.search(OWNER, "warm up", 10)
        qs = iter(QUERIES * repeats * 10)
        line("warm search: version read + rank", timings(lambda: service.search(OWNER, next(qs), 10),
                                                         repeats * 10))
        extra = iter(synthetic(repeats, seed=99))

        def write_then_search() -> None:
            memory = next(extra)
            service.add(OWNER, {"id": "bench", "items": [{"role": "user", "content": memory.text}]})
            service.search(OWNER, "trip to Lisbon", 10)

        line("own write, then search: no reload, reindex", timings(write_then_search, repeats))
        size = sum(len(m.text) + len(m.conversation_id) + len(m.created_at) + 90 for m in memories)
        print(f"  a full load reads {len(memories)} items, ~{size / 1e6:.1f} MB: ~{-(-size // 1_000_000)} "
              f"Query pages of 1 MB, ~{size / 4096:.0f} RCU with consistent reads")
    aws.client.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--dynamo-repeats", type=int, default=5)
    args = parser.parse_args()
    memories = synthetic(args.memories)
    print(f"Memory search, {args.memories} memories of one user, Python {sys.version.split()[0]}")
    print("In-process (in-memory store):")
    in_process(memories, args.queries)
    print("Data access (DynamoDB API on moto, in-process; not AWS latency):")
    dynamodb(memories, args.dynamo_repeats)
    print("Target: search p50 <= 20 ms in-process over 10,000 memories.")


if __name__ == "__main__":
    main()
