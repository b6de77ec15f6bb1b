"""Text extraction of a 100-page PDF: lambdachat's extractor versus plain pypdf on the same file.

    .venv/bin/python bench/extract_pdf.py [--pages 100] [--runs 7]

plain:    `"\\n".join(page.extract_text() for page in PdfReader(file).pages)`: the floor.
extract:  `lambdachat.files.extract.extract(file, "doc.pdf")`: what a bucket read runs
          (format dispatch, encryption check, per-page pieces, the text-size guard).
bucket:   the whole first read of a bucket holding that PDF on in-memory storage: spool the
          upload, extract, fence, cache the text, update the file's state.
The PDF is generated (fpdf2), ~2,500 characters of varied words per page. Each timing is the
median of --runs, after one warm-up run each. Target: extract/plain <= 1.2x.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.documents import pdf  # noqa: E402

TARGET_RATIO = 1.2
WORDS = ["serverless", "function", "bucket", "extract", "model", "prompt", "stream", "token", "answer",
         "document", "page", "text", "lambda", "moto", "gateway", "latency", "memory", "upload",
         "presigned", "policy", "archive", "limit"]


def make_pdf(pages: int) -> bytes:
    rng = random.Random(42)
    return pdf([" ".join(rng.choice(WORDS) for _ in range(330)) for _ in range(pages)])


def median_seconds(run: Callable[[], object], runs: int) -> float:
    run()  # warm-up: imports and first-use caches are not what is compared
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from lambdachat.files.buckets import Buckets, Incoming
    from lambdachat.files.extract import extract
    from lambdachat.identity import Principal
    from pypdf import PdfReader

    from tests.fakes.files import MemoryBlobStore, MemoryBucketIndex

    data = make_pdf(args.pages)

    def plain() -> str:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)

    def ours() -> str:
        return extract(io.BytesIO(data), "doc.pdf")[0].text

    def bucket() -> None:
        service = Buckets(MemoryBlobStore(), MemoryBucketIndex(), Principal("bench"))
        service.upload("bench-bucket-0001", [Incoming("doc.pdf", io.BytesIO(data))])
        assert service.text("bench-bucket-0001")

    assert ours().strip() == plain().strip(), "the extractor must return the same text as pypdf"
    t_plain = median_seconds(plain, args.runs)
    t_ours = median_seconds(ours, args.runs)
    t_bucket = median_seconds(bucket, args.runs)
    print(f"PDF: {args.pages} pages, {len(data) / 1024:.0f} KB, {len(plain()):,} characters; "
          f"median of {args.runs} runs")
    print(f"  plain pypdf      {t_plain * 1000:8.1f} ms")
    print(f"  extract()        {t_ours * 1000:8.1f} ms   {t_ours / t_plain:.3f}x plain")
    print(f"  bucket 1st read  {t_bucket * 1000:8.1f} ms   {t_bucket / t_plain:.3f}x plain")
    ok = t_ours / t_plain <= TARGET_RATIO
    print(f"target extract/plain <= {TARGET_RATIO}x: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
