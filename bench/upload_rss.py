"""Peak memory of `lambdachat serve` while files are uploaded: files are streamed, never held whole.

    .venv/bin/python bench/upload_rss.py [--presigned-mb 200] [--multipart-mb 5]

Starts the local server (one gunicorn worker holding the app and the embedded moto), then:
  presigned: POST .../uploads for a video, the file POSTed straight to the presigned URL (the
             embedded moto, inside the same server process), then POST .../complete;
  multipart: one POST /backend-api/v2/files/<bucket> with a document of --multipart-mb.
While each runs, the resident set size (VmRSS) of the server's processes is sampled every 10 ms;
the number reported is peak minus the RSS just before that upload, after a 1 MB warm-up of each
path (the first S3 call imports boto3 once). Target: grows <= 50 MB. Linux only (reads /proc).

--aws embedded: moto runs inside the server process, as `make run` has it; moto's S3 POST
handler holds the whole upload in memory (twice), so a presigned upload shows up there.
--aws external: moto runs as its own process (as LocalStack or real S3 would be); the server's
own growth is then what lambdachat costs, and moto's is printed beside it.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import requests  # noqa: E402

from tests.local_server import local_server  # noqa: E402

TARGET_GROWTH_MB = 50
MB = 1024 * 1024


def process_tree(root: int) -> list[int]:
    pids = [root]
    for pid in pids:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        pids += [int(c) for c in children]
    return pids


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def measure(root: int, work: Callable[[], Any]) -> tuple[int, int, float]:
    """(baseline, peak) RSS of the server's process tree while `work` runs, and its seconds."""
    pids = process_tree(root)
    baseline = rss_bytes(pids)
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes(pids))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        work()
    finally:
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
    return baseline, max(peak[0], rss_bytes(pids)), elapsed


def big_file(size: int, directory: str, name: str) -> Path:
    path = Path(directory) / name
    block = os.urandom(MB)  # random: nothing in the path can compress it away
    with path.open("wb") as handle:
        for _ in range(size // MB):
            handle.write(block)
    return path


class MultipartBody:
    """A multipart/form-data body read from disk as it is sent, so the client stays small too.

    A file-like object with a length: requests sends it with Content-Length, not chunked.
    """

    def __init__(self, path: Path, fields: dict[str, str], field: str) -> None:
        boundary = "lambdachatbench" + os.urandom(8).hex()
        head = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                        for k, v in fields.items())
        head += (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{path.name}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n").encode()
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self._parts: list[Any] = [io.BytesIO(head), path.open("rb"), io.BytesIO(f"\r\n--{boundary}--\r\n".encode())]
        self.len = len(head) + path.stat().st_size + len(self._parts[2].getvalue())

    def read(self, size: int = -1) -> bytes:
        out = b""
        while self._parts and (size < 0 or len(out) < size):
            chunk = self._parts[0].read(-1 if size < 0 else size - len(out))
            if not chunk:
                self._parts.pop(0).close()
                continue
            out += chunk
        return out


def post_file(url: str, path: Path, fields: dict[str, str], field: str) -> requests.Response:
    body = MultipartBody(path, fields, field)
    return requests.post(url, data=body, timeout=600, headers={"Content-Type": body.content_type})


def report(label: str, size: int, numbers: tuple[int, int, float], moto: tuple[int, int, float] | None) -> bool:
    baseline, peak, seconds = numbers
    growth = (peak - baseline) / MB
    ok = growth <= TARGET_GROWTH_MB
    line = (f"  {label:<10} {size / MB:5.0f} MB in {seconds:5.2f} s   server RSS {baseline / MB:6.1f} -> "
            f"{peak / MB:6.1f} MB, grows {growth:6.1f} MB {'ok' if ok else 'OVER'}")
    if moto is not None:
        line += f"   (moto process grows {(moto[1] - moto[0]) / MB:6.1f} MB)"
    print(line)
    return ok


@contextmanager
def external_moto() -> Iterator[tuple[dict[str, str], int]]:
    """moto in its own process, as an external endpoint (what LocalStack or real AWS would be)."""
    import boto3
    from botocore.config import Config
    from lambdachat.storage.resources import create_all

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    moto = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "bench",
           "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        config = Config(s3={"addressing_style": "path"})
        clients = [boto3.client(name, endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                                aws_access_key_id="bench", aws_secret_access_key="bench", config=config)
                   for name in ("s3", "dynamodb")]
        create_all(*clients)
        yield env, moto.pid
    finally:
        moto.terminate()
        moto.wait(timeout=20)


def presigned_upload(files: str, bucket: str, path: Path) -> None:
    """Ask for a presigned POST, send the file straight to storage, then have the bucket check it."""
    ticket = requests.post(f"{files}/{bucket}/uploads", timeout=30,
                           json={"filename": path.name, "size": path.stat().st_size}).json()
    sent = post_file(ticket["upload"]["url"], path, ticket["upload"]["fields"], "file")
    assert sent.status_code in (200, 204), sent.text[:300]
    done = requests.post(f"{files}/{bucket}/uploads/{path.name}/complete", timeout=60)
    assert done.json()["state"] == "ready", done.text


def run(placement: str, presigned_mb: int, multipart_mb: int, scratch: str) -> bool:
    env = {"LAMBDACHAT_UPLOAD_MAX_MB": str(presigned_mb + 1)}
    with ExitStack() as stack:
        moto_pid = None
        if placement == "external":
            moto_env, moto_pid = stack.enter_context(external_moto())
            env.update(moto_env)
        server = stack.enter_context(local_server(env))
        root = server.process.pid
        files = f"{server.url}/backend-api/v2/files"
        video = big_file(presigned_mb * MB, scratch, "big.mp4")
        doc = big_file(multipart_mb * MB - 4096, scratch, "notes.txt")  # the body, not the file, is capped

        def presigned() -> None:
            presigned_upload(files, f"bench-{placement}-1", video)

        def multipart() -> None:
            sent = post_file(f"{files}/bench-{placement}-2", doc, {}, "files")
            assert sent.status_code == 200, sent.text[:300]

        # Warm-up with 1 MB files: the first use of S3 imports boto3 and builds clients once per process.
        small_video, small_doc = big_file(MB, scratch, "small.mp4"), big_file(MB, scratch, "small.txt")
        presigned_upload(files, f"bench-{placement}-0", small_video)
        post_file(f"{files}/bench-{placement}-0", small_doc, {}, "files").raise_for_status()
        time.sleep(1.0)
        where = "moto inside the server process" if moto_pid is None else "moto in its own process"
        print(f"lambdachat serve, {where}:")
        ok = True
        for label, size, work in (("presigned", video.stat().st_size, presigned),
                                  ("multipart", doc.stat().st_size, multipart)):
            moto_numbers: list[tuple[int, int, float]] = []

            def with_moto(work: Callable[[], Any] = work, into: list[Any] = moto_numbers) -> None:
                if moto_pid is None:
                    work()
                else:
                    into.append(measure(moto_pid, work))

            ok &= report(label, size, measure(root, with_moto), moto_numbers[0] if moto_numbers else None)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presigned-mb", type=int, default=200)
    parser.add_argument("--multipart-mb", type=int, default=5)
    parser.add_argument("--aws", choices=["embedded", "external", "both"], default="both")
    args = parser.parse_args()
    placements = ["embedded", "external"] if args.aws == "both" else [args.aws]
    print(f"target: the server grows <= {TARGET_GROWTH_MB} MB")
    with tempfile.TemporaryDirectory() as scratch:
        results = [run(p, args.presigned_mb, args.multipart_mb, scratch) for p in placements]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
