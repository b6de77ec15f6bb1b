"""The storage port of usage: records per (principal, day) and running totals per day.

Totals are kept per day as three kinds of counters: the day as a whole, each model and each
provider. The stats route then reads one range of small items instead of every record.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from lambdachat.usage.model import UsageRecord

Kind = Literal["total", "model", "provider"]


@dataclass(frozen=True)
class Total:
    day: str
    kind: Kind
    name: str                     # "" for the day total
    requests: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


def totals_keys(record: UsageRecord) -> list[tuple[Kind, str]]:
    """The counters one record adds to; unnamed models/providers count as "unknown"."""
    return [("total", ""), ("model", record.model or "unknown"), ("provider", record.provider or "unknown")]


class UsageStore(Protocol):
    def add(self, principal: str, record: UsageRecord) -> None:
        """Store the record and add it to its day's totals, all or nothing."""

    def day(self, principal: str, day: date, limit: int) -> list[UsageRecord]:
        """That day's records (UTC), oldest first, at most `limit`."""

    def totals(self, principal: str, first: date, last: date) -> list[Total]:
        """Every total counter of the days first..last (inclusive)."""


class InMemoryUsageStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[tuple[str, str], list[UsageRecord]] = {}

    def add(self, principal: str, record: UsageRecord) -> None:
        with self._lock:
            self._records.setdefault((principal, record.day), []).append(record)

    def day(self, principal: str, day: date, limit: int) -> list[UsageRecord]:
        with self._lock:
            records = self._records.get((principal, day.isoformat()), [])
        return sorted(records, key=lambda r: r.created_at)[:limit]

    def totals(self, principal: str, first: date, last: date) -> list[Total]:
        sums: dict[tuple[str, Kind, str], list[int]] = {}
        with self._lock:
            for (owner, day), records in self._records.items():
                if owner != principal or not first.isoformat() <= day <= last.isoformat():
                    continue
                for record in records:
                    for kind, name in totals_keys(record):
                        acc = sums.setdefault((day, kind, name), [0, 0, 0, 0])
                        for i, value in enumerate((1, record.prompt_tokens, record.completion_tokens,
                                                   record.total_tokens)):
                            acc[i] += value
        return [Total(day, kind, name, *acc) for (day, kind, name), acc in sums.items()]
