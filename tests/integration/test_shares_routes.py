"""Shared chats through the app with moto: every rule of the contract, and DynamoDB/S3 as stored."""

import json
import threading
import time

import pytest
from lambdachat.config import Settings
from lambdachat.shares import model

from tests.apps import create_app, services_of
from tests.aws import linearizable_dynamodb, mocked_aws

SID = "3f1c2a9e-8d4b-4c1e-9a7f-0b6e5d4c3b2a"
URL = f"/backend-api/v2/chat/{SID}"
DAY = 86_400


def conversation(*texts, updated=1743300000000):
    return json.dumps({"id": "conv-1", "title": "Trip", "added": 1743290000000, "updated": updated,
                       "items": [{"role": "user", "content": t} for t in texts]})


@pytest.fixture
def aws(monkeypatch):
    # the race tests below need DynamoDB's atomic conditional writes, which moto lacks
    with mocked_aws(monkeypatch) as client, linearizable_dynamodb(monkeypatch):
        yield client


@pytest.fixture
def app(aws):
    return create_app()


@pytest.fixture
def owner(app):
    return app.test_client()


@pytest.fixture
def viewer(app):
    return app.test_client()


def create(client, body=None, url=URL, **kw):
    response = client.post(url, data=body or conversation("hello"), content_type="application/json", **kw)
    assert response.status_code == 200, response.get_json()
    return response


def item(aws, share_id=SID):
    return aws("dynamodb").get_item(TableName="lambdachat",
                                   Key={"pk": {"S": f"share#{share_id}"}, "sk": {"S": "share"}}).get("Item")


# ---- create ----------------------------------------------------------------------------------

def test_create_returns_the_token_once_and_stores_only_its_hash(owner, aws):
    before = int(time.time())
    body = create(owner).get_json()
    assert body["share_id"] == SID
    assert before + 30 * DAY <= body["expires_at"] <= int(time.time()) + 30 * DAY
    token = body["owner_token"]
    stored = item(aws)
    assert token not in json.dumps(stored, default=str)
    assert stored["token_hash"]["S"] == model.hash_token(token)
    assert int(stored["ends_at"]["N"]) == body["expires_at"]
    # the table's TTL attribute: the id stays taken for the longest expiry after the share ends
    assert int(stored["expires_at"]["N"]) == body["expires_at"] + Settings.share_max_expires
    assert stored["owner"]["S"] == "local"
    again = create(owner, conversation("hello", "again")).get_json()
    assert "owner_token" not in again and again == {"share_id": SID, "expires_at": body["expires_at"]}


def test_create_sets_an_httponly_cookie_scoped_to_the_share_and_its_files_path(owner):
    cookies = create(owner).headers.getlist("Set-Cookie")
    paths = sorted(c.split("Path=")[1].split(";")[0] for c in cookies)
    assert paths == [f"/backend-api/v2/chat/{SID}", f"/backend-api/v2/files/{SID}"]
    for cookie in cookies:
        assert cookie.startswith("share_token=")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" in cookie  # cloud mode
        assert "Max-Age=2592000" in cookie


def test_cookie_is_not_secure_in_local_mode(monkeypatch, aws):
    monkeypatch.setenv("LAMBDACHAT_MODE", "local")
    cookies = create(create_app().test_client()).headers.getlist("Set-Cookie")
    assert cookies and all("Secure" not in c for c in cookies)


def test_expires_seconds_and_never(owner, aws):
    body = create(owner, url=f"{URL}?expires=3600").get_json()
    assert abs(body["expires_at"] - (int(time.time()) + 3600)) <= 2
    other = "never-expiring-share"
    body = create(owner, conversation("n" * 40_000), url=f"/backend-api/v2/chat/{other}?expires=never").get_json()
    assert body["expires_at"] is None
    assert "expires_at" not in item(aws, other)   # no TTL attribute: the sweep never removes it
    spilled = item(aws, other)["body_key"]["S"]   # nor does the lifecycle rule remove its body
    assert aws("s3").get_object_tagging(Bucket="lambdachat-files", Key=spilled)["TagSet"] == []


# "²" and "٣" pass str.isdigit() (and int() takes "٣"): only ASCII digits are a number here.
@pytest.mark.parametrize("expires", ["abc", "0", "59", "-1", str(400 * DAY), "1e5", "%C2%B2", "3600%C2%B2",
                                     "%D9%A3%D9%A6%D9%A0%D9%A0"])
