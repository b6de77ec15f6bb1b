"""/backend-api/v2/files/<bucket_id> through the Flask app on moto: each route and each bad input."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping

import pytest
from lambdachat.identity import Principal
from lambdachat.storage.resources import FILES_BUCKET, MAIN_TABLE

from tests import documents
from tests.apps import create_app, override, services_of
from tests.aws import mocked_aws

BUCKET = "0b7e1c9e-5f1a-4a8e-9a55-2d2c1e7f9b11"
FILES = f"/backend-api/v2/files/{BUCKET}"
SSE = {"Accept": "text/event-stream"}


class HeaderAuthenticator:
    """Keys mode stand-in: the principal is whoever `x-test-principal` names."""

    def authenticate(self, headers: Mapping[str, str]) -> Principal | None:
        return Principal(headers.get("x-test-principal", "alice"))


@pytest.fixture
def aws(monkeypatch):
    with mocked_aws(monkeypatch) as client:
        yield client


@pytest.fixture
def client(aws, monkeypatch):
    override(authenticator=HeaderAuthenticator())
    return create_app(["files"]).test_client()


def keys(aws) -> list[str]:
    return [o["Key"] for o in aws("s3").list_objects_v2(Bucket=FILES_BUCKET.name).get("Contents", [])]


def index_items(aws) -> list[dict]:
    return aws("dynamodb").scan(TableName=MAIN_TABLE.name)["Items"]


def upload(client, *named: tuple[str, bytes], bucket: str = BUCKET, principal: str = "alice"):
    data = {"files": [(io.BytesIO(content), name) for name, content in named]}
    return client.post(f"/backend-api/v2/files/{bucket}", data=data, content_type="multipart/form-data",
                       headers={"x-test-principal": principal})


def frames(response) -> list[dict]:
    body = response.get_data(as_text=True)
    assert body.endswith("\n\n")
    return [json.loads(chunk.removeprefix("data: ")) for chunk in body.strip().split("\n\n")]


def test_post_stores_documents_and_media_and_lists_what_was_skipped(client, aws):
    response = upload(client, ("notes.txt", b"hi"), ("photo.png", b"\x89PNG"), ("run.exe", b"MZ"))
    assert response.status_code == 200
    assert response.get_json() == {"bucket_id": BUCKET, "files": ["notes.txt"], "media": ["photo.png"],
                                   "skipped": [{"name": "run.exe", "reason": "unsupported file type"}]}
    prefix = f"buckets/alice/{BUCKET}"
    assert sorted(keys(aws)) == [f"{prefix}/docs/notes.txt", f"{prefix}/media/photo.png"]


def test_get_returns_each_file_fenced_as_plain_text(client):
    upload(client, ("a.pdf", documents.pdf(["Pages of a PDF"])), ("b.docx", documents.docx(["Word text"])))
    response = client.get(FILES)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "```a.pdf\nPages of a PDF\n```\n\n```b.docx\nWord text\n```\n\n"


def test_second_get_reads_the_cache(client, aws, monkeypatch):
    upload(client, ("a.xlsx", documents.xlsx({"S": [["k", "v"]]})))
    first = client.get(FILES).get_data(as_text=True)
    assert f"buckets/alice/{BUCKET}/docs/a.xlsx" not in keys(aws)  # delete_files defaults to true (V1)
    assert f"buckets/alice/{BUCKET}/text/a.xlsx.md" in keys(aws)

    def no_more_parsing(*args, **kwargs):
        raise AssertionError("extracted twice")

    monkeypatch.setattr("lambdachat.files.reading.extract", no_more_parsing)
    assert client.get(FILES).get_data(as_text=True) == first == "```a.xlsx\n## S\nk\tv\n```\n\n"


def test_event_stream_reports_load_media_error_and_done(client):
    upload(client, ("ok.txt", b"twelve bytes"), ("bad.pdf", b"%PDF-1.4 broken"), ("cat.png", b"\x89PNG"))
    response = client.get(FILES, headers=SSE)
    assert response.mimetype == "text/event-stream"
    events = frames(response)
    text_size = len(b"```ok.txt\ntwelve bytes\n```\n\n")
    assert events[0] == {"action": "load", "size": text_size, "filename": "ok.txt"}
    assert events[1]["error"]["message"].startswith("bad.pdf: could not read")
    assert events[2:] == [{"action": "media", "filename": "cat.png"}, {"action": "done", "size": text_size}]
    assert frames(client.get(f"{FILES}/stream"))[-1] == {"action": "done", "size": text_size}  # V2 path


def test_flags_are_real_booleans(client, aws):
    upload(client, ("a.txt", b"a"))
    assert client.get(f"{FILES}?delete_files=false&refine_chunks_with_spacy=false").status_code == 200
    assert f"buckets/alice/{BUCKET}/docs/a.txt" in keys(aws)  # "false" means false (V1: truthy string)
    response = client.get(f"{FILES}?delete_files=maybe")
    assert response.status_code == 400
    assert "delete_files" in response.get_json()["error"]["message"]


def test_status_shows_each_files_state(client):
    upload(client, ("a.txt", b"a"), ("b.png", b"b"), ("c.pdf", b"not a pdf"))
    before = client.get(f"{FILES}/status").get_json()["files"]
    assert [(f["name"], f["state"]) for f in before] == [("a.txt", "processing"), ("b.png", "ready"),
                                                          ("c.pdf", "processing")]
    client.get(FILES)
    after = {f["name"]: f for f in client.get(f"{FILES}/status").get_json()["files"]}
    assert after["a.txt"] == {"name": "a.txt", "kind": "document", "state": "ready", "size": 1}
    assert after["c.pdf"]["state"] == "error" and "c.pdf" in after["c.pdf"]["error"]


def test_delete_removes_every_object_and_record(client, aws):
    upload(client, ("a.txt", b"a"), ("b.png", b"b"))
    client.get(FILES)
    response = client.delete(FILES)
    assert response.status_code == 200
    assert response.get_json() == {"message": "Bucket deleted successfully"}
    assert keys(aws) == [] and index_items(aws) == []
    assert client.get(FILES).status_code == 404
    assert client.delete(FILES).status_code == 404


def test_delete_of_a_share_id_revokes_the_share_first(aws):
    seen = []

    class Shares:
        def revoke_if_token(self, share_id, token):
            seen.append((share_id, token))
            return True

    client = create_app(["files"], shares=Shares()).test_client()
    response = client.delete(FILES, headers={"x-share-token": "tok"})
    assert response.status_code == 200 and seen == [(BUCKET, "tok")]


def test_unknown_bucket_is_404_as_json(client):
    for response in (client.get(FILES), client.get(FILES, headers=SSE), client.get(f"{FILES}/status")):
        assert response.status_code == 404
        assert response.get_json() == {"error": {"message": "Bucket not found"}}


@pytest.mark.parametrize("bad_id", ["short", "..abcdefgh", "ab%00cdefgh", "has.dot.in.it", "x" * 65,
                                    "-starts-with-dash"])
def test_bad_bucket_ids_are_400_everywhere_and_store_nothing(client, aws, bad_id):
    url = f"/backend-api/v2/files/{bad_id}"
    responses = [client.get(url), client.delete(url), client.get(f"{url}/status"),
                 client.post(url, data={"files": [(io.BytesIO(b"x"), "a.txt")]},
                             content_type="multipart/form-data"),
                 client.post(f"{url}/uploads", json={"filename": "a.txt", "size": 1})]
    assert {r.status_code for r in responses} == {400}
    assert keys(aws) == [] and index_items(aws) == []


def test_a_slash_in_a_bucket_id_matches_no_route(client):
    assert client.get("/backend-api/v2/files/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_hostile_filenames_never_reach_a_key(client, aws):
    response = upload(client, ("../../../../etc/passwd.txt", b"x"), ("/abs/path/notes.md", b"y"),
                      (("z" * 400) + ".txt", b"z"))
    names = response.get_json()["files"]
    assert names[:2] == ["etc_passwd.txt", "abs_path_notes.md"]
    assert len(names[2]) == 100 and names[2].endswith(".txt")
    for key in keys(aws):
        assert key.startswith(f"buckets/alice/{BUCKET}/docs/") and ".." not in key.split("/")[-1][:2]


def test_a_nul_in_a_filename_is_400_and_stores_nothing(client, aws):
    response = upload(client, ("fine.txt", b"x"), ("evil\x00.txt", b"y"))
    assert response.status_code == 400
    assert keys(aws) == [] and index_items(aws) == []


def test_a_body_over_the_request_limit_is_413_and_stores_nothing(aws, monkeypatch):
    override(authenticator=HeaderAuthenticator())
    monkeypatch.setenv("LAMBDACHAT_MAX_REQUEST_MB", "1")
    client = create_app(["files"]).test_client()
    response = upload(client, ("small.txt", b"x"), ("big.txt", b"y" * (1024 * 1024 + 1)))
    assert response.status_code == 413
    assert "error" in response.get_json()
    assert keys(aws) == [] and index_items(aws) == []


@pytest.mark.parametrize(("mode", "status"), [("cloud", 413), ("local", 200)])
def test_the_request_limit_is_5_mb_in_the_cloud_and_100_mb_locally(aws, monkeypatch, mode, status):
    override(authenticator=HeaderAuthenticator())
    monkeypatch.setenv("LAMBDACHAT_MODE", mode)
    client = create_app(["files"]).test_client()
    assert upload(client, ("six.txt", b"6" * (6 * 1024 * 1024))).status_code == status
    assert len(keys(aws)) == (1 if status == 200 else 0)


def test_files_per_bucket_limit_is_413_and_stores_nothing_more(client, aws, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_BUCKET_MAX_FILES", "2")
    client = create_app(["files"]).test_client()   # settings are read when the app is made
    assert upload(client, ("a.txt", b"a"), ("b.txt", b"b")).status_code == 200
    response = upload(client, ("c.txt", b"c"))
    assert response.status_code == 413
    assert len(keys(aws)) == 2


def test_a_zip_bomb_is_413_and_stores_nothing(client, aws, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_ZIP_MAX_UNPACKED_MB", "20")
    client = create_app(["files"]).test_client()   # settings are read when the app is made
    response = upload(client, ("readme.txt", b"x"), ("bomb.zip", documents.zip_bomb(25)))
    assert response.status_code == 413
    assert "bomb.zip" in response.get_json()["error"]["message"]
    assert keys(aws) == [] and index_items(aws) == []


def test_a_zip_with_too_many_members_is_413(client, aws, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_ZIP_MAX_MEMBERS", "5")
    client = create_app(["files"]).test_client()   # settings are read when the app is made
    response = upload(client, ("many.zip", documents.zip_of({f"{i}.txt": b"x" for i in range(6)})))
    assert response.status_code == 413
    assert keys(aws) == []


def test_zip_members_are_read_as_files(client):
    upload(client, ("pack.zip", documents.zip_of({"a.txt": b"alpha", "b.html": b"<p>beta</p>"})))
    assert client.get(FILES).get_data(as_text=True) == (
        "```pack.zip/a.txt\nalpha\n```\n\n```pack.zip/b.html\nbeta\n```\n\n")


def test_a_post_without_files_is_400(client):
    response = client.post(FILES, data={"other": "x"}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_an_id_another_principal_uses_answers_exactly_like_an_unused_one(client, aws):
    upload(client, ("private.txt", b"alice's"))
    bob = {"x-test-principal": "bob"}
    unused = "1c8f2d0a-6e2b-4b9f-8a66-3e3d2f8a0c22"

    def answers(bucket_id: str) -> list[tuple[int, object]]:
        url = f"/backend-api/v2/files/{bucket_id}"
        replies = [client.get(url, headers=bob), client.get(url, headers={**bob, **SSE}),
                   client.get(f"{url}/status", headers=bob), client.delete(url, headers=bob),
                   client.post(f"{url}/uploads/private.txt/complete", headers=bob),
                   upload(client, ("mine.txt", b"bob's"), bucket=bucket_id, principal="bob"),
                   client.post(f"{url}/uploads", json={"filename": "x.pdf", "size": 5}, headers=bob)]
        return [(r.status_code, (r.get_json(silent=True) or {}).get("error")) for r in replies]

    assert answers(BUCKET) == answers(unused)
    assert [status for status, _ in answers(unused)][:5] == [200, 200, 200, 200, 404]   # now bob's own
    assert [k for k in keys(aws) if k.startswith("buckets/alice/")] == [f"buckets/alice/{BUCKET}/docs/private.txt"]
    assert client.get(FILES).get_data(as_text=True) == "```private.txt\nalice's\n```\n\n"


def test_first_answers_for_another_principals_id_are_404_like_an_unused_one(client):
    upload(client, ("private.txt", b"alice's"))
    bob = {"x-test-principal": "bob"}
    for bucket_id in (BUCKET, "1c8f2d0a-6e2b-4b9f-8a66-3e3d2f8a0c22"):
        url = f"/backend-api/v2/files/{bucket_id}"
        assert [client.get(url, headers=bob).status_code, client.get(f"{url}/status", headers=bob).status_code,
                client.delete(url, headers=bob).status_code] == [404, 404, 404]


def test_a_bucket_from_before_ids_were_per_principal_still_belongs_to_its_owner(client, aws):
    upload(client, ("private.txt", b"alice's"))
    table = aws("dynamodb")
    new_key = {"pk": {"S": f"bucketid#alice#{BUCKET}"}, "sk": {"S": "owner"}}
    owner_item = table.get_item(TableName=MAIN_TABLE.name, Key=new_key)["Item"]
    table.delete_item(TableName=MAIN_TABLE.name, Key=new_key)
    table.put_item(TableName=MAIN_TABLE.name, Item={**owner_item, "pk": {"S": f"bucketid#{BUCKET}"}})
    assert client.get(FILES).get_data(as_text=True) == "```private.txt\nalice's\n```\n\n"
    assert client.get(FILES, headers={"x-test-principal": "bob"}).status_code == 404
    assert client.delete(FILES).status_code == 200
    assert [i for i in index_items(aws) if i["sk"]["S"] == "owner"] == []


# ---- presigned uploads ------------------------------------------------------------------------

def test_presigned_upload_end_to_end_on_moto(client, aws):
    import requests

    ticket = client.post(f"{FILES}/uploads", json={"filename": "report.pdf", "size": 2000})
    assert ticket.status_code == 200
    body = ticket.get_json()
    assert body["state"] == "uploading" and body["max_bytes"] == 100 * 1024 * 1024
    states = client.get(f"{FILES}/status").get_json()["files"]
    assert [(f["name"], f["state"]) for f in states] == [("report.pdf", "uploading")]
    assert client.post(f"{FILES}/uploads/report.pdf/complete").status_code == 409  # not there yet

    pdf = documents.pdf(["Uploaded around the Lambda body limit"])
    post = body["upload"]
    sent = requests.post(post["url"], data=post["fields"], files={"file": ("report.pdf", pdf)}, timeout=10)
    assert sent.status_code in (200, 204)

    done = client.post(f"{FILES}/uploads/report.pdf/complete")
    assert done.status_code == 200
    assert done.get_json() == {"bucket_id": BUCKET, "name": "report.pdf", "kind": "document",
                               "state": "ready", "size": len(pdf)}
    assert "Uploaded around the Lambda body limit" in client.get(FILES).get_data(as_text=True)


def test_presign_policy_caps_the_size(client, aws, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_UPLOAD_MAX_MB", "3")
    client = create_app(["files"]).test_client()   # settings are read when the app is made
    body = client.post(f"{FILES}/uploads", json={"filename": "a.mp4"}).get_json()
    policy = json.loads(__import__("base64").b64decode(body["upload"]["fields"]["policy"]))
    assert ["content-length-range", 1, 3 * 1024 * 1024] in policy["conditions"]
    assert body["upload"]["fields"]["key"] == f"buckets/alice/{BUCKET}/media/a.mp4"


def test_presign_refusals(client, aws, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_UPLOAD_MAX_MB", "1")
    client = create_app(["files"]).test_client()   # settings are read when the app is made
    over = client.post(f"{FILES}/uploads", json={"filename": "big.pdf", "size": 2 * 1024 * 1024})
    assert over.status_code == 413
    assert client.post(f"{FILES}/uploads", json={"filename": "x.exe", "size": 1}).status_code == 400
    assert client.post(f"{FILES}/uploads", json={"filename": "a\x00.pdf"}).status_code == 400
    assert client.post(f"{FILES}/uploads", json={"filename": "a.pdf", "size": "big"}).status_code == 400
    assert client.post(f"{FILES}/uploads", data="nope", content_type="application/json").status_code == 400
    assert client.post(f"{FILES}/uploads", data="nope").status_code == 415  # not declared JSON
    assert keys(aws) == [] and index_items(aws) == []


def test_an_oversized_presigned_upload_is_deleted_on_complete(client, aws, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_UPLOAD_MAX_MB", "1")
    client = create_app(["files"]).test_client()   # settings are read when the app is made
    ticket = client.post(f"{FILES}/uploads", json={"filename": "big.txt", "size": 10}).get_json()
    key = ticket["upload"]["fields"]["key"]
    aws("s3").put_object(Bucket=FILES_BUCKET.name, Key=key, Body=b"x" * (1024 * 1024 + 1))  # past the policy
    response = client.post(f"{FILES}/uploads/big.txt/complete")
    assert response.status_code == 413
    assert keys(aws) == []
    assert client.get(f"{FILES}/status").get_json()["files"] == []


@pytest.mark.parametrize("name", ["..", "a b.txt", ".hidden.txt"])
def test_complete_refuses_unclean_names(client, name):
    client.post(f"{FILES}/uploads", json={"filename": "a.txt", "size": 1})
    assert client.post(f"{FILES}/uploads/{name}/complete").status_code in (400, 404)


def test_slots_leaked_by_a_killed_upload_are_repaired_from_the_records(client, aws, monkeypatch):
    # kill -9 between claiming slots and releasing the unused ones: the counter says 20 while
    # the bucket holds 5 files. The records are the truth; the limit itself still holds.
    from lambdachat.files import limits
    from lambdachat.files.aws import DynamoBucketIndex

    monkeypatch.setenv("LAMBDACHAT_BUCKET_MAX_FILES", "20")
    client = create_app(["files"]).test_client()
    assert limits.current(services_of(client.application).settings).files_per_bucket == 20
    assert upload(client, *[(f"f{n}.txt", b"x") for n in range(5)]).status_code == 200
    DynamoBucketIndex().claim(BUCKET, "alice", 15, 20)   # the dead process's claim, never released
    counted = next(i for i in index_items(aws) if i["sk"]["S"] == "owner")["file_count"]["N"]
    assert counted == "20"
    response = upload(client, *[(f"g{n}.txt", b"x") for n in range(15)])
    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["files"]) == 15
    assert upload(client, ("one-too-many.txt", b"x")).status_code == 413


def test_too_many_form_parts_is_413_saying_parts_and_stores_nothing(client, aws):
    # 1,001 tiny parts are far under the body limit: the message must name the part count.
    named = [(f"f{i}.txt", b"x") for i in range(1001)]
    response = upload(client, *named)
    assert response.status_code == 413
    message = response.get_json()["error"]["message"]
    assert "1000 parts" in message and "larger than" not in message
    assert keys(aws) == [] and index_items(aws) == []


def test_a_form_field_over_the_field_limit_is_413_saying_field(client, aws):
    response = client.post(FILES, data={"note": "n" * (600 * 1024), "files": [(io.BytesIO(b"x"), "a.txt")]},
                           content_type="multipart/form-data", headers={"x-test-principal": "alice"})
    assert response.status_code == 413
    assert "form field" in response.get_json()["error"]["message"]
    assert keys(aws) == []
