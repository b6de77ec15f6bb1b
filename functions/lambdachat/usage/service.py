"""Record usage, read one day's records, and sum a window of days for the stats chart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from lambdachat.observability import logger
from lambdachat.usage.metrics import emit_tokens
from lambdachat.usage.model import DAY_MAX_RECORDS, TOKEN_FIELDS, UsageRecord, day_range
from lambdachat.usage.store import Total, UsageStore

COUNTERS = ("requests", *TOKEN_FIELDS)


def _empty() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


def _add(into: dict[str, int], total: Total) -> None:
    for name in COUNTERS:
        into[name] += getattr(total, name)


def _by_tokens(groups: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return dict(sorted(groups.items(), key=lambda kv: (-kv[1]["total_tokens"], kv[0])))


class UsageService:
    def __init__(self, store: UsageStore, emit: Callable[[UsageRecord], None] = emit_tokens,
                 day_max_records: int = DAY_MAX_RECORDS) -> None:
        self.store = store
        self.emit = emit
        self.day_max_records = day_max_records

    def record(self, principal: str, record: UsageRecord) -> None:
        self.store.add(principal, record)
        try:
            self.emit(record)
        except Exception:  # a metric is a by-product: never fail the stored record over it
            logger.exception("usage metric failed")

    def day_records(self, principal: str, day: date) -> list[dict[str, Any]]:
        return [r.public() for r in self.store.day(principal, day, self.day_max_records)]

    def stats(self, principal: str, days: int, today: date | None = None) -> dict[str, Any]:
        """V2's stats shape: every day of the window (zeros included), per model, per provider, totals."""
        window = day_range(days, today or datetime.now(UTC).date())
        per_day = {d.isoformat(): _empty() for d in window}
        models: dict[str, dict[str, int]] = {}
        providers: dict[str, dict[str, int]] = {}
        totals = _empty()
        for total in self.store.totals(principal, window[0], window[-1]):
            if total.kind == "total":
                if total.day in per_day:
                    _add(per_day[total.day], total)
                    _add(totals, total)
            else:
                group = models if total.kind == "model" else providers
                _add(group.setdefault(total.name, _empty()), total)
        return {"days": [{"date": day, **counts} for day, counts in per_day.items()],
                "models": _by_tokens(models), "providers": _by_tokens(providers), "totals": totals}
