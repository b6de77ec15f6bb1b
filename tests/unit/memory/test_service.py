"""Memory rules on the in-memory store: parsing, limits, paging, search, cache and owners."""

import pytest
from lambdachat.errors import BadRequest, NotFound, PayloadTooLarge
from lambdachat.memory import model
from lambdachat.memory.model import Owner, owner_for, parse_memories
from lambdachat.memory.service import MemoryService, parse_paging, parse_search
from lambdachat.memory.store import InMemoryMemoryStore

ALICE = Owner("alice", "u1")


def convo(*texts, role="user", cid="c1"):
    return {"id": cid, "items": [{"role": role, "content": t} for t in texts]}


@pytest.fixture
def store():
    return InMemoryMemoryStore()


@pytest.fixture
def service(store):
    return MemoryService(store)


# ---- parsing -------------------------------------------------------------------------------

def test_each_non_empty_item_becomes_a_memory_with_its_role_and_conversation():
    body = {"id": "conv-1", "items": [
        {"role": "user", "content": "  I live in Porto  "},
        {"role": "assistant", "content": ""},
        {"role": "assistant", "content": [{"bucket_id": "b1", "url": "/x", "name": "a.png"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Noted"}, {"type": "image_url"}]},
    ]}
    memories = parse_memories(body, now=1_700_000_000.0)
    assert [(m.text, m.role, m.conversation_id) for m in memories] == [
        ("I live in Porto", "user", "conv-1"), ("Noted", "assistant", "conv-1")]
    assert memories[0].created_at == "2023-11-14T22:13:20.000+00:00"
    assert memories[0].id < memories[1].id   # creation order survives sorting by id


@pytest.mark.parametrize("body", [
    [], "text", {"items": []}, {"id": "", "items": []}, {"id": "c", "items": {}},
    {"id": "c"}, {"id": "c", "items": ["hi"]}, {"id": "c", "items": [{"content": "hi"}]},
    {"id": "c", "items": [{"role": "user", "content": 5}]}, {"id": "x" * 129, "items": []},
])
def test_malformed_bodies_are_400(body):
    with pytest.raises(BadRequest):
        parse_memories(body)


def test_an_item_over_8_kb_and_over_500_items_are_413():
    with pytest.raises(PayloadTooLarge, match="8 KB"):
        parse_memories(convo("é" * (model.MAX_ITEM_BYTES // 2 + 1)))
    parse_memories(convo("a" * model.MAX_ITEM_BYTES))
    with pytest.raises(PayloadTooLarge, match="500"):
        parse_memories(convo(*["x"] * (model.MAX_ITEMS_PER_POST + 1)))


@pytest.mark.parametrize("user_id", ["a", "alice.b", "mem0-9f1c", "x@y.z",
                                     "0f8fad5b-d9cb-469f-a165-70867728950e"])
def test_v1_user_ids_are_accepted(user_id):
    assert owner_for("p", user_id).user_id == user_id


@pytest.mark.parametrize("user_id", ["", "-a", "a#b", "a b", "x" * 129, "../etc"])
def test_other_user_ids_are_400(user_id):
    with pytest.raises(BadRequest):
        owner_for("p", user_id)


@pytest.mark.parametrize("args", [{"page": "abc"}, {"page": "0"}, {"page_size": "101"}, {"page_size": "x"}])
def test_bad_paging_is_400(args):
    with pytest.raises(BadRequest):
        parse_paging(args)


def test_paging_and_search_defaults_and_bounds():
    assert parse_paging({}) == (1, 100)
    assert parse_search({"search": " peanuts "}) == ("peanuts", 10)
    for args in ({"search": "  "}, {"search": "x" * 1001}, {"search": "a", "limit": "0"}):
        with pytest.raises(BadRequest):
            parse_search(args)


# ---- service -------------------------------------------------------------------------------

def test_add_counts_stored_memories_and_page_lists_newest_first(service):
    assert service.add(ALICE, convo("one", "", "two")) == 2
    assert service.add(ALICE, convo("three", cid="c2")) == 1
    page = service.page(ALICE, 1, 2)
    assert [m["memory"] for m in page["results"]] == ["three", "two"]
    assert (page["count"], page["next"], page["previous"]) == (3, 2, None)
    first = page["results"][0]
    assert set(first) == {"id", "memory", "user_id", "metadata", "created_at"}
    assert first["user_id"] == "u1" and first["metadata"] == {"conversation_id": "c2", "role": "user"}
    last = service.page(ALICE, 2, 2)
    assert [m["memory"] for m in last["results"]] == ["one"]
    assert (last["next"], last["previous"]) == (None, 1)
    assert service.page(ALICE, 9, 2)["results"] == []


def test_search_ranks_and_scores(service):
    service.add(ALICE, convo("My son is allergic to peanuts", "I love Lisbon", "Peanut butter is banned"))
    found = service.search(ALICE, "peanuts allergic son", 10)
    assert found[0]["memory"] == "My son is allergic to peanuts"
    assert found[0]["score"] > found[-1]["score"] > 0
    assert {m["memory"] for m in found} == {"My son is allergic to peanuts", "Peanut butter is banned"}
    assert service.search(Owner("alice", "nobody"), "peanuts", 10) == []


def test_memories_of_one_owner_are_invisible_to_another(service):
    service.add(ALICE, convo("secret plan"))
    for other in (Owner("bob", "u1"), Owner("alice", "u2")):
        assert service.search(other, "secret plan", 10) == []
        assert service.page(other, 1, 100)["count"] == 0
    memory_id = service.page(ALICE, 1, 1)["results"][0]["id"]
    with pytest.raises(NotFound):
        service.delete(Owner("bob", "u1"), memory_id)
    assert service.page(ALICE, 1, 1)["count"] == 1


def test_repeated_searches_reuse_the_snapshot_until_the_store_changes(store, service):
    service.add(ALICE, convo("alpha beta"))
    service.search(ALICE, "alpha", 5)
    service.search(ALICE, "beta", 5)
    assert (store.doc_loads, store.loads) == (1, 0)
    service.page(ALICE, 1, 10)
    service.page(ALICE, 1, 10)
    assert (store.doc_loads, store.loads) == (1, 1)
    # Another process (another Lambda container) writes: this one must not serve stale results.
    MemoryService(store).add(ALICE, convo("gamma"))
    assert [m["memory"] for m in service.search(ALICE, "gamma", 5)] == ["gamma"]
    assert (store.doc_loads, store.loads) == (2, 1)


def test_own_writes_update_the_cached_snapshot_without_a_reload(store, service):
    service.add(ALICE, convo("alpha"))
    service.search(ALICE, "alpha", 5)
    service.add(ALICE, convo("alpha again"))
    assert len(service.search(ALICE, "alpha", 5)) == 2
    gone = service.page(ALICE, 1, 1)["results"][0]["id"]
    service.delete(ALICE, gone)
    assert [m["memory"] for m in service.search(ALICE, "alpha", 5)] == ["alpha"]
    assert service.delete_all(ALICE) == 1
    assert service.search(ALICE, "alpha", 5) == []
    assert store.loads == 1


def test_delete_unknown_memory_is_404(service):
    with pytest.raises(NotFound):
        service.delete(ALICE, "0" * 22)


def test_the_per_user_limit_refuses_the_whole_post(store):
    service = MemoryService(store, max_per_user=3)
    service.add(ALICE, convo("a", "b"))
    with pytest.raises(PayloadTooLarge):
        service.add(ALICE, convo("c", "d"))
    assert service.page(ALICE, 1, 10)["count"] == 2
    assert service.add(Owner("alice", "u2"), convo("c", "d", "e")) == 3


def test_cache_evicts_least_recently_used_owners(store):
    from lambdachat.memory.service import SnapshotCache

    service = MemoryService(store, search_cache=SnapshotCache(max_users=2))
    owners = [Owner("p", f"u{i}") for i in range(3)]
    for owner in owners:
        service.add(owner, convo("x"))
        service.search(owner, "x", 1)
    loads = store.doc_loads
    service.search(owners[2], "x", 1)
    service.search(owners[0], "x", 1)   # evicted: read again
    assert store.doc_loads == loads + 1


def test_a_cold_search_reads_ids_and_texts_and_only_the_top_k_in_full(store):
    # Finding 18: a cold search loaded every memory in full (1.8 s for 2,500, ~15 s at the cap).
    fetched: list[list[str]] = []
    real = store.get_many

    def counted(owner, ids):
        fetched.append(list(ids))
        return real(owner, ids)

    store.get_many = counted
    MemoryService(store).add(ALICE, convo(*[f"note {n} about tea" for n in range(300)], "my son likes trains"))
    service = MemoryService(store)                       # another container: nothing cached
    top = service.search(ALICE, "trains", 3)
    assert [m["memory"] for m in top] == ["my son likes trains"]
    assert top[0]["metadata"] == {"conversation_id": "c1", "role": "user"} and "created_at" in top[0]
    assert store.loads == 0 and store.doc_loads == 1
    assert [len(ids) for ids in fetched] == [1]
    assert len(service.search(ALICE, "tea", 5)) == 5
    assert store.doc_loads == 1 and [len(ids) for ids in fetched] == [1, 5]


def test_search_leaves_out_a_memory_deleted_after_the_ranking(store):
    service = MemoryService(store)
    service.add(ALICE, convo("alpha one", "alpha two"))
    service.search(ALICE, "alpha", 5)
    real = store.get_many
    store.get_many = lambda owner, ids: [m for m in real(owner, ids) if m.text != "alpha two"]
    assert [m["memory"] for m in service.search(ALICE, "alpha", 5)] == ["alpha one"]
