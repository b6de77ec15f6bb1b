"""Token buckets that hold across Lambda instances: one DynamoDB item per bucket.

The bucket is kept as GCRA's "theoretical arrival time" (`tat`, epoch ms): the moment the bucket
would be full again. A request is allowed when, after it, `tat` would be at most `burst`
intervals ahead of now. That is one number per bucket, so taking a token is one conditional
UpdateItem and needs no read:

- bucket full (no item, or `tat` in the past): `SET tat = now + interval`, if `tat <= now`;
- bucket partly used: `SET tat = tat + interval`, if `now < tat <= now + (burst-1) * interval`.

Which case applies is guessed from the last `tat` this process saw for the key; a wrong guess
fails its condition and returns the item's current `tat` (ReturnValuesOnConditionCheckFailure),
which decides the next try or the refusal, so a request costs one call, two after a wrong guess.
`expires_at` lets DynamoDB's TTL remove a bucket once it is full again (and then some).
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from lambdachat.limits.rules import Rate
from lambdachat.storage import keys
from lambdachat.storage.faults import is_condition_failure

_TTL_MARGIN_S = 60
_MAX_TRIES = 4
_MAX_HINTS = 10_000


class BucketStore(Protocol):
    def take(self, key: str, rate: Rate, now_ms: int) -> float:
        """Take one token: 0.0 when allowed, else the seconds until one is free."""


def decide(tat: int | None, rate: Rate, now_ms: int) -> tuple[int | None, float]:
    """Pure GCRA: (new tat, 0.0) when allowed, (None, seconds to wait) when not."""
    start = now_ms if tat is None or tat <= now_ms else tat
    limit = now_ms + (rate.burst - 1) * rate.interval_ms
    if start > limit:
        return None, (start - limit) / 1000
    return start + rate.interval_ms, 0.0


class InMemoryBuckets:
    """One process's buckets: unit tests, and the reference the DynamoDB store must agree with."""

    def __init__(self) -> None:
        self._tats: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, key: str, rate: Rate, now_ms: int) -> float:
        with self._lock:
            new_tat, wait = decide(self._tats.get(key), rate, now_ms)
            if new_tat is not None:
                self._tats[key] = new_tat
            return wait


class DynamoBuckets:
    def __init__(self, table: str | None = None, client: Any = None) -> None:
        from lambdachat.storage.resources import MAIN_TABLE

        self._table = table or MAIN_TABLE.name
        self._client = client
        self._hints: dict[str, int | None] = {}

    def _ddb(self) -> Any:
        if self._client is None:
            from lambdachat.storage import aws

            self._client = aws.client("dynamodb")
        return self._client

    def take(self, key: str, rate: Rate, now_ms: int) -> float:
        interval = rate.interval_ms
        limit = now_ms + (rate.burst - 1) * interval
        expires = (limit + interval) // 1000 + 1 + _TTL_MARGIN_S  # no earlier than the bucket refills
        tat = self._hints.get(key)
        for _ in range(_MAX_TRIES):
            new_tat, wait = decide(tat, rate, now_ms)
            if new_tat is None:
                return wait
            fresh = tat is None or tat <= now_ms
            try:
                self._update(key, fresh=fresh, interval=interval, now_ms=now_ms, limit=limit, expires=expires)
            except Exception as exc:
                if not is_condition_failure(exc):
                    raise
                tat = _old_tat(exc)
                continue
            self._remember(key, new_tat)
            return 0.0
        # Every try lost a race with another request. A refusal returns above, so `tat` kept
        # crossing `now`: the bucket is close to full, and the request is within its limit.
        return 0.0

    def _update(self, key: str, *, fresh: bool, interval: int, now_ms: int, limit: int, expires: int) -> None:
        values = {":now": {"N": str(now_ms)}, ":exp": {"N": str(expires)}}
        if fresh:
            update = "SET tat = :start, expires_at = :exp"
            condition = "attribute_not_exists(tat) OR tat <= :now"
            values[":start"] = {"N": str(now_ms + interval)}
        else:
            update = "SET tat = tat + :i, expires_at = :exp"
            condition = "tat > :now AND tat <= :limit"
            values.update({":i": {"N": str(interval)}, ":limit": {"N": str(limit)}})
        self._ddb().update_item(TableName=self._table, Key={"pk": {"S": key}, "sk": {"S": keys.RATE_SK}},
                                UpdateExpression=update, ConditionExpression=condition,
                                ExpressionAttributeValues=values,
                                ReturnValuesOnConditionCheckFailure="ALL_OLD")

    def _remember(self, key: str, tat: int) -> None:
        if len(self._hints) >= _MAX_HINTS:
            self._hints.clear()
        self._hints[key] = tat


def _old_tat(exc: Exception) -> int | None:
    item = getattr(exc, "response", {}).get("Item") or {}
    raw = item.get("tat", {}).get("N")
    return int(raw) if raw is not None else None
