"""Twenty writers doing read-modify-write on one share: no accepted update is ever lost.

Each writer GETs the share (body + ETag), appends its own item and POSTs with `If-Match`
holding that ETag; on 412/409 it reads again and retries. Every writer read the same first
version before anyone wrote (a barrier), so without the precondition all twenty would be
accepted on top of each other and most of their items would vanish. Run in-process against
moto (inline and spilled-to-S3 bodies) and through `lambdachat serve` with S3/DynamoDB in
their own process (a moto server), the deployed shape.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.apps import create_app
from tests.aws import keys_mode_env, linearizable_dynamodb, mocked_aws, moto_server
from tests.local_server import local_server

WRITERS = 20
ATTEMPTS = 60

# (method, path, headers, body) -> (status, headers, body)
Send = Callable[[str, str, dict[str, str], bytes | None], tuple[int, Any, bytes]]


def conversation(*items: dict[str, Any]) -> bytes:
    return json.dumps({"id": "c-1", "title": "t", "updated": 1, "items": list(items)}).encode()


def run_writers(send_for: Callable[[], Send], url: str, token: str, padding: int) -> dict[str, Any]:
    """Twenty read-modify-write writers; returns the statuses seen and the final body."""
    first_read = threading.Barrier(WRITERS, timeout=60)
    statuses: list[int] = []
    accepted: list[str] = []
    lock = threading.Lock()

    def writer(name: str) -> None:
        send = send_for()
        for attempt in range(ATTEMPTS):
            status, headers, raw = send("GET", url, {}, None)
            assert status == 200, raw
            body = json.loads(raw)
            body["items"].append({"role": "user", "content": name, "pad": "p" * padding})
            if attempt == 0:
                first_read.wait()   # everyone holds the same version before anyone writes
            status, _, raw = send("POST", url, {"content-type": "application/json", "x-share-token": token,
                                                "If-Match": headers["ETag"]}, json.dumps(body).encode())
            with lock:
                statuses.append(status)
            if status == 200:
                with lock:
                    accepted.append(name)
                return
            assert status in {409, 412}, raw

    threads = [threading.Thread(target=writer, args=(f"writer-{n}",)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    status, _, raw = send_for()("GET", url, {}, None)
    assert status == 200
    final = [item["content"] for item in json.loads(raw)["items"]]
    return {"statuses": statuses, "accepted": accepted, "final": final}


def assert_nothing_lost(result: dict[str, Any]) -> None:
    assert sorted(result["accepted"]) == sorted(f"writer-{n}" for n in range(WRITERS))
    # every accepted update is in the final body, exactly once, on top of the original item
    assert sorted(result["final"]) == sorted(["start", *result["accepted"]])
    assert result["statuses"].count(200) == WRITERS
    assert set(result["statuses"]) <= {200, 409, 412}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Any:
    with mocked_aws(monkeypatch) as client, linearizable_dynamodb(monkeypatch):
        yield client


@pytest.mark.parametrize("padding", [10, 2_000], ids=["inline", "spilled"])
def test_twenty_concurrent_writers_in_process_lose_nothing(aws: Any, padding: int) -> None:
    app = create_app()
    url = f"/backend-api/v2/chat/{uuid.uuid4()}"
    created = app.test_client().post(url, data=conversation({"role": "user", "content": "start"}),
                                     content_type="application/json")
    assert created.status_code == 200
    token = created.get_json()["owner_token"]

    def send_for() -> Send:
        client = app.test_client()

        def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> tuple[int, Any, bytes]:
            response = client.open(path, method=method, headers=headers, data=body)
            return response.status_code, response.headers, response.get_data()

        return send

    result = run_writers(send_for, url, token, padding)
    assert_nothing_lost(result)
    if padding > 1000:   # 20 x 2 KB: the body spilled to S3 and only the winner's object is left
        share_id = url.rsplit("/", 1)[1]
        objects = aws("s3").list_objects_v2(Bucket="lambdachat-files", Prefix=f"shares/{share_id}/")
        assert len(objects.get("Contents", [])) == 1


needs_local = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto", "boto3")),
    reason="the local server needs the `local` extra")


@needs_local
def test_twenty_concurrent_writers_through_the_server_with_storage_in_its_own_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with moto_server() as endpoint, linearizable_dynamodb(monkeypatch):
        env, keys = keys_mode_env(monkeypatch, endpoint, "alice")
        env["LAMBDACHAT_SHARE_INLINE_MAX_BYTES"] = "4096"   # bodies spill to S3 as they grow
        auth = {"Authorization": f"Bearer {keys['alice']}"}
        with local_server(env) as server:
            url = f"/backend-api/v2/chat/{uuid.uuid4()}"
            created = httpx.post(f"{server.url}{url}", headers={**auth, "content-type": "application/json"}, timeout=30,
                                 content=conversation({"role": "user", "content": "start"}))
            assert created.status_code == 200, created.text
            token = created.json()["owner_token"]

            def send_for() -> Send:
                client = httpx.Client(base_url=server.url, timeout=60)

                def send(method: str, path: str, headers: dict[str, str],
                         body: bytes | None) -> tuple[int, Any, bytes]:
                    response = client.request(method, path, headers={**headers, **auth}, content=body)
                    return response.status_code, response.headers, response.content

                return send

            assert_nothing_lost(run_writers(send_for, url, token, 300))
