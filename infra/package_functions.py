"""Build one deployment zip per Lambda function: build/lambda/<function>.zip.

    .venv/bin/python infra/package_functions.py [--python /path/to/python3.12]

serverless.yml points each function at its zip (`package.artifact`). A zip holds:
  - the function's handler (`functions/<name>.py`, or the Web Adapter start script);
  - the `lambdachat` package, at the root where the runtime imports from (no web app, no caches);
  - the third-party packages it needs, as wheels for the runtime's platform (arm64, the
    runtime's CPython): the project's dependencies, plus gunicorn for Web Adapter functions and
    the pyproject extras listed in `custom.pythonExtras` (files: document readers; synthesize:
    espeak). boto3 is not packed: the Lambda runtime ships it, already compiled.
Nothing test-only goes in: no tests/, no dev extras, no moto, no console scripts.

Cold start: a Python that finds no `.pyc` compiles every module on each cold start (Lambda's
/var/task is read-only). Bytecode only counts for the exact runtime version, so it is compiled
only when the packaging interpreter (`--python`, or LAMBDACHAT_PACKAGE_PYTHON) is that
version; otherwise the zip ships sources only and the script says so.

Wheels are installed once per requirement set (build/lambda/site/<hash>/) and reused.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD = REPO_ROOT / "build" / "lambda"
PACKAGE_SRC = REPO_ROOT / "functions" / "lambdachat"
WEB_ADAPTER_REQUIREMENT = "gunicorn>=27,<28"  # web/guarded_worker.py subclasses gthread internals
# Parts of lambdachat no Lambda runs: the SPA the local server serves (S3 + CloudFront serve it
# in the cloud) and the laptop-only server entry points.
EXCLUDED_SOURCES = ("static/", "server.py", "cli.py", "storage/local_aws.py")
SKIPPED_DIRS = {"__pycache__", "bin"}
ZIP_TIME = (1980, 1, 1, 0, 0, 0)   # fixed: an unchanged function builds a byte-identical zip


def load_config() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "serverless.yml").read_text())  # type: ignore[no-any-return]


def runtime_version(config: dict[str, Any]) -> str:
    return str(config["provider"]["runtime"]).removeprefix("python")       # "3.12"


def pip_platform_args(config: dict[str, Any]) -> list[str]:
    arch = "aarch64" if config["provider"].get("architecture") == "arm64" else "x86_64"
    platforms = [f"manylinux{tag}_{arch}" for tag in ("2014", "_2_28", "_2_34")]
    return [*(f"--platform={p}" for p in platforms), f"--python-version={runtime_version(config)}",
            "--implementation=cp", "--only-binary=:all:", "--no-compile"]


def requirements(config: dict[str, Any], function: str) -> list[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    reqs: list[str] = list(project["dependencies"])
    for extra in config.get("custom", {}).get("pythonExtras", {}).get(function, []):
        for req in project["optional-dependencies"][extra]:
            if req.startswith("lambdachat["):   # an extra that includes another
                raise SystemExit(f"nested extra {req} in {extra}: list its parts in pythonExtras")
            reqs.append(req)
    if config["functions"][function]["handler"].endswith(".sh"):
        reqs.append(WEB_ADAPTER_REQUIREMENT)
    return sorted(set(reqs))


def site_dir(config: dict[str, Any], reqs: list[str]) -> Path:
    args = pip_platform_args(config)
    key = hashlib.sha256("\n".join([*args, *reqs]).encode()).hexdigest()[:16]
    target = BUILD / "site" / key
    if not (target / ".complete").exists():
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--target", str(target), *args, *reqs], check=True)
        (target / ".complete").write_text("\n".join(reqs) + "\n")
    return target


def _files(root: Path) -> list[tuple[Path, str]]:
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_dir() or SKIPPED_DIRS & set(Path(rel).parts) or rel == ".complete":
            continue
        out.append((path, rel))
    return out


def stage(config: dict[str, Any], function: str, dest: Path) -> None:
    shutil.copytree(site_dir(config, requirements(config, function)), dest, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(*SKIPPED_DIRS, ".complete"))
    for path, rel in _files(PACKAGE_SRC):
        if not rel.startswith(EXCLUDED_SOURCES) and path.suffix != ".pyc":
            target = dest / "lambdachat" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    handler = config["functions"][function]["handler"]
    # Web Adapter functions also carry their buffered handler (functions/<name>.py): a fallback
    # should streaming be switched off, and what bench/cold_start.py imports.
    handler_files = {Path(handler if handler.endswith(".sh") else handler.rsplit(".", 1)[0] + ".py"),
                     Path("functions", f"{function}.py")}
    (dest / "functions").mkdir(parents=True, exist_ok=True)
    for handler_file in handler_files:
        shutil.copy2(REPO_ROOT / handler_file, dest / handler_file)


def write_zip(src: Path, zip_path: Path) -> None:
    tmp = zip_path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path, rel in _files(src) + [(p, p.relative_to(src).as_posix())
                                         for p in sorted(src.rglob("__pycache__/*.pyc"))]:
            info = zipfile.ZipInfo(rel, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            # The Web Adapter runs the start script directly: it must stay executable.
            info.external_attr = (0o100755 if rel.endswith(".sh") else 0o100644) << 16
            zf.writestr(info, path.read_bytes())
    tmp.replace(zip_path)


def compile_with(python: str | None, version: str, src: Path) -> bool:
    """Bytecode for the runtime's Python, when the given interpreter is that version."""
    interpreter = python or sys.executable
    found = subprocess.run([interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                           capture_output=True, text=True, check=True).stdout.strip()
    if found != version:
        return False
    # unchecked-hash: the zip's fixed timestamps would otherwise invalidate every .pyc.
    subprocess.run([interpreter, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                    str(src)], check=True)
    return True


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=os.environ.get("LAMBDACHAT_PACKAGE_PYTHON"),
                        help="interpreter of the runtime's version, to ship .pyc (default: this one if it matches)")
    parser.add_argument("functions", nargs="*", help="only these functions (default: all)")
    args = parser.parse_args(argv)
    config = load_config()
    version = runtime_version(config)
    BUILD.mkdir(parents=True, exist_ok=True)
    compiled = None
    for function in args.functions or list(config["functions"]):
        with tempfile.TemporaryDirectory(dir=BUILD) as tmp:
            src = Path(tmp)
            stage(config, function, src)
            compiled = compile_with(args.python, version, src)
            write_zip(src, BUILD / f"{function}.zip")
        print(f"{function:16} {(BUILD / f'{function}.zip').stat().st_size / 1e6:6.1f} MB")
    if not compiled:
        print(f"note: no .pyc shipped (no python{version} to compile with; pass --python)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
