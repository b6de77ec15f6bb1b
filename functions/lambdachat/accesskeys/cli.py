"""`lambdachat keys create|list|revoke`: manage access keys in the table the server uses.

By default that is the local server's, in `LAMBDACHAT_DATA_DIR`: the running server's store when
one holds the directory, else a store started for the length of the command. `--aws` (or
`AWS_ENDPOINT_URL`, or `LAMBDACHAT_EMBEDDED_AWS=0`) means the deployed table instead
(`LAMBDACHAT_TABLE`), with the caller's own AWS credentials.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from lambdachat.accesskeys.keys import create_key, revoke_key
from lambdachat.accesskeys.store import DynamoKeyStore, KeyStore
from lambdachat.config import get_settings
from lambdachat.errors import ApiError
from lambdachat.storage.local_aws import point_boto3_at, wants_embedded_aws
from lambdachat.storage.local_store import find_or_start_store


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="make, list and revoke access keys (LAMBDACHAT_AUTH=keys)")
    keys.add_argument("--aws", action="store_true",
                      help="the deployed stack's table (LAMBDACHAT_TABLE, your AWS credentials), not the "
                           "local data directory")
    actions = keys.add_subparsers(dest="keys_command", required=True)
    create = actions.add_parser("create", help="make a key and print it once (only its hash is stored)")
    create.add_argument("name", help="who the key is for; becomes the principal id")
    actions.add_parser("list", help="list key names and when they were made")
    revoke = actions.add_parser("revoke", help="revoke the key with this name")
    revoke.add_argument("name")


def run(args: argparse.Namespace, store: KeyStore | None = None, out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    """The key goes to stdout alone (so it can be piped); everything else to stderr."""
    out, err = out or sys.stdout, err or sys.stderr
    if store is not None:
        return _run(args, store, out, err)
    local = None
    if not getattr(args, "aws", False) and wants_embedded_aws():
        local = find_or_start_store(Path(get_settings().data_directory))
        point_boto3_at(local.endpoint)
    try:
        return _run(args, DynamoKeyStore(), out, err)
    except Exception as exc:  # only storage faults are answered here, the rest re-raised
        if not _is_storage_fault(exc):
            raise
        where = f"the local store in {get_settings().data_directory}" if local else f"the table {get_settings().table}"
        print(f"lambdachat keys: cannot reach {where}: {_one_line(exc)}", file=err)
        return 3
    finally:
        if local is not None:
            local.stop()


def _is_storage_fault(exc: BaseException) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exc, (BotoCoreError, ClientError))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _run(args: argparse.Namespace, store: KeyStore, out: TextIO, err: TextIO) -> int:
    try:
        if args.keys_command == "create":
            key = create_key(store, args.name)
            print(key, file=out)
            print(f"Key for {args.name!r} made. It is shown only now: store it safely.", file=err)
        elif args.keys_command == "list":
            for record in store.list():
                made = datetime.fromtimestamp(record.created_at, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
                print(f"{record.name}\t{made}", file=out)
        elif args.keys_command == "revoke":
            if not revoke_key(store, args.name):
                print(f"No key named {args.name!r}", file=err)
                return 1
            print(f"Revoked {args.name!r}; servers refuse it within {get_settings().key_cache_seconds} s", file=err)
    except ApiError as exc:
        print(f"lambdachat keys: {exc.message}", file=err)
        return 2
    return 0
