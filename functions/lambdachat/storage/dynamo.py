"""DynamoDB helpers every table adapter shares: typed keys and the bounded, backed-off batch calls.

BatchWriteItem and BatchGetItem succeed while leaving part of the batch undone when the table is
throttled (`UnprocessedItems` / `UnprocessedKeys`). Retrying at once would hammer a table that
just said "slow down", and retrying forever would hang a request (and a Lambda until its
timeout): these retry the rest a bounded number of times with exponential backoff, then raise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

BATCH_WRITE = 25        # BatchWriteItem's maximum requests
BATCH_GET = 100         # BatchGetItem's maximum keys
BATCH_TRIES = 8
Sleep = Callable[[float], None]


class Unprocessed(RuntimeError):
    """DynamoDB still left part of a batch undone after every try."""


def typed(key: dict[str, str]) -> dict[str, dict[str, str]]:
    """`{"pk": "a", "sk": "b"}` as DynamoDB's low-level API wants it (string attributes)."""
    return {name: {"S": value} for name, value in key.items()}


def backoff(attempt: int) -> float:
    return min(1.0, 0.05 * 2.0 ** attempt)


def batch_write(client: Any, table: str, requests: list[dict[str, Any]], *, what: str = "writes",
                tries: int = BATCH_TRIES, sleep: Sleep = time.sleep) -> None:
    """Every PutRequest/DeleteRequest, in batches of 25; Unprocessed after `tries` tries of a batch."""
    for start in range(0, len(requests), BATCH_WRITE):
        pending = requests[start:start + BATCH_WRITE]
        for attempt in range(tries):
            result = client.batch_write_item(RequestItems={table: pending})
            pending = result.get("UnprocessedItems", {}).get(table, [])
            if not pending:
                break
            sleep(backoff(attempt))   # throttled: back off, then retry the rest
        else:
            raise Unprocessed(f"DynamoDB left {len(pending)} {what} unprocessed")


def batch_get(client: Any, table: str, keys: list[dict[str, Any]], *, consistent: bool = True,
              what: str = "reads", tries: int = BATCH_TRIES, sleep: Sleep = time.sleep) -> list[dict[str, Any]]:
    """The items of `keys` that exist, in batches of 100; Unprocessed after `tries` tries of a batch."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), BATCH_GET):
        pending: dict[str, Any] = {table: {"ConsistentRead": consistent, "Keys": keys[start:start + BATCH_GET]}}
        for attempt in range(tries):
            result = client.batch_get_item(RequestItems=pending)
            found += result.get("Responses", {}).get(table, [])
            pending = result.get("UnprocessedKeys") or {}
            if not pending:
                break
            sleep(backoff(attempt))
        else:
            raise Unprocessed(f"DynamoDB left {what} unprocessed")
    return found
