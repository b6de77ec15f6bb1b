"""Media a share points to is public (contract, Identity): an anonymous viewer of a shared chat sees
the bucket images it shows — through that share only, and only while it lives."""

import json

import pytest
from lambdachat.files import layout
from lambdachat.storage.s3 import S3Store

from tests.apps import create_app
from tests.aws import mocked_aws
from tests.fakes.audio import png
from tests.fakes.principals import as_, install_header_auth

BUCKET = "0b5e1d7c-2f4a-4c1e-9d2b-7a6f3e8c9d10"
SHARE = "5b0c6a2e-1f3d-4e8a-9c7b-2d4e6f8a0b1c"
SHOWN = f"/files/{BUCKET}/media/photo.png"


@pytest.fixture
def client(monkeypatch):
    install_header_auth()   # keys mode: Bearer <name> is the principal <name>
    with mocked_aws(monkeypatch):
        S3Store().put(layout.media_key("alice", BUCKET, "photo.png"), png(), "image/png")
        S3Store().put(layout.media_key("alice", BUCKET, "private.png"), png(), "image/png")
        yield create_app().test_client()


def share(client, content: str) -> str:
    body = {"id": "c-1", "title": "t", "items": [
        {"role": "user", "content": [{"bucket_id": BUCKET, "url": SHOWN, "name": "photo.png"}]},
        {"role": "assistant", "content": content}]}
    response = client.post(f"/backend-api/v2/chat/{SHARE}", data=json.dumps(body),
                           content_type="application/json", headers=as_("alice"))
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["owner_token"])


def test_an_anonymous_viewer_sees_the_media_the_share_shows(client):
    share(client, "a cat")
    response = client.get(f"{SHOWN}?share={SHARE}")
    assert response.status_code == 200
    assert response.data == png()


def test_without_the_share_bucket_media_still_needs_a_key(client):
    share(client, "a cat")
    assert client.get(SHOWN).status_code == 401
    assert client.get(SHOWN, headers=as_("alice")).status_code == 200
    assert client.get(SHOWN, headers=as_("mallory")).status_code == 404


def test_a_share_opens_only_the_files_it_names(client):
    share(client, "a cat")
    assert client.get(f"/files/{BUCKET}/media/private.png?share={SHARE}").status_code == 404
    assert client.get(f"{SHOWN}?share=ffffffff-1f3d-4e8a-9c7b-2d4e6f8a0b1c").status_code == 404
    assert client.get(f"{SHOWN}?share=../../x").status_code == 400


def test_revoking_the_share_closes_its_media(client):
    token = share(client, "a cat")
    revoked = client.delete(f"/backend-api/v2/chat/{SHARE}", headers={"x-share-token": token, **as_("alice")})
    assert revoked.status_code == 200
    assert client.get(f"{SHOWN}?share={SHARE}").status_code == 404


def test_a_share_cannot_open_another_principals_bucket(client):
    # mallory shares a chat that names alice's file: the share's owner is mallory, whose bucket
    # of that id holds nothing, so nothing of alice's is served.
    body = {"id": "c-2", "title": "t", "items": [{"role": "user", "content": f"![x]({SHOWN})"}]}
    other = "6c1d7b3f-2a4e-4f9b-8d8c-3e5f7a9b1c2d"
    assert client.post(f"/backend-api/v2/chat/{other}", data=json.dumps(body), content_type="application/json",
                       headers=as_("mallory")).status_code == 200
    assert client.get(f"{SHOWN}?share={other}").status_code == 404


def test_a_share_naming_a_longer_filename_does_not_open_its_prefix(client):
    # the share shows photo.png.webp; photo.png (a different file of the same bucket) stays private
    S3Store().put(layout.media_key("alice", BUCKET, "photo.png.webp"), png(), "image/webp")
    body = {"id": "c-3", "title": "t", "items": [
        {"role": "user", "content": f"![x](/files/{BUCKET}/media/photo.png.webp)"}]}
    other = "7d2e8c4a-3b5f-4a0c-9e9d-4f6a8b0c2d3e"
    assert client.post(f"/backend-api/v2/chat/{other}", data=json.dumps(body), content_type="application/json",
                       headers=as_("alice")).status_code == 200
    assert client.get(f"/files/{BUCKET}/media/photo.png.webp?share={other}").status_code == 200
    assert client.get(f"/files/{BUCKET}/media/photo.png?share={other}").status_code == 404
