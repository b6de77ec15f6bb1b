"""Access keys in the main table (shapes: `lambdachat.storage.keys`), two items per key written together:

    pk=key#<sha256 of the key>   sk=key     name, created_at       (authentication: one GetItem)
    pk=keys                      sk=<name>  key_hash, created_at   (list and revoke by name)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol

from lambdachat.storage import aws, keys
from lambdachat.storage.dynamo import typed
from lambdachat.storage.resources import MAIN_TABLE


@dataclass(frozen=True)
class KeyRecord:
    name: str
    key_hash: str
    created_at: int


class KeyExists(Exception):
    pass


class KeyStore(Protocol):
    def find(self, key_hash: str) -> KeyRecord | None: ...

    def add(self, record: KeyRecord) -> None:
        """Raises KeyExists when the name is taken."""

    def list(self) -> list[KeyRecord]: ...

    def remove(self, name: str) -> bool: ...


class InMemoryKeyStore:
    def __init__(self) -> None:
        self._by_name: dict[str, KeyRecord] = {}
        self._lock = threading.Lock()
        self.finds = 0   # lets tests see what the authenticator's cache saved

    def find(self, key_hash: str) -> KeyRecord | None:
        with self._lock:
            self.finds += 1
            return next((r for r in self._by_name.values() if r.key_hash == key_hash), None)

    def add(self, record: KeyRecord) -> None:
        with self._lock:
            if record.name in self._by_name:
                raise KeyExists(record.name)
            self._by_name[record.name] = record

    def list(self) -> list[KeyRecord]:
        with self._lock:
            return sorted(self._by_name.values(), key=lambda r: r.name)

    def remove(self, name: str) -> bool:
        with self._lock:
            return self._by_name.pop(name, None) is not None


def _hash_key(key_hash: str) -> dict[str, Any]:
    return typed(keys.access_key(key_hash))


def _name_key(name: str) -> dict[str, Any]:
    return typed(keys.access_key_name(name))


class DynamoKeyStore:
    def find(self, key_hash: str) -> KeyRecord | None:
        item = aws.client("dynamodb").get_item(TableName=MAIN_TABLE.name, Key=_hash_key(key_hash),
                                               ConsistentRead=True).get("Item")
        if item is None:
            return None
        return KeyRecord(name=item["name"]["S"], key_hash=item["key_hash"]["S"],
                         created_at=int(item["created_at"]["N"]))

    def add(self, record: KeyRecord) -> None:
        created = {"N": str(record.created_at)}
        ddb = aws.client("dynamodb")
        try:
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": MAIN_TABLE.name, "ConditionExpression": "attribute_not_exists(pk)",
                         "Item": {**_name_key(record.name), "key_hash": {"S": record.key_hash},
                                  "created_at": created}}},
                {"Put": {"TableName": MAIN_TABLE.name, "ConditionExpression": "attribute_not_exists(pk)",
                         "Item": {**_hash_key(record.key_hash), "name": {"S": record.name},
                                  "key_hash": {"S": record.key_hash}, "created_at": created}}},
            ])
        except ddb.exceptions.TransactionCanceledException as exc:
            raise KeyExists(record.name) from exc

    def list(self) -> list[KeyRecord]:
        ddb = aws.client("dynamodb")
        records: list[KeyRecord] = []
        for page in ddb.get_paginator("query").paginate(
                TableName=MAIN_TABLE.name, KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": keys.ACCESS_KEY_NAMES}}, ConsistentRead=True):
            records += [KeyRecord(name=i["sk"]["S"], key_hash=i["key_hash"]["S"],
                                  created_at=int(i["created_at"]["N"])) for i in page.get("Items", [])]
        return records

    def remove(self, name: str) -> bool:
        ddb = aws.client("dynamodb")
        item = ddb.get_item(TableName=MAIN_TABLE.name, Key=_name_key(name), ConsistentRead=True).get("Item")
        if item is None:
            return False
        key_hash = item["key_hash"]["S"]
        try:
            ddb.transact_write_items(TransactItems=[
                {"Delete": {"TableName": MAIN_TABLE.name, "Key": _name_key(name),
                            "ConditionExpression": "key_hash = :h",
                            "ExpressionAttributeValues": {":h": {"S": key_hash}}}},
                {"Delete": {"TableName": MAIN_TABLE.name, "Key": _hash_key(key_hash)}},
            ])
        except ddb.exceptions.TransactionCanceledException:
            return False   # revoked (or replaced) by someone else meanwhile
        return True
