"""Share rules and the share service over the in-memory store (contract: Shared chats)."""

import json

import pytest
from lambdachat.errors import BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge
from lambdachat.shares import model
from lambdachat.shares.model import not_modified, parse_body, parse_expires
from lambdachat.shares.service import ShareService
from lambdachat.shares.store import InMemoryShareStore, ShareItem, VersionConflict

SID = "3f1c2a9e-8d4b-4c1e-9a7f-0b6e5d4c3b2a"
NOW = 1_750_000_000


def conversation(*texts, updated=1743300000000):
    return json.dumps({"id": "conv-1", "title": "t", "added": 1, "updated": updated,
                       "items": [{"role": "user", "content": t} for t in texts]}).encode()


class Clock:
    def __init__(self):
        self.now = float(NOW)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def service(clock):
    return ShareService(InMemoryShareStore(), clock=clock)


# ---- rules --------------------------------------------------------------------------------

@pytest.mark.parametrize("share_id", ["short", "-leading-dash-1", "has space 12345", "a" * 65, "../../etc/pw",
                                      "émoji-ünïcode", ""])
def test_bad_share_ids_are_400(share_id):
    with pytest.raises(BadRequest):
        model.check_share_id(share_id)


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"42", b"null", b"{not json", b"\xff\xfe{}",
                                 b'{"title": "no items"}', b'{"items": "not a list"}', b'{"items": [1]}'])
def test_bodies_that_are_not_a_conversation_are_400(raw):
    with pytest.raises(BadRequest):
        parse_body(raw)


def test_body_over_the_limit_is_413(monkeypatch):
    with pytest.raises(PayloadTooLarge):
        parse_body(conversation("x" * 200), max_bytes=100)


@pytest.mark.parametrize(("updated", "indexed"), [(1743300000000, 1743300000000), (1.0, 1), (True, None),
                                                  ("1743300000000", None), (10**30, None), (1.5, None)])
def test_only_whole_number_updated_values_are_indexed_for_v1_polling(updated, indexed):
    assert parse_body(conversation("hi", updated=updated)).updated == indexed


def test_expiry_defaults_to_30_days_and_accepts_seconds_or_never():
    assert parse_expires(None, NOW) == NOW + 30 * 86_400
    assert parse_expires("3600", NOW) == NOW + 3600
    assert parse_expires("never", NOW) is None
    assert parse_expires("NEVER", NOW) is None


@pytest.mark.parametrize("value", ["", "abc", "-5", "0", "59", "1.5", str(366 * 86_400), "9" * 40])
def test_bad_expiry_is_400(value):
    with pytest.raises(BadRequest):
        parse_expires(value, NOW)


ETAG = '"0123456789abcdef0123456789abcdef"'


@pytest.mark.parametrize(("header", "expected"), [
    (None, False), ("", False),
    (ETAG, True), (f"W/{ETAG}", True), (f'"other", {ETAG}', True), ("*", True),
    ("1743300000000", True),                     # V1: the integer `updated`
    ("1743300000001", False), ('"1743300000000"', False),
    # malformed: ignored, never an error
    ("abc", False), ('"unterminated', False), ("W/", False), ("1.5", False), ("9" * 400, False),
    ("\x00\x01", False), (",,,", False),
])
def test_if_none_match_accepts_our_etag_star_and_v1_integers_and_ignores_the_rest(header, expected):
    assert not_modified(header, ETAG, 1743300000000) is expected


def test_integer_if_none_match_never_matches_a_share_without_updated():
    assert not_modified("0", ETAG, None) is False   # V1's cold-cache 304 bug stays fixed


# ---- service --------------------------------------------------------------------------------

def test_first_post_creates_and_returns_the_token_once(service):
    saved = service.save(SID, conversation("hi"), token=None, expires=None, owner="local")
    assert saved.created and saved.owner_token and saved.expires_at == NOW + 30 * 86_400
    stored = service.store.get(SID)
    assert stored is not None
    assert saved.owner_token not in stored.token_hash and stored.token_hash == model.hash_token(saved.owner_token)
    again = service.save(SID, conversation("hi", "more"), token=saved.owner_token, expires=None, owner="local")
    assert not again.created and again.owner_token is None


@pytest.mark.parametrize("token", [None, "", "wrong-token-but-well-formed-xxxxxxxx", "short", "x" * 500])
def test_update_without_the_owner_token_is_403_and_changes_nothing(service, token):
    service.save(SID, conversation("original"), token=None, expires=None, owner="local")
    before = service.store.get(SID)
    with pytest.raises(Forbidden):
        service.save(SID, conversation("vandalised"), token=token, expires=None, owner="mallory")
    assert service.store.get(SID) == before
    assert service.body(service.fetch(SID))[1] == conversation("original")