def test_bad_expires_is_400_and_nothing_is_stored(owner, aws, expires):
    response = owner.post(f"{URL}?expires={expires}", data=conversation("x"), content_type="application/json")
    assert response.status_code == 400
    assert "expires" in response.get_json()["error"]["message"]
    assert item(aws) is None


# ---- get ---------------------------------------------------------------------------------------

def test_get_returns_the_posted_bytes_with_etag_and_robots_header(owner, viewer):
    body = conversation("héllo ✓", "second")
    create(owner, body)
    response = viewer.get(URL)
    assert response.status_code == 200
    assert response.get_data() == body.encode()
    assert response.mimetype == "application/json"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["ETag"] == model.entity_tag(body.encode())
    assert response.headers["Cache-Control"] == "no-cache"


def test_if_none_match_etag_or_v1_integer_gives_304(owner, viewer):
    create(owner)
    etag = viewer.get(URL).headers["ETag"]
    for header in (etag, "1743300000000", "*", f'"stale", {etag}'):
        response = viewer.get(URL, headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.get_data() == b""
        assert response.headers["ETag"] == etag and response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_malformed_or_stale_if_none_match_is_ignored(owner, viewer):
    create(owner)
    for header in ("abc", '"unterminated', "1.5", "W/", "9" * 300, "1743300000001", '"1743300000000"',
                   "null", "\u00e9"):
        response = viewer.get(URL, headers={"If-None-Match": header})
        assert response.status_code == 200, header
        assert json.loads(response.get_data())["items"][0]["content"] == "hello"


def test_no_header_on_a_fresh_process_is_200_not_304(owner, app):
    create(owner)
    assert app.test_client().get(URL).status_code == 200


def test_unknown_share_is_404_and_bad_id_400(viewer):
    assert viewer.get("/backend-api/v2/chat/unknown-share-id").status_code == 404
    for bad in ("short", "has.dot.in-it", "-dash-first-x", "a" * 65):
        response = viewer.get(f"/backend-api/v2/chat/{bad}")
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["message"]


def test_expired_share_is_404_before_the_ttl_sweep(owner, viewer, aws):
    create(owner, url=f"{URL}?expires=60")
    service = services_of(owner.application).shares()
    service.clock = lambda: time.time() + 61
    assert item(aws) is not None          # still in the table: DynamoDB has not swept it
    assert viewer.get(URL).status_code == 404
    assert viewer.get(URL, headers={"If-None-Match": "1743300000000"}).status_code == 404
    # the id stays taken: a stranger cannot put new content behind the old link
    taken = viewer.post(URL, data=conversation("stranger"), content_type="application/json")
    assert taken.status_code == 409
    assert "taken" in taken.get_json()["error"]["message"]
    assert viewer.get(URL).status_code == 404
    # kept until every link has outlived the longest expiry (DynamoDB's TTL then removes it)
    assert int(item(aws)["expires_at"]["N"]) >= int(item(aws)["ends_at"]["N"]) + Settings.share_max_expires


def test_a_revoked_share_leaves_a_tombstone_that_keeps_its_id(owner, viewer, aws):
    token = create(owner, conversation("x" * 50_000)).get_json()["owner_token"]   # a spilled body
    assert owner.delete(URL, headers={"x-share-token": token}).status_code == 200
    tombstone = item(aws)
    assert set(tombstone) == {"pk", "sk", "tombstone", "expires_at"}   # no body, no token, no owner
    assert int(tombstone["expires_at"]["N"]) >= time.time() + Settings.share_max_expires - 60
    assert "Contents" not in aws("s3").list_objects_v2(Bucket="lambdachat-files", Prefix=f"shares/{SID}/")
    assert viewer.get(URL).status_code == 404
    assert viewer.post(URL, data=conversation("stranger"), content_type="application/json").status_code == 409
    assert owner.post(URL, data=conversation("again"), content_type="application/json",
                      headers={"x-share-token": token}).status_code == 409
    assert owner.delete(URL, headers={"x-share-token": token}).status_code == 404


def test_a_share_from_before_ends_at_existed_still_expires_and_stays_taken(owner, viewer, aws):
    create(owner, url=f"{URL}?expires=60")
    legacy = item(aws)
    legacy["expires_at"] = legacy.pop("ends_at")   # the old layout: the end itself was the TTL
    aws("dynamodb").put_item(TableName="lambdachat", Item=legacy)
    services_of(owner.application).shares().clock = lambda: time.time() + 61
    assert viewer.get(URL).status_code == 404
    assert viewer.post(URL, data=conversation("stranger"), content_type="application/json").status_code == 409


# ---- update: tokens ------------------------------------------------------------------------------

def _stored_bytes(aws, share_id=SID):
    return item(aws, share_id)["body"]["B"]


@pytest.mark.parametrize("headers", [{}, {"x-share-token": "not-the-owner-token-not-the-owner"},
                                     {"x-share-token": ""}, {"x-share-token": "x" * 1000}])
def test_post_without_or_with_a_wrong_token_is_403_and_the_share_is_byte_identical(owner, viewer, aws, headers):
    create(owner, conversation("original"))
    before = item(aws)
    response = viewer.post(URL, data=conversation("vandalised"), content_type="application/json", headers=headers)
    assert response.status_code == 403
    assert item(aws) == before
    assert viewer.get(URL).get_data() == conversation("original").encode()


def test_the_cookie_is_a_token_too_and_a_wrong_one_is_403(owner, viewer, aws):
    token = create(owner, conversation("original")).get_json()["owner_token"]
    viewer.set_cookie("share_token", "not-the-owner-token-not-the-owner", path=URL)
    assert viewer.post(URL, data=conversation("x"), content_type="application/json").status_code == 403
    assert _stored_bytes(aws) == conversation("original").encode()
    viewer.set_cookie("share_token", token, path=URL)
    assert viewer.post(URL, data=conversation("y"), content_type="application/json").status_code == 200


def test_owner_updates_with_the_header_token(owner, viewer):
    token = create(owner).get_json()["owner_token"]
    response = viewer.post(URL, data=conversation("hello", "edited"), content_type="application/json",
                           headers={"x-share-token": token})
    assert response.status_code == 200
    assert json.loads(viewer.get(URL).get_data())["items"][1]["content"] == "edited"


def test_post_to_an_unused_id_with_an_existing_shares_token_makes_its_own_share(owner, aws):
    token = create(owner, conversation("first")).get_json()["owner_token"]
    other_url = "/backend-api/v2/chat/second-share-0001"
    body = create(owner, conversation("second"), url=other_url, headers={"x-share-token": token}).get_json()
    assert body["owner_token"] != token
    assert _stored_bytes(aws) == conversation("first").encode()
    assert _stored_bytes(aws, "second-share-0001") == conversation("second").encode()


# ---- update: bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["[1, 2, 3]", '"a string"', "7", "null", '{"title": "no items"}',
                                  '{"items": {"not": "a list"}}', "{broken json", '{"items": ["text"]}'])
