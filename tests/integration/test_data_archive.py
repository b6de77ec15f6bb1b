"""`lambdachat data export|import`: every record and file moves, local → local through real servers
and local → a deployed stack (moto stands in for it); a truncated, tampered or newer archive is
refused with a message and nothing imported; importing twice changes nothing."""

from __future__ import annotations

import importlib.util
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import requests
from lambdachat.cli import main

from tests.aws import mocked_aws
from tests.local_server import local_server, run_lambdachat

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("gunicorn", "moto", "boto3")),
    reason="the local server needs the `local` extra (pip install -e '.[local]')")

TABLE, BUCKET = "lambdachat", "lambdachat-files"
BUCKET_ID = "a0000000-0000-4000-8000-000000000001"
SHARE = "/backend-api/v2/chat/moving-share"


def test_local_to_local_moves_files_shares_and_memories(tmp_path: Path) -> None:
    source, target, archive = tmp_path / "a", tmp_path / "b", str(tmp_path / "data.tar.gz")
    share = json.dumps({"id": "c", "title": "t", "items": [{"role": "user", "content": "shared words"}]})
    with local_server({"LAMBDACHAT_DATA_DIR": str(source)}) as server:
        assert requests.post(f"{server.url}/backend-api/v2/files/{BUCKET_ID}", timeout=30,
                             files=[("files", ("note.txt", b"moving day", "text/plain"))]).status_code == 200
        assert requests.post(f"{server.url}{SHARE}", data=share, timeout=30,
                             headers={"content-type": "application/json"}).status_code == 200
        assert requests.post(f"{server.url}/backend-api/v2/memory/u1", timeout=30, json={
            "id": "c", "items": [{"role": "user", "content": "remember the piano"}]}).status_code == 200
    exported = run_lambdachat(["data", "export", archive], {"LAMBDACHAT_DATA_DIR": str(source)}, timeout=120)
    assert exported.returncode == 0, exported.stderr
    for _ in range(2):  # the second import must change nothing
        loaded = run_lambdachat(["data", "import", archive], {"LAMBDACHAT_DATA_DIR": str(target)}, timeout=120)
        assert loaded.returncode == 0, loaded.stderr
    with local_server({"LAMBDACHAT_DATA_DIR": str(target)}) as server:
        text = requests.get(f"{server.url}/backend-api/v2/files/{BUCKET_ID}", timeout=30).text
        assert text == "```note.txt\nmoving day\n```\n\n"
        assert requests.get(f"{server.url}{SHARE}", timeout=30).json()["items"][0]["content"] == "shared words"
        memories = requests.get(f"{server.url}/backend-api/v2/memory/u1", timeout=30).json()["results"]
        assert [m["memory"] for m in memories] == ["remember the piano"]


def everything(client: Any) -> tuple[list[Any], dict[str, Any]]:
    items = sorted(client("dynamodb").scan(TableName=TABLE)["Items"],
                   key=lambda i: json.dumps(i, default=str, sort_keys=True))
    objects = {}
    for listed in client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", []):
        key = listed["Key"]
        found = client("s3").get_object(Bucket=BUCKET, Key=key)
        tags = client("s3").get_object_tagging(Bucket=BUCKET, Key=key)["TagSet"]
        objects[key] = (found["Body"].read(), found["ContentType"], tags)
    return items, objects


def wipe(client: Any) -> None:
    for item in client("dynamodb").scan(TableName=TABLE)["Items"]:
        client("dynamodb").delete_item(TableName=TABLE, Key={"pk": item["pk"], "sk": item["sk"]})
    for listed in client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client("s3").delete_object(Bucket=BUCKET, Key=listed["Key"])


@pytest.fixture
def filled(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    with mocked_aws(monkeypatch) as client:
        client("dynamodb").put_item(TableName=TABLE, Item={
            "pk": {"S": "memory#u1"}, "sk": {"S": "m1"}, "n": {"N": "7"}, "blob": {"B": b"\x00\xff"},
            "nested": {"M": {"list": {"L": [{"S": "x"}, {"B": b"\x01"}]}}}, "tags": {"SS": ["a", "b"]}})
        client("dynamodb").put_item(TableName=TABLE, Item={"pk": {"S": "keys"}, "sk": {"S": "alice"}})
        client("s3").put_object(Bucket=BUCKET, Key="shares/s1/body.json", Body=b'{"a": 1}',
                                ContentType="application/json", Tagging="expiring=1")
        client("s3").put_object(Bucket=BUCKET, Key="principals/local/buckets/b/f.bin", Body=bytes(range(256)) * 4000,
                                ContentType="application/octet-stream")
        before = everything(client)
        archive = str(tmp_path / "stack.tar.gz")
        assert main(["data", "--aws", "export", archive]) == 0
        yield client, before, archive


def test_an_archive_loads_into_a_deployed_table_and_bucket_and_twice_is_once(filled: Any) -> None:
    client, before, archive = filled
    wipe(client)
    assert main(["data", "--aws", "import", archive]) == 0
    assert everything(client) == before
    assert main(["data", "--aws", "import", archive]) == 0
    assert everything(client) == before


def rewritten(archive: str, path: Path, change: Any) -> str:
    """The archive with its members passed through `change(name, data) -> data`."""
    with tarfile.open(archive) as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(path, "w:gz") as out:
        for name, original in members:
            data = change(name, original)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return str(path)


def newer(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    return json.dumps({**json.loads(data), "version": 2}).encode()


def tampered(name: str, data: bytes) -> bytes:
    return data.replace(b"alice", b"mallory") if name == "records.jsonl" else data


@pytest.mark.parametrize("damage", ["truncated", "tampered", "newer"])
def test_a_bad_archive_is_refused_and_nothing_imported(filled: Any, tmp_path: Path, damage: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    client, _before, archive = filled
    if damage == "truncated":
        bad = tmp_path / "cut.tar.gz"
        bad.write_bytes(Path(archive).read_bytes()[: Path(archive).stat().st_size // 2])
        path = str(bad)
    else:
        path = rewritten(archive, tmp_path / f"{damage}.tar.gz", newer if damage == "newer" else tampered)
    wipe(client)
    capsys.readouterr()
    assert main(["data", "--aws", "import", path]) == 2
    message = capsys.readouterr().err
    assert message.startswith(f"lambdachat data: {path} refused, nothing imported")
    assert {"truncated": "truncated", "tampered": "checksum mismatch in records.jsonl",
            "newer": "version 2 is newer"}[damage] in message
    assert everything(client) == ([], {})
