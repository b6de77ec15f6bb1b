"""A usage record, how a client's POST body becomes one, and the date rules of the read routes.

Limits (env-overridable): `LAMBDACHAT_USAGE_BODY_BYTES` (4 KB per POST body),
`LAMBDACHAT_USAGE_RETENTION_DAYS` (records and totals expire after 400 days, past the longest
stats window), `LAMBDACHAT_USAGE_DAY_MAX` (10,000 records returned for one day).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lambdachat.errors import BadRequest
from lambdachat.model_names import check_model_name

RETENTION_DAYS = 400      # defaults of Settings.usage_retention_days and usage_day_max
DAY_MAX_RECORDS = 10_000
MAX_STATS_DAYS = 366
MAX_TOKENS = 10**9          # per record: far above any context window, small enough to never overflow sums
MAX_NAME = 200
TOKEN_FIELDS = ("prompt_tokens", "completion_tokens", "total_tokens")

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class UsageRecord:
    model: str
    provider: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    source: str                                       # "client" (POST /usage) or "conversation"
    created_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: secrets.token_hex(6))

    @property
    def day(self) -> str:
        return self.created_at.date().isoformat()

    def public(self) -> dict[str, Any]:
        return {**self.extra, "id": self.id, "model": self.model, "provider": self.provider,
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.total_tokens, "source": self.source,
                "created_at": self.created_at.isoformat(timespec="milliseconds")}


def _name(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        value = value["name"]          # V1 items carry `provider` as {"name", "label", "model", "url"}
    if not isinstance(value, str) or len(value) > MAX_NAME:
        raise BadRequest(f"'{key}' must be a string of at most {MAX_NAME} characters")
    return value


def _count(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS:
        raise BadRequest(f"'{key}' must be an integer between 0 and {MAX_TOKENS}")
    return value


def parse_usage(body: Any, *, now: datetime | None = None) -> UsageRecord:
    """The record a client's POST stores. A `user` field is dropped: the principal is who it is."""
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object")
    counts = {key: _count(body, key) for key in body if key.endswith("_tokens")}
    prompt = counts.get("prompt_tokens") or 0
    completion = counts.get("completion_tokens") or 0
    total = counts.get("total_tokens")
    known = {"model", "provider", "user", "id", "source", "created_at", *TOKEN_FIELDS}
    extra = {k: v for k, v in body.items() if k not in known}
    return UsageRecord(model=check_model_name(body.get("model")), provider=_name(body, "provider"),
                       prompt_tokens=prompt, completion_tokens=completion,
                       total_tokens=prompt + completion if total is None else total,
                       source="client", created_at=now or datetime.now(UTC), extra=extra)


def parse_day(text: str) -> date:
    if not _DAY.match(text):
        raise BadRequest("The date must look like YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"Not a date: {text}") from None


def day_range(days: int, today: date) -> list[date]:
    """The last `days` days, oldest first, ending today (UTC)."""
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
