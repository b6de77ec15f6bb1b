"""A conversation that points at a bucket gets the bucket's text (or image) in its prompt, on moto."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping

import pytest
from lambdachat.identity import Principal
from lambdachat.providers.base import Content, Finish

from tests import documents
from tests.apps import create_app, override
from tests.aws import mocked_aws
from tests.fakes.providers import FakeProvider, install

BUCKET = "7c9a3e1f-2b4d-4e6a-8f0c-1d2e3f4a5b6c"
CHAT = "/backend-api/v2/conversation"


class HeaderAuthenticator:
    def authenticate(self, headers: Mapping[str, str]) -> Principal | None:
        return Principal(headers.get("x-test-principal", "alice"))


@pytest.fixture
def fake(monkeypatch):
    provider = FakeProvider(script=[Content("ok"), Finish("stop")])
    install(provider)
    return provider


@pytest.fixture
def client(fake, monkeypatch):
    override(authenticator=HeaderAuthenticator())
    with mocked_aws(monkeypatch):
        yield create_app(["files", "conversation"]).test_client()


def upload(client, *named):
    response = client.post(f"/backend-api/v2/files/{BUCKET}", content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(data), name) for name, data in named]})
    assert response.status_code == 200


def ask(client, content, principal="alice"):
    response = client.post(CHAT, json={"provider": "Fake", "messages": [{"role": "user", "content": content}]},
                           headers={"x-test-principal": principal})
    response.get_data()  # run the stream: the provider sees the request only then
    return response


def test_a_bucket_part_puts_the_extracted_text_into_the_prompt(client, fake):
    upload(client, ("plan.pdf", documents.pdf(["The launch code is TANGERINE-42"])))
    # No GET first: the conversation extracts what has not been read yet.
    response = ask(client, [{"type": "text", "text": "What is the launch code?"}, {"bucket_id": BUCKET}])
    assert response.status_code == 200
    assert json.loads(response.get_data(as_text=True).splitlines()[0])["type"] == "provider"
    sent = fake.requests[0].messages[0]["content"]
    assert sent == [{"type": "text", "text": "What is the launch code?"},
                    {"type": "text", "text": "```plan.pdf\nThe launch code is TANGERINE-42\n```\n\n"}]


def test_the_v1_marker_in_text_is_expanded(client, fake):
    upload(client, ("notes.md", b"# Notes\nBring an umbrella"))
    response = ask(client, f'Summarise this\n{{"bucket_id":"{BUCKET}"}}')
    assert response.status_code == 200
    expected = "Summarise this\n```notes.md\n# Notes\nBring an umbrella\n```\n\n"
    assert fake.requests[0].messages[0]["content"] == expected


def test_a_bucket_image_is_passed_as_a_data_uri(client, fake):
    upload(client, ("dot.png", b"\x89PNG\r\n\x1a\nfake"))
    part = {"bucket_id": BUCKET, "url": f"/files/{BUCKET}/media/dot.png", "name": "dot.png"}
    assert ask(client, [part, {"type": "text", "text": "What is this?"}]).status_code == 200
    image = fake.requests[0].messages[0]["content"][0]
    assert image == {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgpmYWtl"}}


@pytest.mark.parametrize("principal", ["alice", "bob"])
def test_an_unknown_or_foreign_bucket_is_404_before_streaming(client, fake, principal):
    if principal == "bob":
        upload(client, ("secret.txt", b"alice only"))
    response = ask(client, [{"bucket_id": BUCKET}], principal=principal)
    assert response.status_code == 404
    assert response.get_json() == {"error": {"message": "Bucket not found"}}
    assert fake.requests == []


def test_a_bad_bucket_id_in_a_message_is_400(client, fake):
    response = ask(client, [{"bucket_id": "../../etc"}])
    assert response.status_code == 400
    assert fake.requests == []