def test_unused_id_with_another_shares_token_is_its_own_new_share(service):
    first = service.save(SID, conversation("a"), token=None, expires=None, owner="local")
    other = service.save("another-share-id", conversation("b"), token=first.owner_token, expires=None,
                         owner="local")
    assert other.created and other.owner_token != first.owner_token
    with pytest.raises(Forbidden):   # and the first token does not open the second share
        service.save("another-share-id", conversation("c"), token=first.owner_token, expires=None,
                     owner="local")


def test_unchanged_repost_writes_nothing(service):
    saved = service.save(SID, conversation("hi"), token=None, expires=None, owner="local")
    service.save(SID, conversation("hi"), token=saved.owner_token, expires=None, owner="local")
    assert service.store.get(SID).version == 1
    service.save(SID, conversation("hi", "new"), token=saved.owner_token, expires=None, owner="local")
    assert service.store.get(SID).version == 2


def test_expired_share_is_404_at_once_and_its_id_stays_taken_for_the_longest_expiry(service, clock):
    from lambdachat.shares.store import TOMBSTONE_SECONDS

    first = service.save(SID, conversation("old"), token=None, expires="60", owner="local")
    clock.now += 60
    with pytest.raises(NotFound):
        service.fetch(SID)
    with pytest.raises(NotFound):
        service.revoke(SID, first.owner_token)
    # a stranger cannot put their content behind the old link
    with pytest.raises(Conflict):
        service.save(SID, conversation("stranger"), token=None, expires=None, owner="mallory")
    clock.now += TOMBSTONE_SECONDS - 1
    with pytest.raises(Conflict):
        service.save(SID, conversation("stranger"), token=None, expires=None, owner="mallory")
    clock.now += 1   # every link to the old share has outlived the longest expiry
    fresh = service.save(SID, conversation("new"), token=None, expires=None, owner="local")
    assert fresh.created and fresh.owner_token != first.owner_token
    assert service.body(service.fetch(SID))[1] == conversation("new")


def test_a_revoked_share_id_stays_taken(service, clock):
    from lambdachat.shares.store import TOMBSTONE_SECONDS

    first = service.save(SID, conversation("old"), token=None, expires="never", owner="local")
    service.revoke(SID, first.owner_token)
    with pytest.raises(NotFound):
        service.fetch(SID)
    with pytest.raises(Conflict):
        service.save(SID, conversation("stranger"), token=None, expires=None, owner="mallory")
    clock.now += TOMBSTONE_SECONDS
    assert service.save(SID, conversation("new"), token=None, expires=None, owner="local").created


def test_expiry_is_chosen_at_creation_only(service):
    saved = service.save(SID, conversation("a"), token=None, expires="never", owner="local")
    assert saved.expires_at is None
    later = service.save(SID, conversation("b"), token=saved.owner_token, expires="3600", owner="local")
    assert later.expires_at is None


def test_revoke_needs_the_token(service):
    saved = service.save(SID, conversation("a"), token=None, expires=None, owner="local")
    with pytest.raises(Forbidden):
        service.revoke(SID, "not-the-token-not-the-token-xx")
    service.fetch(SID)
    service.revoke(SID, saved.owner_token)
    with pytest.raises(NotFound):
        service.fetch(SID)


def test_revoke_if_token_only_acts_for_the_owner(service):
    saved = service.save(SID, conversation("a"), token=None, expires=None, owner="local")
    assert service.revoke_if_token(SID, None) is False
    assert service.revoke_if_token(SID, "not-the-token-not-the-token-xx") is False
    assert service.revoke_if_token("bad id", saved.owner_token) is False
    assert service.revoke_if_token("unknown-share-id", saved.owner_token) is False
    service.fetch(SID)
    assert service.revoke_if_token(SID, saved.owner_token) is True
    with pytest.raises(NotFound):
        service.fetch(SID)


class StaleReads(InMemoryShareStore):
    """A store whose reads return an old item while `stale` is set: the loser of a race read it."""

    stale: ShareItem | None = None

    def get(self, share_id: str, *, consistent: bool = False) -> ShareItem | None:
        return self.stale if self.stale is not None else super().get(share_id, consistent=consistent)


def test_a_write_that_lost_a_race_is_409_and_the_winner_stays():
    store = StaleReads()
    service = ShareService(store, clock=lambda: NOW)
    saved = service.save(SID, conversation("a"), token=None, expires=None, owner="local")
    stale = store.get(SID)
    service.save(SID, conversation("a", "winner"), token=saved.owner_token, expires=None, owner="local")
    store.stale = stale
    with pytest.raises(Conflict):
        service.save(SID, conversation("a", "loser"), token=saved.owner_token, expires=None, owner="local")
    store.stale = None
    assert service.body(service.fetch(SID))[1] == conversation("a", "winner")


