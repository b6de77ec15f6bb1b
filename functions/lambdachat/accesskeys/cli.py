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
from typing import TextIO

from lambdachat.accesskeys.keys import create_key, revoke_key
from lambdachat.accesskeys.store import DynamoKeyStore, KeyStore
from lambdachat.config import get_settings
from lambdachat.errors import ApiError
from lambdachat.storage.target import add_aws_flag, run_on_storage


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="make, list and revoke access keys (LAMBDACHAT_AUTH=keys)")
    add_aws_flag(keys)
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
    return run_on_storage(args, "keys", lambda _where: _run(args, DynamoKeyStore(), out, err), err)


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
