"""The shared batch helpers: everything gets written or read, throttling is retried with backoff,
and a table that never catches up fails the request instead of hanging it."""

from __future__ import annotations

from typing import Any

import pytest
from lambdachat.storage.dynamo import BATCH_TRIES, Unprocessed, batch_get, batch_write, typed

TABLE = "main"


class ThrottlingTable:
    """A low-level client that leaves the last `leave` requests of each of the first `throttled` calls undone."""

    def __init__(self, throttled: int, leave: int = 1) -> None:
        self.throttled, self.leave = throttled, leave
        self.written: list[dict[str, Any]] = []
        self.calls: list[int] = []
        self.items: dict[str, dict[str, Any]] = {}

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        requests = RequestItems[TABLE]
        assert len(requests) <= 25, "BatchWriteItem takes at most 25 requests"
        self.calls.append(len(requests))
        undone = requests[-self.leave:] if len(self.calls) <= self.throttled else []
        self.written += requests[:len(requests) - len(undone)]
        return {"UnprocessedItems": {TABLE: undone} if undone else {}}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        wanted = RequestItems[TABLE]["Keys"]
        assert len(wanted) <= 100, "BatchGetItem takes at most 100 keys"
        self.calls.append(len(wanted))
        undone = wanted[-self.leave:] if len(self.calls) <= self.throttled else []
        done = wanted[:len(wanted) - len(undone)]
        found = [self.items[k["pk"]["S"]] for k in done if k["pk"]["S"] in self.items]
        unprocessed = {TABLE: {"Keys": undone, "ConsistentRead": True}} if undone else {}
        return {"Responses": {TABLE: found}, "UnprocessedKeys": unprocessed}


def puts(n: int) -> list[dict[str, Any]]:
    return [{"PutRequest": {"Item": typed({"pk": f"p{i}", "sk": "s"})}} for i in range(n)]


def test_writes_every_request_in_batches_of_25() -> None:
    table = ThrottlingTable(throttled=0)
    batch_write(table, TABLE, puts(60), sleep=lambda _: None)
    assert table.calls == [25, 25, 10]
    assert table.written == puts(60)


def test_throttled_writes_are_retried_after_a_growing_pause() -> None:
    table, pauses = ThrottlingTable(throttled=3), list[float]()
    batch_write(table, TABLE, puts(5), sleep=pauses.append)
    assert sorted(table.written, key=str) == sorted(puts(5), key=str)   # nothing lost
    assert table.calls == [5, 1, 1, 1]                                  # only the rest is resent
    assert pauses == sorted(pauses) and len(pauses) == 3 and pauses[0] > 0


def test_a_table_that_never_catches_up_raises_instead_of_hanging() -> None:
    table, pauses = ThrottlingTable(throttled=10_000), list[float]()
    with pytest.raises(Unprocessed, match="1 file record deletes"):
        batch_write(table, TABLE, puts(3), what="file record deletes", sleep=pauses.append)
    assert len(table.calls) == BATCH_TRIES
    assert sum(pauses) < 10, "the bound keeps a request well inside a Lambda timeout"


def test_batch_get_returns_every_item_despite_throttling() -> None:
    table = ThrottlingTable(throttled=2, leave=3)
    table.items = {f"p{i}": {"pk": {"S": f"p{i}"}, "n": {"N": str(i)}} for i in range(150)}
    keys = [typed({"pk": f"p{i}", "sk": "s"}) for i in range(160)]   # 10 of them do not exist
    found = batch_get(table, TABLE, keys, sleep=lambda _: None)
    assert sorted(int(item["n"]["N"]) for item in found) == list(range(150))


def test_batch_get_gives_up_after_the_bound() -> None:
    table = ThrottlingTable(throttled=10_000)
    with pytest.raises(Unprocessed):
        batch_get(table, TABLE, [typed({"pk": "a", "sk": "s"})], sleep=lambda _: None)
    assert len(table.calls) == BATCH_TRIES
