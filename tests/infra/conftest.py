"""One `osls package` per session (offline, no AWS credentials) for the stack checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
OSLS = REPO_ROOT / "infra" / "node_modules" / ".bin" / "osls"
BUILD = REPO_ROOT / "build" / "lambda"


@pytest.fixture(scope="session")
def config() -> dict[str, Any]:
    sys.path.insert(0, str(REPO_ROOT / "infra"))
    from package_functions import load_config

    return load_config()


@pytest.fixture(scope="session")
def package_dir(config, tmp_path_factory) -> Path:
    assert OSLS.exists(), "run `npm ci --prefix infra` (make test does)"
    # The zips only have to exist for `osls package`; `make package` rebuilds them for real.
    if any(not (BUILD / f"{name}.zip").exists() for name in config["functions"]):
        subprocess.run([sys.executable, str(REPO_ROOT / "infra" / "package_functions.py")], check=True,
                       cwd=REPO_ROOT)
    out = tmp_path_factory.mktemp("osls")
    # No credentials and nowhere to send telemetry: packaging must not need either.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off", "AWS_REGION": "us-east-1"}
    subprocess.run([str(OSLS), "package", "--stage", "ci", "--package", str(out)], cwd=REPO_ROOT, env=env,
                   check=True, capture_output=True, timeout=180)
    return out


@pytest.fixture(scope="session")
def template(package_dir) -> dict[str, Any]:
    return json.loads((package_dir / "cloudformation-template-update-stack.json").read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def create_template(package_dir) -> dict[str, Any]:
    return json.loads((package_dir / "cloudformation-template-create-stack.json").read_text())  # type: ignore[no-any-return]


def cfn_lint() -> str | None:
    return shutil.which("cfn-lint", path=str(Path(sys.executable).parent))
