"""Access keys: format, hashing, the authenticator and its short cache (LAMBDACHAT_AUTH=keys)."""

import pytest
from lambdachat.accesskeys.authenticator import KeyAuthenticator
from lambdachat.accesskeys.keys import create_key, hash_key, revoke_key
from lambdachat.accesskeys.store import InMemoryKeyStore
from lambdachat.errors import BadRequest, Conflict, ServiceUnavailable
from lambdachat.identity import Principal


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def store():
    return InMemoryKeyStore()


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def test_a_key_is_stored_only_as_its_hash(store):
    key = create_key(store, "alice")
    assert key.startswith("lck_") and len(key) == 47
    [record] = store.list()
    assert record.name == "alice" and record.key_hash == hash_key(key) and key not in repr(record)


@pytest.mark.parametrize("name", ["", "has space", "../x", "a" * 65, "anonymous", "-dash", "dot.ted"])
def test_key_names_become_principal_ids_so_only_key_safe_names(store, name):
    with pytest.raises(BadRequest):
        create_key(store, name)


def test_one_key_per_name(store):
    create_key(store, "alice")
    with pytest.raises(Conflict):
        create_key(store, "alice")
    assert revoke_key(store, "alice") is True
    assert revoke_key(store, "alice") is False
    create_key(store, "alice")


def test_valid_key_names_the_principal(store):
    key = create_key(store, "alice")
    assert KeyAuthenticator(store).authenticate(bearer(key)) == Principal("alice")
    assert KeyAuthenticator(store).authenticate({"Authorization": f"bearer  {key} "}) == Principal("alice")


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Basic YWxpY2U6eA=="},
    {"Authorization": "Bearer lck_short"}, {"Authorization": "Bearer " + "lck_" + "A" * 43},
    {"Authorization": "Bearer " + "x" * 5000},
])
def test_anything_but_a_known_key_is_no_principal(store, headers):
    create_key(store, "alice")
    assert KeyAuthenticator(store).authenticate(headers) is None


def test_x_api_key_is_never_an_access_key(store):
    key = create_key(store, "alice")
    assert KeyAuthenticator(store).authenticate({"x-api-key": key, "x_api_key": key}) is None


def test_malformed_keys_never_reach_storage(store):
    authenticator = KeyAuthenticator(store)
    authenticator.authenticate({"Authorization": "Bearer not-a-key"})
    assert store.finds == 0


def test_lookups_are_cached_and_a_revoked_key_stops_working_after_the_ttl(store):
    clock = Clock()
    key = create_key(store, "alice")
    authenticator = KeyAuthenticator(store, cache_seconds=10, clock=clock)
    for _ in range(5):
        assert authenticator.authenticate(bearer(key)) == Principal("alice")
    assert store.finds == 1
    revoke_key(store, "alice")
    clock.now += 9
    assert authenticator.authenticate(bearer(key)) == Principal("alice")   # within the cache interval
    clock.now += 1
    assert authenticator.authenticate(bearer(key)) is None
    assert store.finds == 2


def test_unknown_keys_are_cached_too(store):
    clock = Clock()
    authenticator = KeyAuthenticator(store, cache_seconds=10, clock=clock)
    stranger = "lck_" + "B" * 43
    for _ in range(3):
        assert authenticator.authenticate(bearer(stranger)) is None
    assert store.finds == 1


def test_storage_failure_is_503_not_401(store):
    class Broken(InMemoryKeyStore):
        def find(self, key_hash):
            raise ConnectionError("DynamoDB unreachable")

    with pytest.raises(ServiceUnavailable):
        KeyAuthenticator(Broken()).authenticate(bearer("lck_" + "C" * 43))
