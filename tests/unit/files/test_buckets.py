"""The bucket service on in-memory storage: what is stored, refused, cached and forgotten."""

import io

import pytest
from lambdachat.config import Settings
from lambdachat.errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from lambdachat.files import limits
from lambdachat.files.buckets import Buckets, Incoming
from lambdachat.files.reading import Done, Failed, Loaded, MediaFound
from lambdachat.identity import Principal

from tests import documents
from tests.fakes.files import MemoryBlobStore, MemoryBucketIndex

BUCKET = "0b7e1c9e-5f1a-4a8e-9a55-2d2c1e7f9b11"


@pytest.fixture
def store():
    return MemoryBlobStore()


@pytest.fixture
def index():
    return MemoryBucketIndex()


@pytest.fixture
def alice(store, index):
    return Buckets(store, index, Principal("alice"))


@pytest.fixture
def bob(store, index):
    return Buckets(store, index, Principal("bob"))


def files(**named: bytes) -> list[Incoming]:
    return [Incoming(name.replace("__", "."), io.BytesIO(data)) for name, data in named.items()]


def test_upload_sorts_documents_media_and_skipped(alice, store):
    result = alice.upload(BUCKET, files(notes__txt=b"hello", photo__png=b"\x89PNG", tool__exe=b"MZ"))
    assert result.body() == {"bucket_id": BUCKET, "files": ["notes.txt"], "media": ["photo.png"],
                             "skipped": [{"name": "tool.exe", "reason": "unsupported file type"}]}
    assert set(store.objects) == {f"buckets/alice/{BUCKET}/docs/notes.txt",
                                  f"buckets/alice/{BUCKET}/media/photo.png"}


def test_hostile_names_are_stored_under_safe_keys(alice, store):
    alice.upload(BUCKET, [Incoming("../../../etc/passwd.txt", io.BytesIO(b"x"))])
    assert list(store.objects) == [f"buckets/alice/{BUCKET}/docs/etc_passwd.txt"]


def test_a_nul_in_any_name_refuses_the_whole_upload(alice, store, index):
    with pytest.raises(BadRequest):
        alice.upload(BUCKET, [Incoming("ok.txt", io.BytesIO(b"x")), Incoming("a\x00.txt", io.BytesIO(b"y"))])
    assert store.objects == {} and index.counts == {}


def test_a_zip_bomb_refuses_the_whole_upload(alice, store, index):
    alice.limits = limits.current(Settings(zip_max_unpacked_mb=20))
    with pytest.raises(PayloadTooLarge):
        alice.upload(BUCKET, [Incoming("ok.txt", io.BytesIO(b"x")),
                              Incoming("bomb.zip", io.BytesIO(documents.zip_bomb(21)))])
    assert store.objects == {} and index.counts == {}


def test_files_per_bucket_is_a_limit_across_uploads(alice, store):
    alice.limits = limits.current(Settings(bucket_max_files=2))
    alice.upload(BUCKET, files(a__txt=b"a"))
    alice.upload(BUCKET, files(a__txt=b"a2"))  # replacing a file takes no new room
    with pytest.raises(PayloadTooLarge, match="at most 2"):
        alice.upload(BUCKET, files(b__txt=b"b", c__txt=b"c"))
    assert len(store.objects) == 1
    alice.upload(BUCKET, files(b__txt=b"b"))


def test_read_extracts_once_then_serves_the_cache(alice, store):
    alice.upload(BUCKET, [Incoming("doc.pdf", io.BytesIO(documents.pdf(["Cached words"])))])
    first = list(alice.read(BUCKET, delete_files=False))
    assert isinstance(first[0], Loaded) and "```doc.pdf\nCached words\n```" in first[0].text
    assert isinstance(first[-1], Done) and first[-1].total == len(first[0].text.encode())
    downloads = len(store.downloads)
    second = list(alice.read(BUCKET, delete_files=False))
    assert second == first
    assert len(store.downloads) == downloads  # nothing was downloaded or parsed again


def test_delete_files_drops_the_originals_but_keeps_the_text(alice, store):
    alice.upload(BUCKET, files(a__txt=b"keep me"))
    list(alice.read(BUCKET, delete_files=True))
    assert f"buckets/alice/{BUCKET}/docs/a.txt" not in store.objects
    assert alice.text(BUCKET) == "```a.txt\nkeep me\n```\n\n"


def test_a_reupload_is_read_again(alice):
    alice.upload(BUCKET, files(a__txt=b"old"))
    assert "old" in alice.text(BUCKET)
    alice.upload(BUCKET, files(a__txt=b"new"))
    assert "new" in alice.text(BUCKET) and "old" not in alice.text(BUCKET)


def test_a_broken_document_fails_alone(alice):
    alice.upload(BUCKET, [Incoming("locked.pdf", io.BytesIO(documents.encrypted_pdf("x"))),
                          Incoming("fine.txt", io.BytesIO(b"fine")),
                          Incoming("pic.png", io.BytesIO(b"\x89PNG"))])
    events = list(alice.read(BUCKET, delete_files=True))
    assert [type(e) for e in events] == [Failed, Loaded, MediaFound, Done]
    assert "encrypted" in events[0].message
    states = {r.name: (r.state, r.error) for r in alice.status(BUCKET)}
    assert states["locked.pdf"][0] == "error" and "encrypted" in states["locked.pdf"][1]
    assert states["fine.txt"] == ("ready", None) and states["pic.png"] == ("ready", None)
    assert next(iter(alice.read(BUCKET, delete_files=True))) == events[0]  # the error is remembered


