"""The one definition of the S3 buckets and DynamoDB tables.

The cloud stack, the embedded moto server and the tests all create exactly these, so a key
schema or TTL attribute cannot drift between environments. Shapes follow CloudFormation's
property names, so the stack can render them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from lambdachat.config import Settings, get_settings


class _Named:
    """The resource's name is a setting (`Settings.files_bucket`, `Settings.table`)."""

    setting: str

    @property
    def name(self) -> str:
        return str(getattr(get_settings(), self.setting))

    @property
    def default(self) -> str:
        """The name locally and in tests."""
        return str(getattr(Settings, self.setting))

    @property
    def env(self) -> str:
        """The environment variable that names it at run time (set per function by the stack)."""
        return str(next(f.metadata["env"] for f in fields(Settings) if f.name == self.setting))


@dataclass(frozen=True)
class BucketDef(_Named):
    logical_id: str
    setting: str


@dataclass(frozen=True)
class TableDef(_Named):
    logical_id: str
    setting: str
    hash_key: str = "pk"
    range_key: str | None = "sk"
    ttl_attribute: str | None = "expires_at"
    indexes: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def attribute_definitions(self) -> list[dict[str, str]]:
        names = [self.hash_key, *([self.range_key] if self.range_key else [])]
        for index in self.indexes:
            names += [k["AttributeName"] for k in index["KeySchema"] if k["AttributeName"] not in names]
        return [{"AttributeName": n, "AttributeType": "S"} for n in names]

    def key_schema(self) -> list[dict[str, str]]:
        schema = [{"AttributeName": self.hash_key, "KeyType": "HASH"}]
        if self.range_key:
            schema.append({"AttributeName": self.range_key, "KeyType": "RANGE"})
        return schema


FILES_BUCKET = BucketDef("FilesBucket", "files_bucket")
MAIN_TABLE = TableDef("MainTable", "table")

BUCKETS: tuple[BucketDef, ...] = (FILES_BUCKET,)
TABLES: tuple[TableDef, ...] = (MAIN_TABLE,)


def create_all(s3: Any, dynamodb: Any) -> None:
    """Create every bucket and table (idempotent), with encryption and TTL as in the cloud."""
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in BUCKETS:
        if bucket.name not in existing:
            s3.create_bucket(Bucket=bucket.name)
        s3.put_bucket_encryption(Bucket=bucket.name, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    tables = set(dynamodb.list_tables().get("TableNames", []))
    for table in TABLES:
        if table.name in tables:
            continue
        extra: dict[str, Any] = {}
        if table.indexes:
            extra["GlobalSecondaryIndexes"] = list(table.indexes)
        dynamodb.create_table(TableName=table.name, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=table.attribute_definitions(),
                              KeySchema=table.key_schema(),
                              SSESpecification={"Enabled": True}, **extra)
        if table.ttl_attribute:
            dynamodb.update_time_to_live(TableName=table.name, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": table.ttl_attribute})
