"""/backend-api/v2/memory on DynamoDB (moto), through the Flask app: every rule of the route."""

from __future__ import annotations

import pytest
from lambdachat.memory.model import owner_for
from lambdachat.memory.service import MemoryService

from tests.apps import create_app, services_of
from tests.aws import mocked_aws
from tests.fakes.principals import as_, install_header_auth

BASE = "/backend-api/v2/memory"


@pytest.fixture
def client(monkeypatch):
    install_header_auth()
    with mocked_aws(monkeypatch):
        yield create_app(["memory"]).test_client()


def add(client, *texts, who="alice", user="u1", cid="conv-1"):
    body = {"id": cid, "title": "t", "items": [{"role": "user", "content": t} for t in texts]}
    return client.post(f"{BASE}/{user}", json=body, headers=as_(who))


def test_post_adds_non_empty_items_and_get_pages_them(client):
    response = add(client, "I live in Porto", "", "My son is allergic to peanuts")
    assert response.status_code == 200
    assert response.get_json() == {"count": 2}
    page = client.get(f"{BASE}/u1?page=1&page_size=1", headers=as_("alice")).get_json()
    assert page["count"] == 2 and page["next"] == 2
    newest = page["results"][0]
    assert newest["memory"] == "My son is allergic to peanuts"
    assert newest["user_id"] == "u1"
    assert newest["metadata"] == {"conversation_id": "conv-1", "role": "user"}
    assert newest["created_at"].endswith("+00:00")


def test_search_returns_ranked_memories_with_scores(client):
    add(client, "I love Lisbon", "My son is allergic to peanuts", "Peanut butter is banned at school")
    found = client.get(f"{BASE}/u1?search=peanuts%20allergic", headers=as_("alice")).get_json()
    assert found[0]["memory"] == "My son is allergic to peanuts"
    assert all(m["score"] > 0 for m in found)
    assert len(client.get(f"{BASE}/u1?search=peanuts&limit=1", headers=as_("alice")).get_json()) == 1


def test_search_after_a_write_by_another_container_sees_it(client):
    add(client, "alpha")
    assert len(client.get(f"{BASE}/u1?search=alpha", headers=as_("alice")).get_json()) == 1
    # A second warm container: its own service and cache, the same table.
    other = MemoryService(services_of(client.application).memory().store)
    other.add(owner_for("alice", "u1"), {"id": "c", "items": [{"role": "user", "content": "alpha two"}]})
    assert len(client.get(f"{BASE}/u1?search=alpha", headers=as_("alice")).get_json()) == 2


def test_delete_one_and_all(client):
    add(client, "one", "two", "three")
    first = client.get(f"{BASE}/u1", headers=as_("alice")).get_json()["results"][0]
    response = client.delete(f"{BASE}/u1/{first['id']}", headers=as_("alice"))
    assert response.status_code == 200
    assert client.delete(f"{BASE}/u1/{first['id']}", headers=as_("alice")).status_code == 404
    assert client.get(f"{BASE}/u1", headers=as_("alice")).get_json()["count"] == 2
    assert client.delete(f"{BASE}/u1", headers=as_("alice")).get_json()["count"] == 2
    assert client.get(f"{BASE}/u1", headers=as_("alice")).get_json()["count"] == 0
    assert add(client, "after").get_json() == {"count": 1}


def test_another_principal_never_sees_reads_or_deletes_them(client):
    add(client, "alice's secret plan", who="alice")
    mine = client.get(f"{BASE}/u1", headers=as_("alice")).get_json()["results"][0]
    assert client.get(f"{BASE}/u1", headers=as_("bob")).get_json()["count"] == 0
    assert client.get(f"{BASE}/u1?search=secret", headers=as_("bob")).get_json() == []
    assert client.delete(f"{BASE}/u1/{mine['id']}", headers=as_("bob")).status_code == 404
    assert client.delete(f"{BASE}/u1", headers=as_("bob")).get_json()["count"] == 0
    assert client.get(f"{BASE}/u1", headers=as_("alice")).get_json()["count"] == 1


def test_without_credentials_every_memory_route_is_401(client):
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(f"{BASE}/u1", json={"id": "c", "items": []})
        assert response.status_code == 401
        assert "error" in response.get_json()


@pytest.mark.parametrize(("path", "status"), [
    (f"{BASE}/u1?page=abc", 400), (f"{BASE}/u1?page_size=101", 400), (f"{BASE}/u1?search=", 400),
    (f"{BASE}/a%23b", 400), (f"{BASE}/-x", 400),
])
def test_bad_queries_and_user_ids_are_400(client, path, status):
    response = client.get(path, headers=as_("alice"))
    assert response.status_code == status
    assert response.get_json()["error"]["message"]


def test_malformed_memory_id_is_400(client):
    assert client.delete(f"{BASE}/u1/nope", headers=as_("alice")).status_code == 400


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"id": "c"}', b'{"id": "c", "items": [{"content": "x"}]}'])
def test_malformed_bodies_are_400_and_store_nothing(client, body):
    response = client.post(f"{BASE}/u1", data=body, headers={**as_("alice"), "Content-Type": "application/json"})
    assert response.status_code == 400
    assert client.get(f"{BASE}/u1", headers=as_("alice")).get_json()["count"] == 0


def test_oversize_item_and_too_many_items_are_413_and_store_nothing(client):
    assert add(client, "ok", "x" * (8 * 1024 + 1)).status_code == 413
    assert add(client, *["x"] * 501).status_code == 413
    assert client.get(f"{BASE}/u1", headers=as_("alice")).get_json()["count"] == 0


def test_per_user_limit_is_413(client, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_MEMORY_MAX_PER_USER", "3")
    client = create_app(["memory"]).test_client()
    assert add(client, "a", "b").status_code == 200
    assert add(client, "c", "d").status_code == 413
    assert add(client, "c").status_code == 200
    assert client.get(f"{BASE}/u1", headers=as_("alice")).get_json()["count"] == 3


def test_a_user_with_more_than_one_query_page_of_memories_loads_them_all(client):
    # 600 memories of 2 KB is above DynamoDB's 1 MB page: the load must follow LastEvaluatedKey.
    for batch in range(2):
        assert add(client, *[f"note {batch}-{i} " + "x" * 2000 for i in range(300)]).status_code == 200
    fresh = MemoryService(services_of(client.application).memory().store)
    assert fresh.page(owner_for("alice", "u1"), 1, 100)["count"] == 600


def test_a_new_container_searches_without_reading_every_memory(client):
    # Finding 18: a cold search read all of a user's memories from the table before ranking.
    from lambdachat.storage import aws

    add(client, *[f"note {i} about tea" for i in range(200)], "my son likes trains")
    calls: list[str] = []
    db = aws.client("dynamodb")
    for operation in ("Query", "BatchGetItem"):
        db.meta.events.register(f"before-call.dynamodb.{operation}", lambda model, **_: calls.append(model.name))
    cold = create_app(["memory"]).test_client()          # its own services: nothing cached in process
    found = cold.get(f"{BASE}/u1?search=trains", headers=as_("alice")).get_json()
    assert [m["memory"] for m in found] == ["my son likes trains"]
    assert calls == ["BatchGetItem"]                      # the top 1 in full; no Query of all 201
