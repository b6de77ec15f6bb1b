"""The IAM patterns in `storage.keys` (which infra grants) cover exactly the keys the adapters build."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from lambdachat.storage import keys

# fnmatch's `*` crosses `/` like IAM's does
PRINCIPALS = ["p1", "user@example.com", "a/../b"]


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_every_built_key_is_granted_by_its_pattern(principal: str) -> None:
    built = {
        keys.ALL_BUCKET_OBJECTS: keys.bucket_object(principal, "b1", "docs", "a.pdf"),
        keys.BUCKET_MEDIA_OBJECTS: keys.bucket_object(principal, "b1", "media", "a.png"),
        keys.ALL_GENERATED_MEDIA: keys.generated_media(keys.owner_tag(principal), "x.png"),
        keys.ALL_SHARE_BODIES: keys.share_body("s1", "v1"),
        keys.ALL_CREATE_CACHE: keys.create_cache_prefix(principal) + "abc.json",
        keys.ALL_MEMORY_SNAPSHOTS: keys.memory_snapshot(principal, "user-1"),
        keys.UPLOADED_FILES: keys.uploads_prefix(principal, "cookies") + "c.txt",
        keys.UPLOADED_CREDENTIALS: keys.uploads_prefix(principal, "credentials") + "c.txt.json",
    }
    for pattern, key in built.items():
        assert fnmatchcase(key, pattern), (pattern, key)


def test_the_media_grant_does_not_reach_a_buckets_documents() -> None:
    # shares may read a bucket's media for their visitors, never its documents or extracted text
    for principal in ("p1", "media"):   # an access key may be named "media"
        for part in ("docs", "text"):
            key = keys.bucket_object(principal, "bucket01", part, "media.pdf")
            assert not fnmatchcase(key, keys.BUCKET_MEDIA_OBJECTS), key


@pytest.mark.parametrize("principal", ["../etc", "a/b", "x" * 65, ""])
def test_a_principal_that_is_not_key_safe_never_becomes_a_path(principal: str) -> None:
    segment = keys.principal_segment(principal)
    assert "/" not in segment and ".." not in segment and segment
    assert keys.principal_segment(principal) == segment   # stable: the same data is found again


def test_share_bodies_name_their_share() -> None:
    assert keys.share_of_body(keys.share_body("abc", "v9")) == "abc"
