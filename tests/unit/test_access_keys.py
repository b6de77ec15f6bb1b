"""Access keys: format, hashing, the authenticator and its short cache (LAMBDACHAT_AUTH=keys)."""

import pytest
from lambdachat.accesskeys.authenticator import KeyAuthenticator
from lambdachat.accesskeys.keys import create_key, hash_key, revoke_key
from lambdachat.accesskeys.store import InMemoryKeyStore, KeyRecord
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


def _random_key(n: int) -> str:
    return "lck_" + f"{n:043d}"


def test_random_keys_never_evict_a_valid_key_from_the_cache(store):
    # Finding 7: 1,024 random keys used to clear the whole cache, so every valid key paid a read again.
    key = create_key(store, "alice")
    authenticator = KeyAuthenticator(store, cache_seconds=10, clock=Clock())
    assert authenticator.authenticate(bearer(key)) == Principal("alice")
    for n in range(5000):
        assert authenticator.authenticate(bearer(_random_key(n))) is None
    finds = store.finds
    assert authenticator.authenticate(bearer(key)) == Principal("alice")
    assert store.finds == finds   # still cached: no read for the valid key


def test_the_unknown_key_cache_is_bounded_on_its_own(store):
    authenticator = KeyAuthenticator(store, cache_seconds=10, clock=Clock(), negative_entries=100)
    for n in range(101):
        authenticator.authenticate(bearer(_random_key(n)))
    assert store.finds == 101
    authenticator.authenticate(bearer(_random_key(100)))   # recent: still known to be unknown
    assert store.finds == 101
    authenticator.authenticate(bearer(_random_key(0)))     # the oldest went out first
    assert store.finds == 102


def test_a_key_created_after_it_was_tried_works_once_the_unknown_entry_expires(store):
    clock = Clock()
    authenticator = KeyAuthenticator(store, cache_seconds=10, clock=clock)
    key = "lck_" + "D" * 43
    assert authenticator.authenticate(bearer(key)) is None
    store.add(KeyRecord(name="late", key_hash=hash_key(key), created_at=0))
    clock.now += 10
    assert authenticator.authenticate(bearer(key)) == Principal("late")
