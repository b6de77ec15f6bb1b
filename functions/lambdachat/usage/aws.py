"""Usage in the main DynamoDB table (key shapes: `lambdachat.storage.keys`).

- record: `pk = usage#<principal>#<YYYY-MM-DD>`, `sk = <created_at ISO>#<id>` (a day's records
  come back in time order from one Query);
- totals: `pk = ustat#<principal>`, `sk = <YYYY-MM-DD>#total`, `…#model#<name>`,
  `…#provider#<name>` with counters `requests`, `prompt_tokens`, `completion_tokens`,
  `total_tokens`; a stats window is one Query over an `sk` range.

One transaction writes the record and adds it to the three counters, so the totals never
disagree with the records. Everything carries `expires_at` (retention, DynamoDB TTL).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from lambdachat.storage import aws, keys
from lambdachat.storage.resources import MAIN_TABLE
from lambdachat.usage.model import RETENTION_DAYS, TOKEN_FIELDS, UsageRecord
from lambdachat.usage.store import Kind, Total, totals_keys

COUNTERS = ("requests", *TOKEN_FIELDS)


def _record_pk(principal: str, day: str) -> str:
    return keys.usage_records(principal, day)


def _totals_pk(principal: str) -> str:
    return keys.usage_totals(principal)


class DynamoUsageStore:
    def __init__(self, table: str | None = None, retention_days: int = RETENTION_DAYS) -> None:
        self._table = table or MAIN_TABLE.name
        self._retention_days = retention_days

    @property
    def _db(self) -> Any:
        return aws.client("dynamodb")

    def add(self, principal: str, record: UsageRecord) -> None:
        expires = {"N": str(int((record.created_at + timedelta(days=self._retention_days)).timestamp()))}
        stamp = record.created_at.isoformat(timespec="milliseconds")
        item = {"pk": {"S": _record_pk(principal, record.day)}, "sk": {"S": f"{stamp}#{record.id}"},
                "model": {"S": record.model}, "provider": {"S": record.provider},
                "source": {"S": record.source}, "created_at": {"S": stamp},
                "extra": {"S": json.dumps(record.extra, ensure_ascii=False)}, "expires_at": expires,
                **{name: {"N": str(getattr(record, name))} for name in TOKEN_FIELDS}}
        increments = {":requests": {"N": "1"},
                      **{f":{name}": {"N": str(getattr(record, name))} for name in TOKEN_FIELDS}}
        updates = [{"Update": {
            "TableName": self._table,
            "Key": {"pk": {"S": _totals_pk(principal)},
                    "sk": {"S": keys.usage_total(record.day, kind, name)}},
            "UpdateExpression": "ADD " + ", ".join(f"{c} :{c}" for c in COUNTERS) + " SET expires_at = :exp",
            "ExpressionAttributeValues": {**increments, ":exp": expires},
        }} for kind, name in totals_keys(record)]
        self._db.transact_write_items(TransactItems=[{"Put": {"TableName": self._table, "Item": item}},
                                                     *updates])

    def day(self, principal: str, day: date, limit: int) -> list[UsageRecord]:
        out: list[UsageRecord] = []
        for item in self._query(_record_pk(principal, day.isoformat()), None, limit):
            out.append(UsageRecord(
                model=item["model"]["S"], provider=item["provider"]["S"], source=item["source"]["S"],
                created_at=datetime.fromisoformat(item["created_at"]["S"]),
                extra=json.loads(item["extra"]["S"]), id=item["sk"]["S"].rsplit("#", 1)[1],
                **{name: int(item[name]["N"]) for name in TOKEN_FIELDS}))
        return out

    def totals(self, principal: str, first: date, last: date) -> list[Total]:
        out = []
        # '~' sorts after every character that follows "<day>#", so the range ends after the last day.
        for item in self._query(_totals_pk(principal), (first.isoformat(), f"{last.isoformat()}#~"), None):
            day, kind_name = item["sk"]["S"].split("#", 1)
            kind, _, name = kind_name.partition("#")
            kind_value: Kind = "model" if kind == "model" else "provider" if kind == "provider" else "total"
            counts = (int(item[c]["N"]) if c in item else 0 for c in COUNTERS)
            out.append(Total(day, kind_value, name, *counts))
        return out

    def _query(self, pk: str, between: tuple[str, str] | None, limit: int | None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"TableName": self._table, "ExpressionAttributeValues": {":pk": {"S": pk}}}
        if between is None:
            params["KeyConditionExpression"] = "pk = :pk"
        else:
            params["KeyConditionExpression"] = "pk = :pk AND sk BETWEEN :lo AND :hi"
            params["ExpressionAttributeValues"].update({":lo": {"S": between[0]}, ":hi": {"S": between[1]}})
        items: list[dict[str, Any]] = []
        while limit is None or len(items) < limit:
            if limit is not None:
                params["Limit"] = limit - len(items)
            page = self._db.query(**params)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return items
