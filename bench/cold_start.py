"""Cold start of each Lambda handler: import + first invocation, versus the bare imports it needs.

    .venv/bin/python bench/cold_start.py [--runs 11] [--zips build/lambda] [--explain]

For every `functions/<endpoint>.py` of the API (version, models, provider_models, providers,
conversation), each run is a fresh interpreter that times, from its first statement:
  handler: `import functions.<endpoint>` + one `handler(event, context)` call with a real API
           Gateway HTTP API v2 event (tests/events.py);
  bare:    only the third-party imports that handler cannot do without (listed per handler).
The ratio handler/bare is the cost of our own code on top of the libraries; target <= 1.2x.
Both sides also import the harness (json + tests.events), so it cancels out.

No network and no model: the provider-backed handlers are asked about an unknown provider
(404) or list providers from configuration only, which still imports every provider module.

Setups: `venv` imports from the project's venv with its .pyc files. When the deployment zip
exists (one per function, `make package`), it is also measured as Lambda runs it: each handler
from its own unpacked zip, `python -S` (nothing
but the zip and the standard library), bytecode never written (Lambda's /var/task is
read-only), first as packaged and then with bytecode compiled into it (`compileall
--invalidation-mode unchecked-hash`: the zip's 1980 timestamps would fail the default check).
The zip holds aarch64/cp312 wheels; here their C speedups do not load and pure Python runs.
`--explain` lists, per handler, the costliest imports the bare set does not make.

Last, the conversation as it is deployed: functions/run_web_adapter.sh (gunicorn under the
Lambda Web Adapter) from spawn to its first answered request, what the adapter waits for.
"""

from __future__ import annotations

import argparse
import compileall
import http.client
import json
import os
import py_compile
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.events import http_api_event  # noqa: E402

TARGET_RATIO = 1.2
HARNESS = "import json as _json\nfrom tests.events import LambdaContext as _Context\n"
FLASK_STACK = ("import flask", "import serverless_wsgi", "from aws_lambda_powertools import Logger")
# Provider modules talk HTTP through httpx (+ httpx_sse), imported when the registry loads them.
PROVIDER_STACK = (*FLASK_STACK, "import httpx", "import httpx_sse")


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    path: str
    route: str | None
    body: dict[str, object] | None
    bare: tuple[str, ...]
    status: int


HELLO = [{"role": "user", "content": "hi"}]
CASES = (
    Case("version", "GET", "/backend-api/v2/version", None, None, FLASK_STACK, 200),
    Case("models", "GET", "/backend-api/v2/models", None, None, PROVIDER_STACK, 200),
    Case("provider_models", "GET", "/backend-api/v2/models/Nope", "/backend-api/v2/models/{provider_name}",
         None, PROVIDER_STACK, 404),
    Case("providers", "GET", "/backend-api/v2/providers", None, None, PROVIDER_STACK, 200),
    Case("conversation", "POST", "/backend-api/v2/conversation", None,
         {"provider": "Nope", "messages": HELLO}, PROVIDER_STACK, 404),
)


@dataclass(frozen=True)
class Setup:
    """Where a child process imports from."""

    label: str
    root: Path = REPO_ROOT      # the child's working directory, first on its sys.path
    isolated: bool = False      # `python -S` with no bytecode writes: an unpacked Lambda zip
    per_function: bool = False  # root holds one unpacked zip per function: root/<endpoint>/

    def root_for(self, case: Case) -> Path:
        return self.root / case.endpoint if self.per_function else self.root

    def command(self, code: str, extra: tuple[str, ...] = ()) -> list[str]:
        return [sys.executable, *(("-S",) if self.isolated else ()), *extra, "-c", code]

    def env(self, case: Case) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.endswith(("_API_KEY", "_BASE_URL")) and not k.startswith(("LAMBDACHAT_", "PYTHON"))}
        event = http_api_event(case.method, case.path, route=case.route, json_body=case.body)
        # Rate limits are a DynamoDB call (boto3) on conversation's first request in the cloud; they
        # are measured apart (limiter_client_ms) so the table shows what the handler itself costs.
        env.update(COLD_EVENT=json.dumps(event), POWERTOOLS_SERVICE_NAME="lambdachat", LAMBDACHAT_RATE_LIMITS="off",
                   LAMBDACHAT_STAGE="bench", AWS_LAMBDA_FUNCTION_NAME=f"lambdachat-bench-{case.endpoint}")
        if self.isolated:  # the repo only after the zip, for the harness (tests.events)
            env.update(PYTHONPATH=str(REPO_ROOT), PYTHONDONTWRITEBYTECODE="1")
        return env


def handler_code(case: Case) -> str:
    return (f"import functions.{case.endpoint} as _module\n{HARNESS}_event = _json.loads("
            "__import__('os').environ['COLD_EVENT'])\n_t1 = _time.perf_counter()\n"
            "_reply = _module.handler(_event, _Context())\n")


