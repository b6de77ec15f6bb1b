"""The DynamoDB adapter of the file-bucket index (key shapes: `lambdachat.storage.keys`).

The bytes go through the one S3 adapter, `lambdachat.storage.s3.S3Store`.
"""

from __future__ import annotations

import time
from typing import Any

from lambdachat.errors import PayloadTooLarge
from lambdachat.files.ports import FileRecord
from lambdachat.storage import aws, keys
from lambdachat.storage.dynamo import Sleep, batch_write, typed
from lambdachat.storage.faults import is_condition_failure
from lambdachat.storage.resources import MAIN_TABLE


class DynamoBucketIndex:
    def __init__(self, table: str | None = None, *, client: Any = None, sleep: Sleep = time.sleep) -> None:
        self.table = table or MAIN_TABLE.name
        self._client = client
        self._sleep = sleep       # the batch retry's backoff

    @property
    def _ddb(self) -> Any:
        return self._client if self._client is not None else aws.client("dynamodb")

    def exists(self, principal_id: str, bucket_id: str) -> bool:
        for key in (keys.bucket_owner(principal_id, bucket_id), keys.legacy_bucket_owner(bucket_id)):
            item = self._ddb.get_item(TableName=self.table, Key=typed(key), ConsistentRead=True).get("Item")
            if item and item["principal"]["S"] == principal_id:
                return True
        return False

    def claim(self, bucket_id: str, principal_id: str, new_files: int, max_files: int) -> None:
        try:
            self._ddb.update_item(
                TableName=self.table, Key=typed(keys.bucket_owner(principal_id, bucket_id)),
                UpdateExpression="SET principal = if_not_exists(principal, :p), "
                                 "created_at = if_not_exists(created_at, :now) ADD file_count :n",
                ConditionExpression="attribute_not_exists(file_count) OR file_count <= :room",
                ExpressionAttributeValues={":p": {"S": principal_id}, ":n": {"N": str(new_files)},
                                           ":now": {"N": str(int(time.time()))},
                                           ":room": {"N": str(max_files - new_files)}})
        except Exception as exc:
            if not is_condition_failure(exc):
                raise
            if not self._recount(bucket_id, principal_id, new_files, max_files):
                raise PayloadTooLarge(f"A bucket holds at most {max_files} files") from exc

    def _recount(self, bucket_id: str, principal_id: str, new_files: int, max_files: int) -> bool:
        """The bucket looks full: repair `file_count` from the file records, then claim again.

        A process killed between `claim` and `release` (kill -9, a Lambda timeout) leaves slots
        counted that no file holds; the records are the truth. The repair is conditional on the
        count read, so a concurrent claim makes it give up (413, retryable) instead of guessing.
        A claim still in flight (its record not yet written) is not counted: at worst a bucket
        briefly holds that many files more than the limit.
        """
        item = self._ddb.get_item(TableName=self.table, Key=typed(keys.bucket_owner(principal_id, bucket_id)),
                                  ConsistentRead=True).get("Item") or {}
        seen = item.get("file_count", {}).get("N", "0")
        actual = len(self.files(principal_id, bucket_id))
        if actual + new_files > max_files:
            return False
        try:
            self._ddb.update_item(
                TableName=self.table, Key=typed(keys.bucket_owner(principal_id, bucket_id)),
                UpdateExpression="SET file_count = :count",
                ConditionExpression="principal = :p AND file_count = :seen",
                ExpressionAttributeValues={":p": {"S": principal_id}, ":seen": {"N": seen},
                                           ":count": {"N": str(actual + new_files)}})
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def release(self, principal_id: str, bucket_id: str, files: int) -> None:
        if files:
            self._ddb.update_item(TableName=self.table, Key=typed(keys.bucket_owner(principal_id, bucket_id)),
                                  UpdateExpression="ADD file_count :n",
                                  ConditionExpression="attribute_exists(principal)",
                                  ExpressionAttributeValues={":n": {"N": str(-files)}})

    def files(self, principal_id: str, bucket_id: str) -> list[FileRecord]:
        records: list[FileRecord] = []
        pages = self._ddb.get_paginator("query").paginate(
            TableName=self.table, ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :file)",
            ExpressionAttributeValues={":pk": {"S": keys.bucket_files(principal_id, bucket_id)},
                                       ":file": {"S": keys.FILE_SK}})
        for page in pages:
            records += [_record(item) for item in page.get("Items", [])]
        return sorted(records, key=lambda r: (r.seq, r.name))

    def get_file(self, principal_id: str, bucket_id: str, name: str) -> FileRecord | None:
        item = self._ddb.get_item(TableName=self.table, ConsistentRead=True, Key=typed(
            keys.bucket_file(principal_id, bucket_id, name))).get("Item")
        return _record(item) if item else None

    def put_file(self, principal_id: str, bucket_id: str, record: FileRecord) -> None:
        item = {**typed(keys.bucket_file(principal_id, bucket_id, record.name)),
                "name": {"S": record.name}, "kind": {"S": record.kind}, "state": {"S": record.state},
                "size": {"N": str(record.size)}, "seq": {"N": str(record.seq)}}
        if record.error is not None:
            item["error"] = {"S": record.error}
        self._ddb.put_item(TableName=self.table, Item=item)

    def remove_file(self, principal_id: str, bucket_id: str, name: str) -> None:
        self._ddb.delete_item(TableName=self.table, Key=typed(keys.bucket_file(principal_id, bucket_id, name)))

    def drop(self, principal_id: str, bucket_id: str) -> None:
        batch_write(self._ddb, self.table, [
            {"DeleteRequest": {"Key": typed(keys.bucket_file(principal_id, bucket_id, r.name))}}
            for r in self.files(principal_id, bucket_id)], what="file record deletes", sleep=self._sleep)
        self._ddb.delete_item(TableName=self.table, Key=typed(keys.bucket_owner(principal_id, bucket_id)))
        self._ddb.delete_item(TableName=self.table, Key=typed(keys.legacy_bucket_owner(bucket_id)),
                              ConditionExpression="attribute_not_exists(pk) OR principal = :p",
                              ExpressionAttributeValues={":p": {"S": principal_id}})


def _record(item: dict[str, Any]) -> FileRecord:
    return FileRecord(name=item["name"]["S"], kind=item["kind"]["S"], state=item["state"]["S"],
                      size=int(item["size"]["N"]), seq=int(item["seq"]["N"]),
                      error=item.get("error", {}).get("S"))