def test_bodies_that_are_not_conversations_are_400_and_nothing_is_stored(owner, aws, body):
    response = owner.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
    assert item(aws) is None


@pytest.mark.parametrize("mode", ["cloud", "local"])
def test_body_over_5_mb_is_413_json(monkeypatch, aws, mode):
    monkeypatch.setenv("LAMBDACHAT_MODE", mode)   # local allows 100 MB requests: the share limit still holds
    big = json.dumps({"items": [{"role": "user", "content": "x" * (5 * 1024 * 1024)}]})
    response = create_app().test_client().post(URL, data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["message"]
    assert item(aws) is None


def test_post_to_a_bad_id_is_400(owner):
    assert owner.post("/backend-api/v2/chat/bad", data=conversation("x"),
                      content_type="application/json").status_code == 400


# ---- spill to S3 ---------------------------------------------------------------------------------------

def test_a_conversation_above_the_item_limit_spills_to_s3_and_reads_back_identical(owner, viewer, aws):
    big = conversation("x" * 600_000, "é" * 1000)   # > 400 KB DynamoDB item limit
    token = create(owner, big).get_json()["owner_token"]
    stored = item(aws)
    assert "body" not in stored
    key = stored["body_key"]["S"]
    assert key.startswith(f"shares/{SID}/")
    head = aws("s3").head_object(Bucket="lambdachat-files", Key=key)
    assert head["ServerSideEncryption"] == "AES256"
    tags = aws("s3").get_object_tagging(Bucket="lambdachat-files", Key=key)["TagSet"]
    assert tags == [{"Key": "share-expires", "Value": "true"}]   # for the lifecycle rule after the TTL sweep
    assert viewer.get(URL).get_data() == big.encode()

    bigger = conversation("y" * 700_000)
    owner.post(URL, data=bigger, content_type="application/json", headers={"x-share-token": token})
    assert viewer.get(URL).get_data() == bigger.encode()
    keys = [o["Key"] for o in aws("s3").list_objects_v2(Bucket="lambdachat-files",
                                                          Prefix=f"shares/{SID}/").get("Contents", [])]
    assert keys == [item(aws)["body_key"]["S"]]   # the replaced body was removed

    small = conversation("small again")
    owner.post(URL, data=small, content_type="application/json", headers={"x-share-token": token})
    assert item(aws)["body"]["B"] == small.encode()
    assert "Contents" not in aws("s3").list_objects_v2(Bucket="lambdachat-files", Prefix=f"shares/{SID}/")

    owner.post(URL, data=big, content_type="application/json", headers={"x-share-token": token})
    assert owner.delete(URL, headers={"x-share-token": token}).status_code == 200
    assert "Contents" not in aws("s3").list_objects_v2(Bucket="lambdachat-files", Prefix=f"shares/{SID}/")


# ---- races -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [10, 500_000], ids=["inline", "spilled"])
def test_concurrent_updates_one_wins_the_other_409_nothing_lost(app, aws, size):
    owner = app.test_client()
    token = create(owner, conversation("start")).get_json()["owner_token"]
    store = services_of(app).shares().store
    real_get = store.get
    both_read = threading.Barrier(2, timeout=10)

    def get_then_wait(share_id, consistent=False):
        found = real_get(share_id, consistent=consistent)
        both_read.wait()   # both writers hold the same version before either writes
        return found

    store.get = get_then_wait
    results = {}

    def write(name):
        response = app.test_client().post(URL, data=conversation(name, "p" * size),
                                          content_type="application/json", headers={"x-share-token": token})
        results[name] = response.status_code

    threads = [threading.Thread(target=write, args=(name,)) for name in ("alice-edit", "bob-edit")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    store.get = real_get
    assert sorted(results.values()) == [200, 409]
    winner = next(name for name, status in results.items() if status == 200)
    loser = next(name for name, status in results.items() if status == 409)
    assert owner.get(URL).get_data() == conversation(winner, "p" * size).encode()
    spilled = aws("s3").list_objects_v2(Bucket="lambdachat-files", Prefix=f"shares/{SID}/").get("Contents", [])
    assert len(spilled) == (1 if size > 400_000 else 0)   # the loser's object did not linger
    # the loser's retry goes through: nothing is stuck
    retry = owner.post(URL, data=conversation(loser, "p" * size), content_type="application/json",
                       headers={"x-share-token": token})
    assert retry.status_code == 200
    assert owner.get(URL).get_data() == conversation(loser, "p" * size).encode()


def test_two_creators_racing_for_one_id_one_gets_409(app, aws):
    store = services_of(app).shares().store
    real_get = store.get
    both_read = threading.Barrier(2, timeout=10)

    def get_then_wait(share_id, consistent=False):
        found = real_get(share_id, consistent=consistent)
        both_read.wait()
        return found

    store.get = get_then_wait
    statuses = []

    def write(text):
        statuses.append(app.test_client().post(URL, data=conversation(text),
                                               content_type="application/json").status_code)

    threads = [threading.Thread(target=write, args=(t,)) for t in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    store.get = real_get
    assert sorted(statuses) == [200, 409]


# ---- delete --------------------------------------------------------------------------------------------------

def test_delete_needs_the_token_then_the_share_is_gone(owner, viewer):
    create(owner)
    assert viewer.delete(URL).status_code == 403
    assert viewer.get(URL).status_code == 200
    response = owner.delete(URL)   # the owner's cookie
    assert response.status_code == 200
    assert response.get_json() == {"message": "Share deleted successfully"}
    assert all("Max-Age=0" in c or "expires=Thu, 01 Jan 1970" in c for c in response.headers.getlist("Set-Cookie"))
    assert viewer.get(URL).status_code == 404
    assert owner.delete(URL).status_code == 404


def test_delete_through_files_with_the_token_revokes(owner, viewer):
    token = create(owner).get_json()["owner_token"]
    assert viewer.delete(f"/backend-api/v2/files/{SID}").status_code == 404   # no token: just a missing bucket
    assert viewer.get(URL).status_code == 200
    response = viewer.delete(f"/backend-api/v2/files/{SID}", headers={"x-share-token": token})
    assert response.status_code == 200
    assert viewer.get(URL).status_code == 404


def test_only_small_bodies_stay_in_the_item_so_polls_read_little(owner, aws):
    create(owner, conversation("s" * 20_000))
    assert "body" in item(aws) and item(aws)["size"]["N"] == str(len(conversation("s" * 20_000)))
    create(owner, conversation("l" * 40_000), url="/backend-api/v2/chat/larger-share-0001")
    assert "body_key" in item(aws, "larger-share-0001") and "body" not in item(aws, "larger-share-0001")
