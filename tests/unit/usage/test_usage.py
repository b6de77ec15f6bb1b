"""Usage rules on the in-memory store: validation, stats sums, metrics and the conversation recorder."""

import dataclasses
import json
from datetime import UTC, date, datetime

import pytest
from lambdachat.chat.events import ProviderChosen
from lambdachat.errors import BadRequest
from lambdachat.providers.base import Content, Finish, Usage
from lambdachat.usage import recorder
from lambdachat.usage.metrics import emit_tokens
from lambdachat.usage.model import parse_day, parse_usage
from lambdachat.usage.service import UsageService
from lambdachat.usage.store import InMemoryUsageStore

NOON = datetime(2026, 3, 10, 12, tzinfo=UTC)


def usage(**fields):
    return parse_usage({"model": "m", "provider": "P", "prompt_tokens": 3, "completion_tokens": 4, **fields},
                       now=NOON)


def test_a_client_record_keeps_its_numbers_and_drops_the_user_field():
    record = parse_usage({"user": "someone-else", "model": "gpt-4o", "provider": {"name": "OpenAI", "label": "x"},
                          "prompt_tokens": 10, "completion_tokens": 5, "label": "GPT"}, now=NOON)
    assert (record.model, record.provider, record.total_tokens, record.day) == ("gpt-4o", "OpenAI", 15, "2026-03-10")
    public = record.public()
    assert "user" not in public and public["label"] == "GPT" and public["source"] == "client"
    assert usage(total_tokens=100).total_tokens == 100


@pytest.mark.parametrize("body", [
    [], "x", {"prompt_tokens": -1}, {"prompt_tokens": 1.5}, {"completion_tokens": "3"},
    {"total_tokens": True}, {"saved_tokens": 10**10}, {"model": 5}, {"provider": "p" * 201},
])
def test_bad_numbers_and_names_are_400(body):
    with pytest.raises(BadRequest):
        parse_usage(body)


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "20260101", "2026-1-01", "yesterday", "2026-01-01x"])
def test_bad_dates_are_400(text):
    with pytest.raises(BadRequest):
        parse_day(text)


def test_stats_sum_per_day_model_and_provider_and_fill_empty_days():
    service = UsageService(InMemoryUsageStore(), emit=lambda r: None)
    service.record("alice", usage())
    service.record("alice", usage(model="big", prompt_tokens=100))
    service.record("alice", parse_usage({"provider": "Q", "prompt_tokens": 1}, now=NOON.replace(day=8)))
    service.record("alice", parse_usage({"prompt_tokens": 1000}, now=NOON.replace(month=1)))  # outside
    service.record("bob", usage(prompt_tokens=7))
    stats = service.stats("alice", 3, today=date(2026, 3, 10))
    assert [d["date"] for d in stats["days"]] == ["2026-03-08", "2026-03-09", "2026-03-10"]
    assert [d["requests"] for d in stats["days"]] == [1, 0, 2]
    assert stats["totals"] == {"requests": 3, "prompt_tokens": 104, "completion_tokens": 8, "total_tokens": 112}
    assert list(stats["models"]) == ["big", "m", "unknown"]          # most tokens first
    assert stats["providers"]["P"] == {"requests": 2, "prompt_tokens": 103, "completion_tokens": 8,
                                       "total_tokens": 111}
    assert service.day_records("alice", date(2026, 3, 9)) == []
    assert len(service.day_records("alice", date(2026, 3, 10))) == 2


def test_a_failing_metric_still_keeps_the_record():
    def broken(record):
        raise RuntimeError("no stdout")

    service = UsageService(InMemoryUsageStore(), emit=broken)
    service.record("alice", usage())
    assert len(service.day_records("alice", date(2026, 3, 10))) == 1


def test_metrics_are_one_emf_line_with_model_and_provider(capsys):
    # A client's POST cannot name such a model any more (a 400); the metric still cleans what it gets.
    emit_tokens(dataclasses.replace(usage(provider="OpenAI"), model="gpt 4o/mini\n"))
    line = json.loads(capsys.readouterr().out)
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "lambdachat"
    assert directive["Dimensions"] == [["model", "provider"]]
    assert {m["Name"] for m in directive["Metrics"]} == {"PromptTokens", "CompletionTokens", "TotalTokens"}
    assert (line["model"], line["provider"], line["TotalTokens"]) == ("gpt_4o/mini_", "OpenAI", [7.0])


def test_metrics_can_be_switched_off(capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    emit_tokens(usage())
    assert capsys.readouterr().out == ""


def stream(*events):
    yield from events


def test_the_recorder_passes_every_event_and_stores_the_reported_usage():
    events = [ProviderChosen("Fake", "Fake", "fake-model", None), Content("hi"), Usage(5, 2), Finish("stop")]
    service = UsageService(InMemoryUsageStore(), emit=lambda r: None)
    assert list(recorder.record_usage(stream(*events), service, "alice", "Fake", "fake-model")) == events
    recorder.drain()
    (record,) = service.store.day("alice", datetime.now(UTC).date(), 10)
    assert (record.provider, record.model, record.total_tokens, record.source) == ("Fake", "fake-model", 7,
                                                                                    "conversation")


def test_a_failing_store_never_breaks_the_stream():
    class Broken(InMemoryUsageStore):
        def add(self, principal, record):
            raise ConnectionError("DynamoDB is down")

    broken = UsageService(Broken(), emit=lambda r: None)
    events = [Usage(1, 0), Content("after")]
    assert list(recorder.record_usage(stream(*events), broken, "alice", "Fake", "m")) == events
    recorder.drain()


def test_closing_the_recorder_closes_the_provider_stream():
    closed = []

    def upstream():
        try:
            yield Content("a")
            yield Content("b")
        finally:
            closed.append(True)

    wrapped = recorder.record_usage(upstream(), UsageService(InMemoryUsageStore()), "alice", "Fake", "m")
    next(wrapped)
    wrapped.close()
    assert closed == [True]
