"""The durable local store on its own (`storage.local_store`): what its log and snapshots keep
through a kill -9 — a torn last record, multipart uploads, S3's LastModified, a compaction."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("moto", "boto3", "werkzeug")),
    reason="the local store needs the `local` extra (pip install -e '.[local]')")

BUCKET, TABLE = "lambdachat-files", "lambdachat"


@contextmanager
def store(data: Path, **options: Any) -> Iterator[tuple[Any, Any, Any]]:
    """A store process and boto3 clients to it; killed -9 at the end, as a crash would."""
    import boto3
    from botocore.config import Config
    from lambdachat.storage.local_store import start_store

    running = start_store(data, **options)
    kw: dict[str, Any] = {"endpoint_url": running.endpoint, "region_name": "us-east-1",
                          "aws_access_key_id": "x", "aws_secret_access_key": "x"}
    try:
        yield (running, boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **kw),
               boto3.client("dynamodb", **kw))
    finally:
        assert running.process is not None
        running.process.kill()
        running.process.wait()


def put(dynamodb: Any, key: str) -> None:
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": key}, "sk": {"S": "x"}, "v": {"S": key}})


def has(dynamodb: Any, key: str) -> bool:
    return "Item" in dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": key}, "sk": {"S": "x"}})


def test_a_torn_last_record_is_dropped_and_everything_before_it_kept(tmp_path: Path) -> None:
    with store(tmp_path) as (_, _s3, dynamodb):
        for i in range(20):
            put(dynamodb, f"item{i}")
    logs = sorted((tmp_path / "store").glob("wal-*.log"))
    with open(logs[-1], "ab") as log:          # a write killed halfway through its append
        log.write(b"\x00\x00\x10\x00garbage")
    with store(tmp_path) as (_, _s3, dynamodb):
        assert all(has(dynamodb, f"item{i}") for i in range(20))
        put(dynamodb, "after")
    with store(tmp_path) as (_, _s3, dynamodb):
        assert has(dynamodb, "after") and has(dynamodb, "item19")


def test_multipart_uploads_and_last_modified_survive_a_replay(tmp_path: Path) -> None:
    import io

    body = os.urandom(9 * 1024 * 1024)        # over boto3's 8 MB threshold: a multipart upload
    with store(tmp_path) as (_, s3, _dynamodb):
        s3.upload_fileobj(io.BytesIO(body), BUCKET, "big.bin")
        s3.put_object(Bucket=BUCKET, Key="small.txt", Body=b"small")
        stamp = s3.head_object(Bucket=BUCKET, Key="small.txt")["LastModified"]
    with store(tmp_path) as (_, s3, _dynamodb):
        assert s3.get_object(Bucket=BUCKET, Key="big.bin")["Body"].read() == body
        assert s3.head_object(Bucket=BUCKET, Key="small.txt")["LastModified"] == stamp


def test_a_compaction_while_serving_loses_nothing(tmp_path: Path) -> None:
    with store(tmp_path, compact_bytes=64 * 1024) as (_, s3, dynamodb):
        for i in range(40):                    # ~400 KB of log: several compactions
            s3.put_object(Bucket=BUCKET, Key=f"o{i}", Body=bytes([i]) * 10_000)
            put(dynamodb, f"item{i}")
    assert (tmp_path / "store" / "snapshot.pickle").exists()
    assert len(list((tmp_path / "store").glob("wal-*.log"))) <= 3
    with store(tmp_path) as (_, s3, dynamodb):
        assert all(s3.get_object(Bucket=BUCKET, Key=f"o{i}")["Body"].read() == bytes([i]) * 10_000
                   for i in range(40))
        assert all(has(dynamodb, f"item{i}") for i in range(40))


def test_the_store_ends_when_its_parent_does(tmp_path: Path) -> None:
    with store(tmp_path) as (running, _s3, _dynamodb):
        assert running.process is not None and running.process.stdin is not None
        running.process.stdin.close()            # what the parent's death does to the pipe
        assert running.process.wait(timeout=15) == 0
    assert not (tmp_path / "store" / "endpoint.json").exists()


def test_a_cancelled_transaction_changes_nothing_in_the_store(tmp_path: Path) -> None:
    """The store rolls a transaction back item by item (moto_fixes); the access keys and usage rely on it."""
    from botocore.exceptions import ClientError

    with store(tmp_path) as (_, _s3, dynamodb):
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "count"}, "sk": {"S": "x"}, "n": {"N": "1"}})
        with pytest.raises(ClientError) as refused:
            dynamodb.transact_write_items(TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "new"}, "sk": {"S": "x"}}}},
                {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "count"}, "sk": {"S": "x"}},
                            "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                {"ConditionCheck": {"TableName": TABLE, "Key": {"pk": {"S": "absent"}, "sk": {"S": "x"}},
                                    "ConditionExpression": "attribute_exists(pk)"}}])
        assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
        assert not has(dynamodb, "new")
        counter = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "count"}, "sk": {"S": "x"}})["Item"]
        assert counter["n"] == {"N": "1"}
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "new"}, "sk": {"S": "x"}}}}])
        assert has(dynamodb, "new")