def test_an_id_another_principal_uses_answers_exactly_like_an_unused_one(alice, bob, store):
    # no existence oracle: bob sees alice's id as an empty id of his own (404 to read and delete,
    # his own new bucket to write), and nothing of alice's is read, changed or revealed
    alice.upload(BUCKET, files(secret__txt=b"alice only"))
    unused = "1c8f2d0a-6e2b-4b9f-8a66-3e3d2f8a0c22"
    for bucket_id in (BUCKET, unused):
        for read in (lambda b: list(bob.read(b, delete_files=False)), bob.status, bob.text,
                     lambda b: bob.delete(b, lambda: False)):
            with pytest.raises(NotFound):
                read(bucket_id)
        assert bob.upload(bucket_id, files(mine__txt=b"bob")).files == ["mine.txt"]
        assert bob.presign(bucket_id, "big.pdf", 10)["state"] == "uploading"
        assert bob.text(bucket_id) == "```mine.txt\nbob\n```\n\n"
    assert alice.text(BUCKET) == "```secret.txt\nalice only\n```\n\n"
    assert {key for key in store.objects if key.startswith("buckets/alice/")} == {
        f"buckets/alice/{BUCKET}/docs/secret.txt", f"buckets/alice/{BUCKET}/text/secret.txt.md"}


def test_delete_removes_every_object_and_record(alice, store, index):
    alice.upload(BUCKET, files(a__txt=b"a", p__png=b"p"))
    list(alice.read(BUCKET, delete_files=False))
    alice.delete(BUCKET, lambda: False)
    assert store.objects == {} and index.counts == {} and index.files("alice", BUCKET) == []
    with pytest.raises(NotFound):
        alice.delete(BUCKET, lambda: False)


def test_delete_of_a_share_id_succeeds_when_the_share_was_revoked(alice):
    alice.delete(BUCKET, lambda: True)  # no bucket, but the caller's share is gone: V1's success


def test_presigned_upload_moves_through_its_states(alice, store):
    ticket = alice.presign(BUCKET, "Big Report.pdf", 1234)
    assert ticket["name"] == "Big_Report.pdf" and ticket["state"] == "uploading"
    key = ticket["upload"]["fields"]["key"]
    assert key == f"buckets/alice/{BUCKET}/docs/Big_Report.pdf"
    assert [(r.name, r.state) for r in alice.status(BUCKET)] == [("Big_Report.pdf", "uploading")]
    with pytest.raises(Conflict):
        alice.complete(BUCKET, "Big_Report.pdf")  # nothing uploaded yet
    store.objects[key] = documents.pdf(["Straight to storage"])  # what the browser's POST does
    record = alice.complete(BUCKET, "Big_Report.pdf")
    assert (record.state, record.size) == ("ready", len(store.objects[key]))
    assert "Straight to storage" in alice.text(BUCKET)


def test_presigned_media_lands_where_the_media_routes_serve_it(alice, store):
    ticket = alice.presign(BUCKET, "clip.mp4", None)
    assert ticket["upload"]["fields"]["key"] == f"buckets/alice/{BUCKET}/media/clip.mp4"
    store.objects[ticket["upload"]["fields"]["key"]] = b"\x00\x00\x00\x18ftypmp42"
    assert alice.complete(BUCKET, "clip.mp4").state == "ready"


def test_presign_refuses_unsupported_types_and_declared_oversize(alice, index):
    with pytest.raises(BadRequest):
        alice.presign(BUCKET, "setup.exe", 10)
    alice.limits = limits.current(Settings(upload_max_mb=1))
    with pytest.raises(PayloadTooLarge):
        alice.presign(BUCKET, "big.pdf", 2 * 1024 * 1024)
    assert index.counts == {}


def test_an_upload_over_the_cap_is_deleted_on_complete(alice, store, index):
    alice.limits = limits.current(Settings(upload_max_mb=1))
    ticket = alice.presign(BUCKET, "big.txt", 100)
    store.objects[ticket["upload"]["fields"]["key"]] = b"x" * (1024 * 1024 + 1)  # the client lied
    with pytest.raises(PayloadTooLarge):
        alice.complete(BUCKET, "big.txt")
    assert store.objects == {} and index.files("alice", BUCKET) == [] and index.counts[("alice", BUCKET)] == 0


def test_a_presigned_zip_bomb_is_deleted_on_complete(alice, store, index):
    alice.limits = limits.current(Settings(zip_max_unpacked_mb=10))
    ticket = alice.presign(BUCKET, "bomb.zip", None)
    store.objects[ticket["upload"]["fields"]["key"]] = documents.zip_bomb(11)
    with pytest.raises(PayloadTooLarge):
        alice.complete(BUCKET, "bomb.zip")
    assert store.objects == {} and index.files("alice", BUCKET) == []


def test_complete_needs_a_clean_known_name(alice):
    alice.presign(BUCKET, "a.txt", 1)
    with pytest.raises(BadRequest):
        alice.complete(BUCKET, "../a.txt")
    with pytest.raises(NotFound):
        alice.complete(BUCKET, "b.txt")


def test_media_data_uri_for_vision_models(alice):
    alice.upload(BUCKET, files(cat__png=b"\x89PNGcat"))
    content_type, uri = alice.media_data_uri(BUCKET, "cat.png", 1024)
    assert content_type == "image/png" and uri == "data:image/png;base64,iVBOR2NhdA=="
    with pytest.raises(PayloadTooLarge):
        alice.media_data_uri(BUCKET, "cat.png", 3)
    with pytest.raises(NotFound):
        alice.media_data_uri(BUCKET, "dog.png", 1024)
