"""kill -9 in the middle of a share update leaves a body in S3 that no item names: the sweep
finds and deletes it (and nothing a share still shows, nor a write that may still be in flight)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from lambdachat.cli import main
from lambdachat.shares.store import DynamoShareStore
from lambdachat.shares.sweep import sweep

from tests.apps import create_app
from tests.aws import mocked_aws

SID = "4e2d9b1c-7a3f-4c5e-8b6d-1f0e9d8c7b6a"
URL = f"/backend-api/v2/chat/{SID}"


class Killed(BaseException):
    """The process died: nothing after this point runs, no except/finally of ours sees it."""


def conversation(text: str) -> bytes:
    return json.dumps({"id": "c", "items": [{"role": "user", "content": text * 50_000}]}).encode()


def bodies(aws: Any) -> list[str]:
    listed = aws("s3").list_objects_v2(Bucket="lambdachat-files", Prefix="shares/")
    return sorted(o["Key"] for o in listed.get("Contents", []))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Any:
    with mocked_aws(monkeypatch) as client:
        yield client


def test_a_body_left_by_a_killed_update_of_a_never_expiring_share_is_swept(aws: Any,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    client = create_app().test_client()
    created = client.post(f"{URL}?expires=never", data=conversation("a"), content_type="application/json")
    token = created.get_json()["owner_token"]
    [live] = bodies(aws)
    tagging = aws("s3").get_object_tagging(Bucket="lambdachat-files", Key=live)["TagSet"]
    assert tagging == []   # a `never` body: no lifecycle rule may ever remove it

    def killed(**kwargs: Any) -> None:
        raise Killed()

    with monkeypatch.context() as patched, pytest.raises(Killed):
        patched.setattr(aws("dynamodb"), "put_item", killed)   # dies after the S3 put, before the item
        client.post(URL, data=conversation("b"), content_type="application/json",
                    headers={"x-share-token": token})
    assert len(bodies(aws)) == 2

    store = DynamoShareStore()
    assert sweep(store, now=time.time()) == 0            # young: might be a write in flight
    assert sweep(store, now=time.time() + 7200) == 1     # an hour later it is an orphan
    assert bodies(aws) == [live]
    assert client.get(URL).get_data() == conversation("a")


def test_the_cli_sweeps(aws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shares", "--aws", "sweep", "--grace-seconds", "0"]) == 0  # moto stands in for the stack
    assert "removed 0 orphaned share bodies" in capsys.readouterr().out
