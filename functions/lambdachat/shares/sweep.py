"""`lambdachat shares sweep`: delete spilled share bodies that no share points at.

A writer puts a new body in S3 before its conditional DynamoDB write. Killed in between
(kill -9, a Lambda timeout) or failing to delete the body it replaced, it leaves an object
nothing references. Expiring shares' bodies carry a tag a lifecycle rule removes after the
longest expiry; bodies of `never` shares do not (a referenced one must live forever), so
those orphans are only found by comparing each object with its share's item: this sweep.
Run it from a schedule or by hand: on the local data by default (the local store has no lifecycle
rules at all), on a deployed stack with `--aws` and the operator's credentials.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from lambdachat.shares.store import DynamoShareStore
from lambdachat.storage import keys
from lambdachat.storage.target import add_aws_flag, run_on_storage

# A body younger than this may belong to a write still in flight (put, then the item write).
GRACE_SECONDS = 3600


def orphaned_bodies(store: DynamoShareStore, *, now: float, grace_seconds: int = GRACE_SECONDS) -> list[str]:
    """Keys under `shares/` older than the grace period that their share's item does not name."""
    referenced: dict[str, str | None] = {}
    orphans: list[str] = []
    for listed in store.objects.listing(keys.SHARES):
        if listed.modified > now - grace_seconds:
            continue
        share_id = keys.share_of_body(listed.key)
        if share_id not in referenced:
            item = store.get(share_id, consistent=True)
            referenced[share_id] = None if item is None else item.body_key
        if referenced[share_id] != listed.key:
            orphans.append(listed.key)
    return orphans


def sweep(store: DynamoShareStore, *, now: float, grace_seconds: int = GRACE_SECONDS) -> int:
    orphans = orphaned_bodies(store, now=now, grace_seconds=grace_seconds)
    store.objects.delete(orphans)
    return len(orphans)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    shares = commands.add_parser("shares", help="maintenance of shared chats")
    add_aws_flag(shares)
    actions = shares.add_subparsers(dest="shares_command", required=True)
    run_sweep = actions.add_parser("sweep", help="delete spilled share bodies no share points at")
    run_sweep.add_argument("--grace-seconds", type=int, default=GRACE_SECONDS,
                           help=f"keep bodies younger than this (default {GRACE_SECONDS})")


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    def sweep_there(where: str) -> int:
        removed = sweep(DynamoShareStore(), now=time.time(), grace_seconds=args.grace_seconds)
        print(f"removed {removed} orphaned share bodies from {where}", file=out or sys.stdout)
        return 0

    return run_on_storage(args, "shares", sweep_there, sys.stderr)
