"""Memories in the main DynamoDB table.

Layout (shapes: `lambdachat.storage.keys`), all under `pk = mem#<principal>#<user id>` (user
ids cannot contain '#', so two owners never share a key): one item per memory
(`sk = m#<memory id>`) and one `sk = meta` item with `count` (for the per-user limit) and
`version` (a fresh random token after every change).

Write order matters for readers that cache: the count is reserved first (a conditional ADD, so
concurrent writers cannot overshoot the limit together), then the memories are written, and
only then is the version replaced. A reader that sees a new version therefore always finds
every memory it stands for. The version is a random token rather than a counter so deleting
everything can never bring back an old number that some cache still holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from lambdachat.memory.model import Doc, Memory, Owner
from lambdachat.memory.store import Change, MemoryFull
from lambdachat.storage import aws, keys
from lambdachat.storage.dynamo import batch_get, batch_write
from lambdachat.storage.faults import is_condition_failure
from lambdachat.storage.resources import MAIN_TABLE

META = keys.MEMORY_META
ITEM_PREFIX = keys.MEMORY_ITEM


def _pk(owner: Owner) -> str:
    return keys.memories(owner.principal, owner.user_id)


def _memory(item: dict[str, Any]) -> Memory:
    return Memory(id=item["sk"]["S"][len(ITEM_PREFIX):], text=item["memory"]["S"], role=item["role"]["S"],
                  conversation_id=item["conversation_id"]["S"], created_at=item["created_at"]["S"])


class DynamoMemoryStore:
    def __init__(self, table: str | None = None) -> None:
        self._table = table or MAIN_TABLE.name

    @property
    def _db(self) -> Any:
        return aws.client("dynamodb")

    def version(self, owner: Owner) -> str | None:
        item = self._db.get_item(TableName=self._table, ConsistentRead=True,
                                 Key={"pk": {"S": _pk(owner)}, "sk": {"S": META}},
                                 ProjectionExpression="#v", ExpressionAttributeNames={"#v": "version"}
                                 ).get("Item")
        return item["version"]["S"] if item and "version" in item else None

    def add(self, owner: Owner, memories: list[Memory], *, max_count: int) -> Change:
        self._change_count(owner, len(memories), max_count=max_count)
        try:
            self._batch([{"PutRequest": {"Item": self._item(owner, m)}} for m in memories])
        except Exception:
            self._change_count(owner, -len(memories))
            self._new_version(owner)   # even after a partial failure: caches must see what landed
            raise
        return self._new_version(owner)

    def load_all(self, owner: Owner) -> list[Memory]:
        return [_memory(item) for item in self._query(owner)]

    def load_docs(self, owner: Owner) -> list[Doc]:
        # Two of the item's seven attributes: about half the bytes (and RCU) of a full load, and
        # a third of the parsing, which dominates in boto3 for 20,000 small items.
        return [Doc(item["sk"]["S"][len(ITEM_PREFIX):], item["memory"]["S"])
                for item in self._query(owner, projection="sk, #m", names={"#m": "memory"})]

    def get_many(self, owner: Owner, ids: list[str]) -> list[Memory]:
        wanted = [{"pk": {"S": _pk(owner)}, "sk": {"S": ITEM_PREFIX + i}} for i in ids]
        return [_memory(item) for item in batch_get(self._db, self._table, wanted, what="memory reads")]

    def delete(self, owner: Owner, memory_id: str) -> Change | None:
        try:
            self._db.delete_item(TableName=self._table,
                                 Key={"pk": {"S": _pk(owner)}, "sk": {"S": ITEM_PREFIX + memory_id}},
                                 ConditionExpression="attribute_exists(pk)")
        except Exception as exc:
            if is_condition_failure(exc):
                return None
            raise
        self._change_count(owner, -1)
        return self._new_version(owner)

    def delete_all(self, owner: Owner) -> tuple[int, Change]:
        found = [{"pk": item["pk"], "sk": item["sk"]} for item in self._query(owner, projection="pk, sk")]
        try:
            self._batch([{"DeleteRequest": {"Key": key}} for key in found])
        finally:
            change = self._new_version(owner, reset_count=True)
        return len(found), change

    # ---- helpers -------------------------------------------------------------------------------

    def _item(self, owner: Owner, memory: Memory) -> dict[str, Any]:
        return {"pk": {"S": _pk(owner)}, "sk": {"S": ITEM_PREFIX + memory.id},
                "memory": {"S": memory.text}, "role": {"S": memory.role},
                "conversation_id": {"S": memory.conversation_id}, "created_at": {"S": memory.created_at}}

    def _change_count(self, owner: Owner, delta: int, *, max_count: int | None = None) -> None:
        extra: dict[str, Any] = {}
        values: dict[str, Any] = {":d": {"N": str(delta)}}
        if max_count is not None:
            extra["ConditionExpression"] = "attribute_not_exists(#c) OR #c <= :room"
            values[":room"] = {"N": str(max_count - delta)}
        try:
            self._db.update_item(TableName=self._table, Key={"pk": {"S": _pk(owner)}, "sk": {"S": META}},
                                 UpdateExpression="ADD #c :d", ExpressionAttributeNames={"#c": "count"},
                                 ExpressionAttributeValues=values, **extra)
        except Exception as exc:
            if is_condition_failure(exc):
                raise MemoryFull from exc
            raise

    def _new_version(self, owner: Owner, *, reset_count: bool = False) -> Change:
        after = uuid.uuid4().hex
        names, values = {"#v": "version"}, {":v": {"S": after}}
        expression = "SET #v = :v"
        if reset_count:
            # Deleting everything also re-bases the count, so any drift from failed writes ends here.
            expression += ", #c = :zero"
            names["#c"], values[":zero"] = "count", {"N": "0"}
        old = self._db.update_item(TableName=self._table, Key={"pk": {"S": _pk(owner)}, "sk": {"S": META}},
                                   UpdateExpression=expression, ExpressionAttributeNames=names,
                                   ExpressionAttributeValues=values, ReturnValues="UPDATED_OLD"
                                   ).get("Attributes", {})
        return Change(before=old["version"]["S"] if "version" in old else None, after=after)

    def _query(self, owner: Owner, *, projection: str | None = None,
               names: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {
            "TableName": self._table, "ConsistentRead": True,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": _pk(owner)}, ":prefix": {"S": ITEM_PREFIX}},
        }
        if projection:
            params["ProjectionExpression"] = projection
        if names:
            params["ExpressionAttributeNames"] = names
        while True:
            page = self._db.query(**params)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _batch(self, requests: list[dict[str, Any]]) -> None:
        batch_write(self._db, self._table, requests, what="memory writes")
