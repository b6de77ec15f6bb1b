"""Finding 18: a cold search (a new container, a restarted server) ranks from the persisted search
snapshot instead of reading every memory from the table, and never from a stale one."""

from __future__ import annotations

from typing import Any

import pytest
from lambdachat.media.store import MemoryStore
from lambdachat.memory.model import Doc, Owner
from lambdachat.memory.persisted import ObjectSearchSnapshots
from lambdachat.memory.service import MemoryService, merged
from lambdachat.memory.store import InMemoryMemoryStore
from lambdachat.storage import keys

ALICE = Owner("alice", "u1")


def convo(*texts: str) -> dict[str, Any]:
    return {"id": "c1", "items": [{"role": "user", "content": t} for t in texts]}


@pytest.fixture
def store() -> InMemoryMemoryStore:
    return InMemoryMemoryStore()


@pytest.fixture
def objects() -> MemoryStore:
    return MemoryStore()


def container(store: InMemoryMemoryStore, objects: MemoryStore) -> MemoryService:
    """A fresh Lambda container (or a restarted server): nothing cached in process."""
    return MemoryService(store, persisted=ObjectSearchSnapshots(objects))


def found(service: MemoryService, query: str) -> list[str]:
    return [m["memory"] for m in service.search(ALICE, query, 10)]


def test_a_cold_search_after_writes_elsewhere_reads_no_memory_from_the_table(store, objects):
    container(store, objects).add(ALICE, convo(*[f"note {n} about tea" for n in range(300)]))
    container(store, objects).add(ALICE, convo("my son likes trains"))     # a cold writer
    assert found(container(store, objects), "trains") == ["my son likes trains"]
    assert (store.doc_loads, store.loads) == (0, 0)


def test_every_kind_of_write_keeps_it_current(store, objects):
    container(store, objects).add(ALICE, convo("alpha one", "alpha two", "beta"))
    victim = container(store, objects).page(ALICE, 1, 10)["results"][0]["id"]   # "beta", the newest
    loads = store.doc_loads
    container(store, objects).delete(ALICE, victim)
    assert sorted(found(container(store, objects), "alpha beta")) == ["alpha one", "alpha two"]
    container(store, objects).delete_all(ALICE)
    assert found(container(store, objects), "alpha") == []
    container(store, objects).add(ALICE, convo("gamma"))
    assert found(container(store, objects), "gamma") == ["gamma"]
    assert store.doc_loads == loads


def test_a_snapshot_that_missed_a_write_is_never_used(store, objects):
    container(store, objects).add(ALICE, convo("alpha"))
    MemoryService(store).add(ALICE, convo("alpha late"))    # its snapshot update never happened
    assert sorted(found(container(store, objects), "alpha")) == ["alpha", "alpha late"]
    assert store.doc_loads == 1                             # read from the table once ...
    assert sorted(found(container(store, objects), "alpha")) == ["alpha", "alpha late"]
    assert store.doc_loads == 1                             # ... and persisted for the next container


@pytest.mark.parametrize("garbage", [b"", b"not gzip", b"\x1f\x8b\x08\x00trunc"])
def test_an_unreadable_snapshot_falls_back_to_the_table(store, objects, garbage):
    container(store, objects).add(ALICE, convo("alpha"))
    objects.put(keys.memory_snapshot(ALICE.principal, ALICE.user_id), garbage, "application/gzip")
    assert found(container(store, objects), "alpha") == ["alpha"]
    assert store.doc_loads == 1


class BrokenObjects:
    def read(self, key: str) -> bytes | None:
        raise OSError("S3 is down")

    def put(self, key: str, data: bytes, content_type: str) -> None:
        raise OSError("S3 is down")


def test_an_unreachable_object_store_costs_speed_never_a_write_or_an_answer(store):
    broken = MemoryService(store, persisted=ObjectSearchSnapshots(BrokenObjects()))
    assert broken.add(ALICE, convo("alpha", "beta")) == 2
    assert found(MemoryService(store, persisted=ObjectSearchSnapshots(BrokenObjects())), "beta") == ["beta"]


def test_snapshots_of_two_owners_never_mix(store, objects):
    bob = Owner("bob", "u1")
    container(store, objects).add(ALICE, convo("alice secret"))
    container(store, objects).add(bob, convo("bob secret"))
    assert found(container(store, objects), "secret") == ["alice secret"]
    assert [m["memory"] for m in container(store, objects).search(bob, "secret", 10)] == ["bob secret"]


def test_applying_a_write_twice_does_not_double_it():
    # A snapshot loaded while a write landed already holds it; the writer then applies it again.
    old = [Doc("1", "a"), Doc("2", "b")]
    assert merged(old, [Doc("2", "b"), Doc("3", "c")]) == [Doc("1", "a"), Doc("2", "b"), Doc("3", "c")]
