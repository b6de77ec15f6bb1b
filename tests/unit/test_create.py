"""/create's logic: parameters, the markdown filter, statuses from the answer's events, the cache."""

import pytest
from lambdachat.create.answer import AnswerCache, collect, events_for, stream_text
from lambdachat.create.markdown import code_block
from lambdachat.create.params import parse_create
from lambdachat.errors import BadRequest, NotFound, PayloadTooLarge, RateLimited, Unauthorized, UpstreamFailed
from lambdachat.identity import Principal
from lambdachat.media.store import MemoryStore
from lambdachat.providers.base import (
    Content,
    Finish,
    Media,
    MissingAuthError,
    ModelNotFoundError,
    RateLimitError,
    UpstreamError,
)

from tests.apps import test_services
from tests.fakes.providers import FakeProvider, install

DAY = 86_400

ME = Principal("alice")
ANSWER = "Here:\n```python\nprint(1)\n```\nand\n```html\n<b>hi</b>\n```\n"


def run(monkeypatch, script, **values):
    install(FakeProvider(script=script))
    params = parse_create({"prompt": "hi", "provider": "Fake", **values})
    return params, events_for(params, ME, None, None, test_services())


# ---- parameters ----

def test_parameters_from_strings_as_v1_clients_send_them():
    params = parse_create({"prompt": "hi", "stream": "1", "filter_markdown": "html",
                           "web_search": "news today", "cache": "3"})
    assert (params.stream, params.filter_markdown, params.language) == (True, True, "html")
    assert (params.web_search, params.cache) == ("news today", "3")
    assert parse_create({"prompt": "hi", "filter_markdown": "true"}).language is None
    assert parse_create({"prompt": "hi", "web_search": "false"}).web_search is False


@pytest.mark.parametrize("values", [
    {}, {"prompt": "   "}, {"prompt": 5}, {"prompt": "hi", "stream": "maybe"},
    {"prompt": "hi", "filter_markdown": "a b"}, {"prompt": "hi", "model": "x" * 300},
    {"prompt": "hi", "provider": "a b"}, {"prompt": "hi", "cache": "c" * 201},
    {"prompt": "hi", "web_search": "q" * 501},
])
def test_bad_parameters_are_400(values):
    with pytest.raises(BadRequest):
        parse_create(values)


def test_an_overlong_prompt_is_413(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_CREATE_MAX_PROMPT_CHARS", "10")
    with pytest.raises(PayloadTooLarge):
        parse_create({"prompt": "x" * 11})


def test_the_cache_key_covers_every_shaping_parameter_but_not_stream():
    base = parse_create({"prompt": "hi", "cache": "1"})
    assert base.cache_digest() == parse_create({"prompt": "hi", "cache": "1", "stream": "1"}).cache_digest()
    for change in ({"prompt": "ho"}, {"cache": "2"}, {"model": "m"}, {"filter_markdown": "html"}):
        assert parse_create({"prompt": "hi", "cache": "1", **change}).cache_digest() != base.cache_digest()


# ---- markdown ----

def test_code_block_first_or_of_a_language():
    assert code_block(ANSWER) == "print(1)"
    assert code_block(ANSWER, "HTML") == "<b>hi</b>"
    assert code_block(ANSWER, "rust") is None
    assert code_block("no code") is None


# ---- answers and their statuses ----

def test_collect_joins_the_text(monkeypatch):
    params, events = run(monkeypatch, [Content("Hel"), Content("lo"), Finish("stop")])
    assert collect(events, params).text == "Hello"


def test_collect_filters_markdown(monkeypatch):
    params, events = run(monkeypatch, [Content(ANSWER)], filter_markdown="html")
    assert collect(events, params).text == "<b>hi</b>"
    params, events = run(monkeypatch, [Content("plain")], filter_markdown="true")
    assert collect(events, params).text == "plain"  # no block at all: the whole answer


def test_a_missing_block_of_the_asked_language_is_502_not_an_empty_200(monkeypatch):
    params, events = run(monkeypatch, [Content("plain")], filter_markdown="html")
    with pytest.raises(UpstreamFailed):
        collect(events, params)


def test_reasoning_is_not_part_of_the_answer(monkeypatch):
    params, events = run(monkeypatch, [Content("<think>hmm</think>Yes")])
    assert collect(events, params).text == "Yes"


@pytest.mark.parametrize(("error", "status"), [
    (MissingAuthError("bad key"), Unauthorized), (RateLimitError("slow down"), RateLimited),
    (ModelNotFoundError("no such model"), NotFound), (UpstreamError("boom", 500), UpstreamFailed),
])
def test_provider_errors_map_to_statuses(monkeypatch, error, status):
    params, events = run(monkeypatch, [error])
    with pytest.raises(status):
        collect(events, params)
    params, events = run(monkeypatch, [error])
    with pytest.raises(status):
        stream_text(events)


def test_an_empty_answer_is_502(monkeypatch):
    params, events = run(monkeypatch, [Finish("stop")])
    with pytest.raises(UpstreamFailed):
        collect(events, params)
    params, events = run(monkeypatch, [Finish("stop")])
    with pytest.raises(UpstreamFailed):
        stream_text(events)


def test_an_unknown_provider_is_404_before_anything_runs(monkeypatch):
    install(FakeProvider())
    with pytest.raises(NotFound):
        events_for(parse_create({"prompt": "hi", "provider": "Nope"}), ME, None, None, test_services())


def test_streaming_yields_pieces_and_tells_a_late_failure_in_the_text(monkeypatch):
    _, events = run(monkeypatch, [Content("Hel"), Content("lo"), UpstreamError("cut", 500)])
    pieces = list(stream_text(events))
    assert pieces[:2] == ["Hel", "lo"]
    assert "UpstreamError: cut" in pieces[-1]


def test_a_media_only_answer_redirects_to_it(monkeypatch):
    params, events = run(monkeypatch, [Media(("data:image/png;base64,AAAA",), alt="x")])
    assert collect(events, params).redirect == "data:image/png;base64,AAAA"


# ---- cache ----

def test_cache_round_trip_is_per_principal_and_expires(monkeypatch):
    store = MemoryStore()
    params = parse_create({"prompt": "hi", "cache": "1"})
    AnswerCache(store, ME, DAY).put(params, "cached answer")
    assert AnswerCache(store, ME, DAY).get(params) == "cached answer"
    assert AnswerCache(store, Principal("bob"), DAY).get(params) is None
    assert AnswerCache(store, ME, 0).get(params) is None   # LAMBDACHAT_CREATE_CACHE_SECONDS=0


def test_a_damaged_cache_entry_is_a_miss():
    store = MemoryStore()
    params = parse_create({"prompt": "hi", "cache": "1"})
    cache = AnswerCache(store, ME, DAY)
    store.put(cache.prefix + params.cache_digest() + ".json", b"not json", "application/json")
    assert cache.get(params) is None