def test_in_memory_store_refuses_a_stale_version():
    store = InMemoryShareStore()
    body = parse_body(conversation("a"))
    item = store.create(SID, "h" * 64, body, expires_at=None, owner="local", now=NOW)
    store.replace(item, parse_body(conversation("b")), now=NOW)
    with pytest.raises(VersionConflict):
        store.replace(item, parse_body(conversation("c")), now=NOW)


# ---- If-Match: an update made from a stale copy is refused ----------------------------------

def test_an_update_from_a_stale_etag_is_412_and_the_newer_version_stays(service):
    from lambdachat.errors import PreconditionFailed

    saved = service.save(SID, conversation("a"), token=None, expires=None, owner="local")
    read = saved.etag
    second = service.save(SID, conversation("a", "first"), token=saved.owner_token, expires=None,
                          owner="local", if_match=read)
    with pytest.raises(PreconditionFailed):
        service.save(SID, conversation("a", "second"), token=saved.owner_token, expires=None,
                     owner="local", if_match=read)
    assert service.body(service.fetch(SID))[1] == conversation("a", "first")
    third = service.save(SID, conversation("a", "first", "second"), token=saved.owner_token, expires=None,
                         owner="local", if_match=f'"nope", {second.etag}')
    assert third.etag == service.fetch(SID).etag


def test_if_match_star_weak_and_malformed(service):
    from lambdachat.errors import PreconditionFailed

    saved = service.save(SID, conversation("a"), token=None, expires=None, owner="local")
    with pytest.raises(PreconditionFailed):   # If-Match compares strongly
        service.save(SID, conversation("b"), token=saved.owner_token, expires=None, owner="local",
                     if_match=f"W/{saved.etag}")
    with pytest.raises(BadRequest):           # never silently unconditional
        service.save(SID, conversation("b"), token=saved.owner_token, expires=None, owner="local",
                     if_match="12345")
    service.save(SID, conversation("b"), token=saved.owner_token, expires=None, owner="local", if_match="*")
    assert service.body(service.fetch(SID))[1] == conversation("b")


def test_if_match_on_a_share_that_does_not_exist_is_412_and_creates_nothing(service):
    from lambdachat.errors import PreconditionFailed

    with pytest.raises(PreconditionFailed):
        service.save(SID, conversation("a"), token=None, expires=None, owner="local", if_match="*")
    assert service.store.get(SID) is None


def test_a_plain_post_by_the_owner_stays_an_unconditional_write(service):
    saved = service.save(SID, conversation("a"), token=None, expires=None, owner="local")
    service.save(SID, conversation("b"), token=saved.owner_token, expires=None, owner="local")
    service.save(SID, conversation("c"), token=saved.owner_token, expires=None, owner="local")
    assert service.body(service.fetch(SID))[1] == conversation("c")


# ---- which media a share shows -----------------------------------------------------------------

def test_media_references_match_whole_names_only():
    bucket = "0b5e1d7c-2f4a-4c1e-9d2b-7a6f3e8c9d10"
    body = json.dumps({"items": [
        {"role": "user", "content": [{"bucket_id": bucket, "url": f"/files/{bucket}/media/caf%C3%A9.png",
                                      "name": "café.png"}]},
        {"role": "assistant", "content": f"![a](/files/{bucket}/media/pic.png.webp) and "
                                         f"/files/{bucket}/media/b.jpg. and /files/{bucket}/media/c.gif?x=1"},
    ]}).encode()
    assert model.media_references(body) == {(bucket, "café.png"), (bucket, "pic.png.webp"),
                                            (bucket, "b.jpg"), (bucket, "c.gif")}


class ReplacedWhileRead(InMemoryShareStore):
    """A spilled body that a concurrent update deletes between reading the item and reading the
    body, `races` times in a row (each update deletes the body it replaced)."""

    def __init__(self, races: int) -> None:
        super().__init__()
        self.races = races

    def read_body(self, item: ShareItem) -> bytes:
        if self.races > 0:
            self.races -= 1
            from lambdachat.shares.store import BodyMissing

            raise BodyMissing(item.share_id)
        return super().read_body(item)


def test_a_read_racing_a_burst_of_updates_finds_a_version_that_is_still_there():
    # 20 concurrent writers (test_shares_concurrency) lost the race twice in a row now and then: a 500.
    store = ReplacedWhileRead(races=0)
    service = ShareService(store, clock=lambda: NOW)
    service.save(SID, conversation("a"), token=None, expires=None, owner="local")
    store.races = 3
    assert service.body(service.fetch(SID))[1] == conversation("a")


def test_a_read_that_never_wins_the_race_is_a_503_to_retry_not_a_500():
    from lambdachat.errors import ServiceUnavailable

    store = ReplacedWhileRead(races=0)
    service = ShareService(store, clock=lambda: NOW)
    service.save(SID, conversation("a"), token=None, expires=None, owner="local")
    store.races = 10_000
    with pytest.raises(ServiceUnavailable):
        service.body(service.fetch(SID))
