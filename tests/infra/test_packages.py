"""What each function's zip holds: its handler and what it imports, nothing test-only, no boto3
(the runtime's copy is used), heavy extras only where they are needed."""

from __future__ import annotations

import stat
import zipfile

import pytest

from tests.infra.conftest import BUILD

NEVER = ("tests/", "moto/", "pytest/", "_pytest/", "boto3/", "botocore/", "s3transfer/", "xllamacpp/",
         "playwright/", "lambdachat/static/", "bin/")


@pytest.mark.parametrize("name", ["version", "memory", "conversation", "files", "synthesize"])
def test_a_zip_holds_its_handler_and_nothing_test_only(package_dir, name):
    # package_dir: the session's `osls package`, which builds the zips first when missing.
    with zipfile.ZipFile(BUILD / f"{name}.zip") as zf:
        names = zf.namelist()
        assert f"functions/{name}.py" in names and "lambdachat/web/app.py" in names
        # bytecode of this machine's Python would only weigh: the runtime ignores it
        assert not [n for n in names if n.startswith(NEVER) or "cpython-311" in n]
        assert ("pypdf/__init__.py" in names) == (name == "files")
        assert ("espeakng_loader/__init__.py" in names) == (name == "synthesize")
        assert ("ddgs/__init__.py" in names) == (name == "conversation")   # web search (create has it too)


def test_web_adapter_zips_carry_gunicorn_and_an_executable_start_script(config, package_dir):
    for name, fn in config["functions"].items():
        if not fn["handler"].endswith(".sh"):
            continue
        with zipfile.ZipFile(BUILD / f"{name}.zip") as zf:
            script = zf.getinfo("functions/run_web_adapter.sh")
            assert stat.S_IMODE(script.external_attr >> 16) & 0o111, name
            assert "gunicorn/__init__.py" in zf.namelist(), name
