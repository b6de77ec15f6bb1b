"""S3 and DynamoDB adapters of the file-bucket ports (boto3 through `lambdachat.storage.aws`)."""

from __future__ import annotations

import time
from typing import IO, Any

from lambdachat.errors import PayloadTooLarge
from lambdachat.files.ports import FileRecord
from lambdachat.storage import aws
from lambdachat.storage.faults import is_condition_failure, is_missing_object
from lambdachat.storage.resources import FILES_BUCKET, MAIN_TABLE


class S3BlobStore:
    def __init__(self, bucket: str | None = None) -> None:
        self.bucket = bucket or FILES_BUCKET.name

    @property
    def _s3(self) -> Any:
        return aws.client("s3")

    def put_stream(self, key: str, stream: IO[bytes], content_type: str) -> None:
        # upload_fileobj reads in 8 MB parts (multipart above that): a file is never held whole.
        self._s3.upload_fileobj(stream, self.bucket, key, ExtraArgs={"ContentType": content_type})

    def put_text(self, key: str, text: str) -> None:
        self._s3.put_object(Bucket=self.bucket, Key=key, Body=text.encode(),
                            ContentType="text/markdown; charset=utf-8")

    def get_text(self, key: str) -> str | None:
        data = self._get(key)
        return None if data is None else data.decode("utf-8", "replace")

    def get_bytes(self, key: str, max_bytes: int) -> bytes | None:
        size = self.size(key)
        if size is None:
            return None
        if size > max_bytes:
            raise ValueError(f"larger than {max_bytes} bytes")
        return self._get(key)

    def _get(self, key: str) -> bytes | None:
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        except Exception as exc:
            if is_missing_object(exc):
                return None
            raise
        with body:
            return body.read()  # type: ignore[no-any-return]

    def download(self, key: str, dest: IO[bytes]) -> bool:
        try:
            self._s3.download_fileobj(self.bucket, key, dest)
        except Exception as exc:
            if is_missing_object(exc):
                return False
            raise
        dest.seek(0)
        return True

    def size(self, key: str) -> int | None:
        try:
            return int(self._s3.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except Exception as exc:
            if is_missing_object(exc):
                return None
            raise

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1000 keys
            batch = [{"Key": k} for k in keys[start:start + 1000]]
            self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    def delete_prefix(self, prefix: str) -> int:
        keys: list[str] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", [])]
        self.delete(keys)
        return len(keys)

    def presigned_post(self, key: str, max_bytes: int, content_type: str, expires: int) -> dict[str, Any]:
        return self._s3.generate_presigned_post(  # type: ignore[no-any-return]
            Bucket=self.bucket, Key=key, ExpiresIn=expires,
            Fields={"Content-Type": content_type},
            Conditions=[["content-length-range", 1, max_bytes], {"Content-Type": content_type}])


def _owner_key(principal_id: str, bucket_id: str) -> dict[str, str]:
    return {"pk": f"bucketid#{principal_id}#{bucket_id}", "sk": "owner"}


def _legacy_owner_key(bucket_id: str) -> dict[str, str]:
    """Before ids were per principal, one item claimed an id for everyone."""
    return {"pk": f"bucketid#{bucket_id}", "sk": "owner"}


def _files_pk(principal_id: str, bucket_id: str) -> str:
    return f"bucket#{principal_id}#{bucket_id}"


class DynamoBucketIndex:
    def __init__(self, table: str | None = None) -> None:
        self.table = table or MAIN_TABLE.name

    @property
    def _ddb(self) -> Any:
        return aws.client("dynamodb")

    def exists(self, principal_id: str, bucket_id: str) -> bool:
        for key in (_owner_key(principal_id, bucket_id), _legacy_owner_key(bucket_id)):
            item = self._ddb.get_item(TableName=self.table, Key=_typed(key), ConsistentRead=True).get("Item")
            if item and item["principal"]["S"] == principal_id:
                return True
        return False

    def claim(self, bucket_id: str, principal_id: str, new_files: int, max_files: int) -> None:
        try:
            self._ddb.update_item(
                TableName=self.table, Key=_typed(_owner_key(principal_id, bucket_id)),
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
        item = self._ddb.get_item(TableName=self.table, Key=_typed(_owner_key(principal_id, bucket_id)),
                                  ConsistentRead=True).get("Item") or {}
        seen = item.get("file_count", {}).get("N", "0")
        actual = len(self.files(principal_id, bucket_id))
        if actual + new_files > max_files:
            return False
        try:
            self._ddb.update_item(
                TableName=self.table, Key=_typed(_owner_key(principal_id, bucket_id)),
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
            self._ddb.update_item(TableName=self.table, Key=_typed(_owner_key(principal_id, bucket_id)),
                                  UpdateExpression="ADD file_count :n",
                                  ConditionExpression="attribute_exists(principal)",
                                  ExpressionAttributeValues={":n": {"N": str(-files)}})

    def files(self, principal_id: str, bucket_id: str) -> list[FileRecord]:
        records: list[FileRecord] = []
        pages = self._ddb.get_paginator("query").paginate(
            TableName=self.table, ConsistentRead=True,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :file)",
            ExpressionAttributeValues={":pk": {"S": _files_pk(principal_id, bucket_id)},
                                       ":file": {"S": "file#"}})
        for page in pages:
            records += [_record(item) for item in page.get("Items", [])]
        return sorted(records, key=lambda r: (r.seq, r.name))

    def get_file(self, principal_id: str, bucket_id: str, name: str) -> FileRecord | None:
        item = self._ddb.get_item(TableName=self.table, ConsistentRead=True, Key=_typed(
            {"pk": _files_pk(principal_id, bucket_id), "sk": f"file#{name}"})).get("Item")
        return _record(item) if item else None

    def put_file(self, principal_id: str, bucket_id: str, record: FileRecord) -> None:
        item = {"pk": {"S": _files_pk(principal_id, bucket_id)}, "sk": {"S": f"file#{record.name}"},
                "name": {"S": record.name}, "kind": {"S": record.kind}, "state": {"S": record.state},
                "size": {"N": str(record.size)}, "seq": {"N": str(record.seq)}}
        if record.error is not None:
            item["error"] = {"S": record.error}
        self._ddb.put_item(TableName=self.table, Item=item)

    def remove_file(self, principal_id: str, bucket_id: str, name: str) -> None:
        self._ddb.delete_item(TableName=self.table, Key=_typed(
            {"pk": _files_pk(principal_id, bucket_id), "sk": f"file#{name}"}))

    def drop(self, principal_id: str, bucket_id: str) -> None:
        pk = _files_pk(principal_id, bucket_id)
        keys = [{"pk": {"S": pk}, "sk": {"S": f"file#{r.name}"}} for r in self.files(principal_id, bucket_id)]
        for start in range(0, len(keys), 25):  # BatchWriteItem takes at most 25 requests
            requests = [{"DeleteRequest": {"Key": k}} for k in keys[start:start + 25]]
            pending: dict[str, Any] = {self.table: requests}
            while pending:
                pending = self._ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        self._ddb.delete_item(TableName=self.table, Key=_typed(_owner_key(principal_id, bucket_id)))
        self._ddb.delete_item(TableName=self.table, Key=_typed(_legacy_owner_key(bucket_id)),
                              ConditionExpression="attribute_not_exists(pk) OR principal = :p",
                              ExpressionAttributeValues={":p": {"S": principal_id}})


def _typed(key: dict[str, str]) -> dict[str, dict[str, str]]:
    return {k: {"S": v} for k, v in key.items()}


def _record(item: dict[str, Any]) -> FileRecord:
    return FileRecord(name=item["name"]["S"], kind=item["kind"]["S"], state=item["state"]["S"],
                      size=int(item["size"]["N"]), seq=int(item["seq"]["N"]),
                      error=item.get("error", {}).get("S"))
