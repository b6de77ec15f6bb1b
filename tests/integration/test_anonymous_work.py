"""Finding 7: what an anonymous caller can make the server do is bounded. A model list fetched
with the server's key is fetched once per TTL (counted at a local fake upstream), never shared
when a client's key made it; a share's body is read from S3 once per version however many of its
images are opened; both routes are rate-limited per IP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from lambdachat.config import Settings
from lambdachat.files import layout
from lambdachat.shares.service import ShareService
from lambdachat.shares.store import DynamoShareStore
from lambdachat.storage.s3 import S3Store

from tests.apps import create_app
from tests.aws import mocked_aws
from tests.fakes.audio import png
from tests.fakes.principals import as_, install_header_auth
from tests.fakes.upstream import FakeUpstream

MODELS = "/backend-api/v2/models/OpenAI"
BUCKET = "0b5e1d7c-2f4a-4c1e-9d2b-7a6f3e8c9d10"
SHARE = "5b0c6a2e-1f3d-4e8a-9c7b-2d4e6f8a0b1c"
SHOWN = f"/files/{BUCKET}/media/photo.png"


def model_calls(upstream: FakeUpstream) -> list[Any]:
    return [s for s in upstream.seen if s.method == "GET" and s.path.endswith("/models")]


@pytest.fixture
def server_keyed(monkeypatch: pytest.MonkeyPatch, upstream: FakeUpstream) -> Iterator[Any]:
    monkeypatch.setenv("OPENAI_BASE_URL", upstream.base_url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-operator")
    upstream.seen.clear()
    yield create_app(["provider_models"]).test_client()


def test_sixty_anonymous_model_lists_make_one_upstream_call(server_keyed: Any, upstream: FakeUpstream) -> None:
    answers = [server_keyed.get(MODELS) for _ in range(60)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.get_data() for a in answers}) == 1
    assert len(model_calls(upstream)) == 1
    assert model_calls(upstream)[0].headers["authorization"] == "Bearer sk-operator"


def test_the_list_is_fetched_again_after_its_ttl(monkeypatch: pytest.MonkeyPatch, server_keyed: Any,
                                                 upstream: FakeUpstream) -> None:
    monkeypatch.setenv("LAMBDACHAT_MODEL_CACHE_SECONDS", "0")   # 0 = keep nothing
    client = create_app(["provider_models"]).test_client()
    for _ in range(3):
        assert client.get(MODELS).status_code == 200
    assert len(model_calls(upstream)) == 3


def test_a_list_made_with_a_clients_key_is_neither_kept_nor_shared(server_keyed: Any,
                                                                   upstream: FakeUpstream) -> None:
    for _ in range(3):
        assert server_keyed.get(MODELS, headers={"x-api-key": "sk-client"}).status_code == 200
    assert [c.headers["authorization"] for c in model_calls(upstream)] == ["Bearer sk-client"] * 3
    assert server_keyed.get(MODELS).status_code == 200   # anonymous: the server's own fetch, not the client's
    assert model_calls(upstream)[-1].headers["authorization"] == "Bearer sk-operator"
    assert len(model_calls(upstream)) == 4


def test_a_failed_listing_is_not_kept(server_keyed: Any, upstream: FakeUpstream) -> None:
    from tests.fakes.upstream import OpenAIWire

    upstream.script(OpenAIWire.error(503, "down"))
    assert server_keyed.get(MODELS).status_code == 502
    assert server_keyed.get(MODELS).status_code == 200
    assert len(model_calls(upstream)) == 2


# ---- share media --------------------------------------------------------------------------------

@pytest.fixture
def shares(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    install_header_auth()
    with mocked_aws(monkeypatch):
        for name in ("photo.png", "later.png"):
            S3Store().put(layout.media_key("alice", BUCKET, name), png(), "image/png")
        yield create_app().test_client()


def _share(client: Any, content: str, token: str | None = None) -> str:
    body = {"id": "c-1", "title": "t", "items": [
        {"role": "user", "content": [{"bucket_id": BUCKET, "url": SHOWN, "name": "photo.png"}]},
        {"role": "assistant", "content": content}]}
    headers = {**as_("alice"), **({"x-share-token": token} if token else {})}
    response = client.post(f"/backend-api/v2/chat/{SHARE}", data=json.dumps(body),
                           content_type="application/json", headers=headers)
    assert response.status_code == 200, response.get_json()
    return str(response.get_json().get("owner_token") or token)


class CountingShareStore(DynamoShareStore):
    """The real store, counting the bodies it reads."""

    def __init__(self, reads: list[str]) -> None:
        super().__init__()
        self.reads = reads

    def read_body(self, item: Any) -> bytes:
        self.reads.append(item.body_key or "inline")
        return super().read_body(item)


def test_a_large_shares_body_is_read_once_per_version_not_per_image(shares: Any) -> None:
    reads: list[str] = []
    shares = create_app(shares=ShareService(CountingShareStore(reads), settings=Settings.from_env())).test_client()
    token = _share(shares, "x" * 1_000_000)        # spilled to S3
    for _ in range(20):
        assert shares.get(f"{SHOWN}?share={SHARE}").status_code == 200
    assert len(reads) == 1 and reads[0] != "inline"
    assert shares.get(f"/files/{BUCKET}/media/later.png?share={SHARE}").status_code == 404
    assert len(reads) == 1                          # a name the share does not show: no read either

    _share(shares, "x" * 1_000_000 + f" ![later](/files/{BUCKET}/media/later.png)", token)
    assert shares.get(f"/files/{BUCKET}/media/later.png?share={SHARE}").status_code == 200
    assert len(reads) == 2                          # the new version was read once
    revoked = shares.delete(f"/backend-api/v2/chat/{SHARE}", headers={"x-share-token": token, **as_("alice")})
    assert revoked.status_code == 200
    assert shares.get(f"{SHOWN}?share={SHARE}").status_code == 404


# ---- rate limits --------------------------------------------------------------------------------

IP = {"REMOTE_ADDR": "198.51.100.30"}


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch, upstream: FakeUpstream) -> Iterator[Any]:
    monkeypatch.setenv("LAMBDACHAT_RATE_LIMITS", "on")
    monkeypatch.setenv("OPENAI_BASE_URL", upstream.base_url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-operator")
    for group in ("MODELS", "SHARE_MEDIA"):
        monkeypatch.setenv(f"LAMBDACHAT_RATE_{group}_IP_PER_MINUTE", "1")
        monkeypatch.setenv(f"LAMBDACHAT_RATE_{group}_IP_BURST", "3")
    install_header_auth()
    with mocked_aws(monkeypatch):
        S3Store().put(layout.media_key("alice", BUCKET, "photo.png"), png(), "image/png")
        yield create_app().test_client()


def test_anonymous_model_lists_are_rate_limited_per_ip(limited: Any) -> None:
    assert [limited.get(MODELS, environ_base=IP).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert limited.get(MODELS, environ_base={"REMOTE_ADDR": "198.51.100.31"}).status_code == 200


def test_share_media_is_rate_limited_but_the_owners_own_media_is_not(limited: Any) -> None:
    _share(limited, "a cat")
    codes = [limited.get(f"{SHOWN}?share={SHARE}", environ_base=IP).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert limited.get(SHOWN, headers=as_("alice"), environ_base=IP).status_code == 200