def bare_code(case: Case) -> str:
    return ("".join(f"{statement}\n" for statement in case.bare) + HARNESS +
            "_t1 = _time.perf_counter()\n_reply = {'statusCode': 0}\n")


def timed(body: str) -> str:
    """`body` sets `_t1` where the first call starts; the child prints total and call times."""
    return ("import time as _time\n_t0 = _time.perf_counter()\n" + body +
            "_t2 = _time.perf_counter()\nimport sys as _sys\n"
            "print('COLD ' + _json.dumps({'ms': (_t2 - _t0) * 1000, 'call_ms': (_t2 - _t1) * 1000, "
            "'status': _reply['statusCode'], 'boto3': 'boto3' in _sys.modules, "
            "'from': _sys.modules['flask'].__file__}))\n")


def run_once(setup: Setup, code: str, case: Case,
             extra: tuple[str, ...] = ()) -> tuple[dict[str, object], str]:
    proc = subprocess.run(setup.command(code, extra), cwd=setup.root_for(case), env=setup.env(case),
                          capture_output=True, text=True, timeout=120, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("COLD ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-2000:]}")
    sample: dict[str, object] = json.loads(line[5:])
    if not str(sample["from"]).startswith(str(setup.root_for(case) if setup.isolated else sys.prefix)):
        raise RuntimeError(f"{setup.label}: flask came from {sample['from']}, not from the setup")
    return sample, proc.stderr


@dataclass
class Result:
    case: Case
    handler_ms: list[float]
    call_ms: list[float]        # of handler_ms: the first handler(event, context) call alone
    bare_ms: list[float]
    boto3: bool

    @property
    def ratio(self) -> float:
        return statistics.median(self.handler_ms) / statistics.median(self.bare_ms)

    @property
    def min_ratio(self) -> float:
        """Less sensitive to a busy machine than the medians' ratio."""
        return min(self.handler_ms) / min(self.bare_ms)


def measure(setup: Setup, case: Case, runs: int) -> Result:
    handler, bare = timed(handler_code(case)), timed(bare_code(case))
    first, _ = run_once(setup, handler, case)  # also writes the repo's .pyc in the venv; not counted
    if first["status"] != case.status:
        raise RuntimeError(f"{case.endpoint}: expected status {case.status}, got {first['status']}")
    run_once(setup, bare, case)
    handler_ms, call_ms, bare_ms, boto3 = [], [], [], False
    for _ in range(runs):  # interleaved, so a slow moment of the machine hits both sides alike
        sample, _ = run_once(setup, handler, case)
        handler_ms.append(float(sample["ms"]))  # type: ignore[arg-type]
        call_ms.append(float(sample["call_ms"]))  # type: ignore[arg-type]
        boto3 = boto3 or bool(sample["boto3"])
        bare_ms.append(float(run_once(setup, bare, case)[0]["ms"]))  # type: ignore[arg-type]
    return Result(case, handler_ms, call_ms, bare_ms, boto3)


def _short(statements: tuple[str, ...]) -> str:
    return ", ".join(s.removeprefix("import ").replace("from aws_lambda_powertools import Logger",
                                                        "powertools Logger") for s in statements)


def print_table(title: str, results: list[Result]) -> None:
    print(f"\n{title}")
    print(f"{'handler':<16} {'median ms':>9} {'min ms':>7} {'1st call':>8} {'bare ms':>8} {'bare min':>8} "
          f"{'ratio':>6} {'(min)':>6} {'boto3?':>6}  bare imports")
    for r in results:
        flag = "" if r.ratio <= TARGET_RATIO else "  > target"
        print(f"{r.case.endpoint:<16} {statistics.median(r.handler_ms):>9.1f} {min(r.handler_ms):>7.1f} "
              f"{statistics.median(r.call_ms):>8.1f} "
              f"{statistics.median(r.bare_ms):>8.1f} {min(r.bare_ms):>8.1f} "
              f"{r.ratio:>5.2f}x {r.min_ratio:>5.2f}x "
              f"{'yes' if r.boto3 else 'no':>6}  {_short(r.case.bare)}{flag}")


def imported(stderr: str) -> dict[str, int]:
    """`-X importtime` lines -> module: self microseconds (its own code, children excluded)."""
    out: dict[str, int] = {}
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            own, _, module = (part.strip() for part in line.removeprefix("import time:").split("|"))
            out[module] = int(own)
    return out


def _group(module: str) -> str:
    """Our modules one by one; a third-party package as a whole."""
    return module if module.startswith(("lambdachat", "functions")) else module.split(".", maxsplit=1)[0]


def _importtimes(setup: Setup, code: str, case: Case, repeats: int = 3) -> dict[str, int]:
    """Each module's smallest self time over a few runs: one run on a busy machine is noisy."""
    best: dict[str, int] = {}
    for _ in range(repeats):
        for module, own in imported(run_once(setup, code, case, ("-X", "importtime"))[1]).items():
            best[module] = min(own, best.get(module, own))
    return best


def explain(setup: Setup, case: Case, top: int = 8) -> None:
    mine = _importtimes(setup, timed(handler_code(case)), case)
    bare = _importtimes(setup, timed(bare_code(case)), case)
    extra: dict[str, int] = {}
    for module, own in mine.items():
        if module not in bare:
            extra[_group(module)] = extra.get(_group(module), 0) + own
    print(f"  {case.endpoint}: imports the bare set does not make, {sum(extra.values()) / 1000:.1f} ms "
          f"in all (self time, under -X importtime); the largest:")
    for module, own in sorted(extra.items(), key=lambda item: -item[1])[:top]:
        print(f"    {own / 1000:7.1f} ms  {module}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def web_adapter_ready_ms() -> float:
    """Spawn of functions/run_web_adapter.sh (LAMBDACHAT_FUNCTION=conversation) until it answers a
    first request: what the Lambda Web Adapter waits for (its readiness check) before the first invocation. Includes the
    interpreter, gunicorn's master and worker, and the conversation app's imports."""
    port = _free_port()
    env = {**Setup("").env(CASES[-1]), "PORT": str(port), "LAMBDACHAT_FUNCTION": "conversation",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    started = time.perf_counter()
    proc = subprocess.Popen(["sh", str(REPO_ROOT / "functions" / "run_web_adapter.sh")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 60:
            if proc.poll() is not None:
                raise RuntimeError("run_web_adapter.sh exited before serving")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return (time.perf_counter() - started) * 1000
            except OSError:
                time.sleep(0.005)
        raise RuntimeError("run_web_adapter.sh did not answer within 60 s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def zip_setups(zip_dir: Path) -> Iterator[list[Setup]]:
    """Each function's zip (infra/package_functions.py) unpacked twice: as built, and compiled."""
    with tempfile.TemporaryDirectory(prefix="cold-zip-") as tmp:
        packaged, compiled = Path(tmp, "packaged"), Path(tmp, "compiled")
        for case in CASES:
            for target in (packaged, compiled):
                with zipfile.ZipFile(zip_dir / f"{case.endpoint}.zip") as archive:
                    archive.extractall(target / case.endpoint)
        compileall.compile_dir(compiled, quiet=2, workers=0,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        yield [Setup(f"per-function zip as packaged ({zip_dir.relative_to(REPO_ROOT)}/<function>.zip; "
                     "no bytecode unless packaged with python3.12: compiled at every cold start)",
                     packaged, isolated=True, per_function=True),
               Setup("per-function zip + bytecode (compileall, unchecked-hash): what shipping .pyc gives",
                     compiled, isolated=True, per_function=True)]


def limiter_client_ms() -> float:
    code = ("import time\nt = time.perf_counter()\nimport boto3\n"
            "boto3.client('dynamodb', region_name='us-east-1')\nprint((time.perf_counter() - t) * 1000)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return float(proc.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=11, help="fresh processes per side (default 11)")
    parser.add_argument("--zips", type=Path, default=REPO_ROOT / "build" / "lambda",
                        help="directory of the per-function zips to measure too, if built (`make package`)")
    parser.add_argument("--explain", action="store_true", help="list the costliest extra imports")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} runs per side; times are "
          f"in-process from the first statement (interpreter start-up excluded)")
    built = all((args.zips / f"{case.endpoint}.zip").is_file() for case in CASES)
    with zip_setups(args.zips) if built else _no_zip(args.zips) as extra_setups:
        setups = [Setup("venv (.pyc present)"), *extra_setups]
        any_boto3 = False
        for setup in setups:
            results = [measure(setup, case, args.runs) for case in CASES]
            print_table(setup.label, results)
            any_boto3 = any_boto3 or any(r.boto3 for r in results)
            for r in results:
                if args.explain or r.ratio > TARGET_RATIO:
                    explain(setup, r.case)
    ready = [web_adapter_ready_ms() for _ in range(max(3, args.runs // 2))]
    print(f"\nconversation as deployed (functions/run_web_adapter.sh, gunicorn gthread, venv): spawn to "
          f"first answered request, median {statistics.median(ready):.0f} ms, min {min(ready):.0f} ms "
          f"({len(ready)} runs; interpreter start-up included)")
    limiter = [limiter_client_ms() for _ in range(max(3, args.runs // 2))]
    print(f"rate limits on (cloud default): the first limited request (conversation, create, uploads, share "
          f"reads, synthesize, memory writes) also imports boto3 and makes its DynamoDB client: median "
          f"{statistics.median(limiter):.0f} ms, min {min(limiter):.0f} ms")
    if any_boto3:
        print("\nFAIL: a handler imported boto3")
    return 1 if any_boto3 else 0


@contextmanager
def _no_zip(path: Path) -> Iterator[list[Setup]]:
    print(f"(no zips in {path}: run `make package` to measure the deployment packages too)")
    yield []


if __name__ == "__main__":
    raise SystemExit(main())
