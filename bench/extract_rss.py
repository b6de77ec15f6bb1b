"""Peak memory of reading one upload: archive bombs and big documents, each in a fresh process.

    .venv/bin/python bench/extract_rss.py [--only NAME ...]

Each input is built here (no committed binaries) and read by a child interpreter the way the
files route does: `check_archive` (the 413 at upload), then `extract` (the bucket read). The
child first imports every reader library, so "base" is the process before the read and
"peak" its ru_maxrss after it (the high-water mark of the whole process, as Lambda counts it).
Run it with PYTHONPATH pointing at another checkout's `functions` to measure that code instead.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.documents import LINE, swollen  # noqa: E402

MB = 1024 * 1024

CHILD = r"""
import io, json, resource, sys, time
try:
    from lambdachat.files.archives import check_archive
except ImportError:  # older layout
    from lambdachat.files.extract import check_archive
from lambdachat.files.extract import extract
import docx, openpyxl, pptx, ebooklib.epub, bs4, lxml.etree, pypdf  # noqa: F401 - warm imports
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
path, name = sys.argv[1], sys.argv[2]
started = time.process_time()
outcome = "read"
try:
    with open(path, "rb") as stream:
        check_archive(stream, name)
        parts = extract(stream, name)
    chars = sum(len(p.text) for p in parts)
    outcome = f"read {chars / 2**20:.1f} M chars"
    errors = [p.text for p in parts if p.text.startswith("[")]
    if errors:
        outcome += " " + errors[0][:70]
except Exception as exc:
    outcome = f"{type(exc).__name__}: {getattr(exc, 'message', str(exc))[:70]}"
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"base": base / 1024, "peak": peak / 1024, "cpu": time.process_time() - started,
                  "outcome": outcome}))
"""


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def html_file(path: Path, mb: int) -> Path:
    block = (f"<p>{LINE}</p>" * (MB // (len(LINE) + 7))).encode()
    with path.open("wb") as handle:
        handle.write(b"<html><body>")
        for _ in range(mb):
            handle.write(block)
        handle.write(b"</body></html>")
    return path


def wrap(path: Path, inner: Path, levels: int = 1) -> Path:
    """`inner` inside `levels` zips (compressed again at each level: the 35 KB zips of the report)."""
    data, name = inner.read_bytes(), inner.name
    for level in range(levels):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            archive.writestr(name, data)
        data, name = out.getvalue(), f"level{level}.zip"
    path.write_bytes(data)
    return path


def normal_docx(path: Path, paragraphs: int) -> Path:
    import docx

    document = docx.Document()
    for number in range(paragraphs):
        document.add_paragraph(f"{number}: {LINE * 3}")
    document.save(str(path))
    return path


def normal_xlsx(path: Path, rows: int) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    for number in range(rows):
        sheet.append([number, f"row {number}", number * 1.5, LINE])
    workbook.save(str(path))
    return path


def text_file(path: Path, mb: int) -> Path:
    block = (LINE * (MB // len(LINE))).encode()
    with path.open("wb") as handle:
        for _ in range(mb):
            handle.write(block)
    return path


def inputs(scratch: Path) -> dict[str, Callable[[], Path]]:
    s = scratch
    return {
        "docx, 100 MB XML": lambda: write(s / "big.docx", swollen("docx", 100)),
        "docx, 190 MB XML": lambda: write(s / "huge.docx", swollen("docx", 190)),
        "zip > docx, 190 MB XML": lambda: wrap(s / "in.zip", write(s / "inner.docx", swollen("docx", 190))),
        "zip > docx, 1 GB XML": lambda: wrap(s / "bomb.zip", write(s / "inner.docx", swollen("docx", 1024))),
        "zip > zip > docx, 190 MB": lambda: wrap(s / "deep.zip", write(s / "inner.docx", swollen("docx", 190)), 2),
        "xlsx, 100 MB sharedStrings": lambda: write(s / "strings.xlsx", swollen("xlsx", 100)),
        "xlsx, 30 MB sharedStrings": lambda: write(s / "strings.xlsx", swollen("xlsx", 30)),
        "pptx, 100 MB slide XML": lambda: write(s / "big.pptx", swollen("pptx", 100)),
        "odt, 100 MB content.xml": lambda: write(s / "big.odt", swollen("odt", 100)),
        "epub, 100 MB chapter": lambda: write(s / "big.epub", swollen("epub", 100)),
        "zip > epub, 190 MB chapter": lambda: wrap(s / "e.zip", write(s / "inner.epub", swollen("epub", 190))),
        "html, 100 MB": lambda: html_file(s / "big.html", 100),
        "normal docx, 20k paragraphs": lambda: normal_docx(s / "normal.docx", 20_000),
        "normal xlsx, 200k rows": lambda: normal_xlsx(s / "normal.xlsx", 200_000),
        "text, 100 MB": lambda: text_file(s / "big.txt", 100),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="names (substrings) of the inputs to run")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", str(REPO_ROOT / "functions"))}
    print(f"{'input':<30} {'file':>9} {'base MB':>8} {'peak MB':>8} {'cpu s':>6}  outcome")
    with tempfile.TemporaryDirectory() as scratch:
        for label, build in inputs(Path(scratch)).items():
            if args.only and not any(o in label for o in args.only):
                continue
            path = build()
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", CHILD, str(path), path.name], env=env,
                                  capture_output=True, text=True, timeout=900, check=False)
            if done.returncode != 0:
                print(f"{label:<30} child failed: {done.stderr[-300:]}")
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            size = path.stat().st_size
            shown = f"{size / MB:.1f} MB" if size >= MB else f"{size / 1024:.0f} KB"
            print(f"{label:<30} {shown:>9} {row['base']:8.0f} {row['peak']:8.0f} {row['cpu']:6.1f}  "
                  f"{row['outcome']}  ({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
