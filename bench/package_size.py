"""Deployment package size per Lambda function (build/lambda/<function>.zip).

    .venv/bin/python bench/package_size.py [--build]

Prints, per function: the zip (what Lambda downloads on a cold start; limit 50 MB zipped for
a direct upload, 250 MB unzipped), its unzipped size, file count, and the biggest top-level
entries. `--build` runs infra/package_functions.py first (it also runs when a zip is missing).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD = REPO_ROOT / "build" / "lambda"
UNZIPPED_LIMIT_MB = 250


def functions() -> list[str]:
    sys.path.insert(0, str(REPO_ROOT))
    from infra.package_functions import load_config

    return list(load_config()["functions"])


def top_level(zf: zipfile.ZipFile, n: int = 3) -> str:
    sizes: Counter[str] = Counter()
    for info in zf.infolist():
        sizes[info.filename.split("/", 1)[0].split("-", 1)[0]] += info.file_size
    return ", ".join(f"{name} {size / 1e6:.1f}" for name, size in sizes.most_common(n))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true")
    args = parser.parse_args()
    names = functions()
    if args.build or any(not (BUILD / f"{n}.zip").exists() for n in names):
        subprocess.run([sys.executable, str(REPO_ROOT / "infra" / "package_functions.py")], check=True)
    print(f"{'function':16} {'zip MB':>7} {'unzipped MB':>12} {'files':>6}  biggest (unzipped MB)")
    for name in names:
        path = BUILD / f"{name}.zip"
        with zipfile.ZipFile(path) as zf:
            unzipped = sum(i.file_size for i in zf.infolist())
            print(f"{name:16} {path.stat().st_size / 1e6:7.2f} {unzipped / 1e6:12.1f} {len(zf.infolist()):6}  "
                  f"{top_level(zf)}")
            assert unzipped / 1e6 < UNZIPPED_LIMIT_MB, f"{name} is over Lambda's unzipped limit"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
