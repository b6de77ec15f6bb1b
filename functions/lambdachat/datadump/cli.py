"""`lambdachat data export|import <file>`: move one deployment's data to another.

Local → local (another machine, another data directory) and local → a deployed stack (`--aws`:
the table and bucket of LAMBDACHAT_TABLE / LAMBDACHAT_FILES_BUCKET with your AWS credentials).
An import checks the whole archive first (`archive.verify`) and writes nothing from one it
refuses; it puts every record and file under its own key, so importing twice changes nothing.
An export made while a server writes is not a snapshot: stop the server for a consistent one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tarfile
from collections.abc import Iterator
from typing import Any, TextIO
from urllib.parse import urlencode

from lambdachat.datadump.archive import OBJECTS, RECORDS, ArchiveRefused, ArchiveWriter, decode_item, verify
from lambdachat.storage import aws
from lambdachat.storage.dynamo import batch_write
from lambdachat.storage.resources import FILES_BUCKET, MAIN_TABLE
from lambdachat.storage.target import add_aws_flag, run_on_storage


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    data = commands.add_parser("data", help="export or import every record and file (a portable archive)")
    add_aws_flag(data)
    actions = data.add_subparsers(dest="data_command", required=True)
    export = actions.add_parser("export", help="write every record and file to an archive (.tar.gz)")
    export.add_argument("file")
    load = actions.add_parser("import", help="load an archive made by `data export` (checked first)")
    load.add_argument("file")


def run(args: argparse.Namespace, err: TextIO | None = None) -> int:
    err = err or sys.stderr
    if args.data_command == "export":
        return run_on_storage(args, "data", lambda where: _export(args.file, where, err), err)
    try:
        manifest = verify(args.file)   # before any store is started or anything written
    except ArchiveRefused as exc:
        print(f"lambdachat data: {args.file} refused, nothing imported: {exc}", file=err)
        return 2
    return run_on_storage(args, "data", lambda where: _import(args.file, manifest, where, err), err)


def _scan(client: Any, table: str) -> Iterator[dict[str, Any]]:
    start: dict[str, Any] | None = None
    while True:
        page = client.scan(TableName=table, ConsistentRead=True, **({"ExclusiveStartKey": start} if start else {}))
        yield from page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def _keys(client: Any, bucket: str) -> Iterator[str]:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            yield str(item["Key"])


def _export(path: str, where: str, err: TextIO) -> int:
    s3, dynamodb = aws.client("s3"), aws.client("dynamodb")
    table, bucket = MAIN_TABLE.name, FILES_BUCKET.name
    partial = f"{path}.partial"   # the archive appears under its name only once whole
    with tarfile.open(partial, "w:gz") as tar:
        writer = ArchiveWriter(tar, {"table": table, "bucket": bucket})
        writer.add_records(_scan(dynamodb, table))
        for key in _keys(s3, bucket):
            found = s3.get_object(Bucket=bucket, Key=key)
            tags = s3.get_object_tagging(Bucket=bucket, Key=key).get("TagSet", [])
            writer.add_object(key, found["Body"], int(found["ContentLength"]), found.get("ContentType"),
                              urlencode([(t["Key"], t["Value"]) for t in tags]) or None)
        writer.close()
    os.replace(partial, path)
    print(f"Exported {writer.records} records and {len(writer.objects)} files from {where} to {path}", file=err)
    return 0


def _import(path: str, manifest: dict[str, Any], where: str, err: TextIO) -> int:
    s3, dynamodb = aws.client("s3"), aws.client("dynamodb")
    table, bucket = MAIN_TABLE.name, FILES_BUCKET.name
    with tarfile.open(path, "r:*") as tar:
        records = _member(tar, RECORDS).decode().splitlines()
        batch_write(dynamodb, table, [{"PutRequest": {"Item": decode_item(json.loads(line))}}
                                      for line in records if line], what="imported records")
        objects = [json.loads(line) for line in _member(tar, OBJECTS).decode().splitlines() if line]
        for entry in objects:
            stream = tar.extractfile(entry["member"])
            assert stream is not None  # verify() saw every member as a file
            extra = {k: v for k, v in (("ContentType", entry.get("content_type")),
                                       ("Tagging", entry.get("tagging"))) if v}
            s3.upload_fileobj(stream, bucket, entry["key"], ExtraArgs=extra)
    print(f"Imported {manifest['records']} records and {manifest['objects']} files into {where}", file=err)
    return 0


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    stream = tar.extractfile(name)
    assert stream is not None
    return stream.read()
