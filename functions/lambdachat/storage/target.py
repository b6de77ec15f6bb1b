"""Which storage an admin command (`keys`, `data`, `shares sweep`) acts on, and one line when it fails.

By default the local server's data directory: the running server's store when one holds it, else
a store started for the length of the command. `--aws`, `AWS_ENDPOINT_URL` or
`LAMBDACHAT_EMBEDDED_AWS=0` mean the configured table and bucket instead, with the caller's own
AWS credentials. Either way the command's code is the same boto3 code the server runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from lambdachat.config import get_settings
from lambdachat.storage.local_aws import point_boto3_at, wants_embedded_aws
from lambdachat.storage.local_store import StoreUnavailable, find_or_start_store


def add_aws_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--aws", action="store_true",
                        help="the deployed stack's table and bucket (LAMBDACHAT_TABLE, LAMBDACHAT_FILES_BUCKET, "
                             "your AWS credentials), not the local data directory")


@contextmanager
def storage_for(args: argparse.Namespace) -> Iterator[str]:
    """Points boto3 at the storage the command acts on; yields how to name it in a message."""
    if getattr(args, "aws", False) or not wants_embedded_aws():
        settings = get_settings()
        yield f"the table {settings.table} and bucket {settings.files_bucket}"
        return
    data_dir = Path(get_settings().data_directory)
    local = find_or_start_store(data_dir)
    point_boto3_at(local.endpoint)
    try:
        yield f"the local data in {data_dir}"
    finally:
        local.stop()


def run_on_storage(args: argparse.Namespace, command: str, action: Callable[[str], int], err: TextIO) -> int:
    """`action(where)` against the command's storage; a storage fault is one line and exit status 3."""
    try:
        with storage_for(args) as where:
            try:
                return action(where)
            except Exception as exc:  # only storage faults are answered here, the rest re-raised
                fault = storage_fault(exc)
                if fault is None:
                    raise
                print(f"lambdachat {command}: cannot reach {where}: {fault}", file=err)
                return 3
    except StoreUnavailable as exc:
        print(f"lambdachat {command}: {exc}", file=err)
        return 3


def storage_fault(exc: BaseException) -> str | None:
    """One line for a botocore failure (unreachable, refused, no credentials); None for anything else."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, (BotoCoreError, ClientError)):
        return " ".join(str(exc).split())
    return None
