"""upload_cookies with S3 (moto): storage, every refusal, and the principal's keys in provider calls."""

import io
import json

import pytest
from lambdachat.config import Settings
from lambdachat.credentials.store import S3UploadStore
from lambdachat.credentials.uploads import UploadedCredentials
from lambdachat.identity import Principal
from lambdachat.providers.base import Content, Finish

from tests.apps import create_app, override, services_of
from tests.aws import mocked_aws
from tests.fakes.providers import FakeProvider, install

URL = "/backend-api/v2/upload_cookies"
BUCKET = "lambdachat-files"
LOCAL = Principal("local")


@pytest.fixture
def aws(monkeypatch):
    with mocked_aws(monkeypatch) as client:
        override(upload_store=S3UploadStore())
        yield client


@pytest.fixture
def keyed(monkeypatch):
    provider = FakeProvider(name="Keyed", needs_auth=True, script=[Content("ok"), Finish("stop")])
    install(provider)
    return provider


@pytest.fixture
def client(aws, keyed):
    return create_app().test_client()


def upload(client, filename, content, field="file", **kw):
    data = {field: (io.BytesIO(content if isinstance(content, bytes) else json.dumps(content).encode()), filename)}
    return client.post(URL, data=data, content_type="multipart/form-data", **kw)


def objects(aws, prefix="principals/"):
    return [o["Key"] for o in aws("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


def chat(client, **body):
    response = client.post("/backend-api/v2/conversation",
                           json={"provider": "Keyed", "messages": [{"role": "user", "content": "hi"}], **body})
    assert response.status_code == 200
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_json_key_file_is_saved_encrypted_per_principal(client, aws):
    response = upload(client, "api_key_Keyed.json", {"api_key": "sk-uploaded"})
    assert response.status_code == 200
    assert response.get_json() == "File saved"
    assert sorted(objects(aws)) == ["principals/local/cookies/api_key_Keyed.json",
                                    "principals/local/credentials/api_key_Keyed.json.json"]
    for key in objects(aws):
        assert aws("s3").head_object(Bucket=BUCKET, Key=key)["ServerSideEncryption"] == "AES256"
    raw = aws("s3").get_object(Bucket=BUCKET, Key="principals/local/cookies/api_key_Keyed.json")["Body"].read()
    assert json.loads(raw) == {"api_key": "sk-uploaded"}


def test_uploaded_key_is_used_for_the_principals_chat_and_model_list(aws, keyed, monkeypatch):
    monkeypatch.setenv("KEYED_API_KEY", "sk-server")
    client = create_app().test_client()
    assert chat(client)[0]["type"] == "provider"
    assert keyed.requests[-1].credentials.api_key == "sk-server"   # nothing uploaded yet
    upload(client, "keys.json", {"Keyed": {"api_key": "sk-uploaded"}})
    chat(client)
    assert keyed.requests[-1].credentials.api_key == "sk-uploaded"  # beats the server's key
    chat(client, api_key="sk-request")
    assert keyed.requests[-1].credentials.api_key == "sk-request"   # the request beats both
    assert client.get("/backend-api/v2/models/Keyed").status_code == 200
    assert keyed.listed_with[-1].api_key == "sk-uploaded"
    assert client.get("/backend-api/v2/models/Keyed", headers={"x-api-key": "sk-h"}).status_code == 200
    assert keyed.listed_with[-1].api_key == "sk-h"


def test_without_any_key_the_provider_still_asks_for_one(client):
    events = chat(client)
    assert events[-1]["type"] == "auth"


def test_a_later_upload_replaces_an_earlier_key(client, keyed):
    upload(client, "a.json", {"Keyed": {"api_key": "sk-first"}})
    chat(client)
    upload(client, "b.json", {"Keyed": {"api_key": "sk-second"}})
    chat(client)
    assert keyed.requests[-1].credentials.api_key == "sk-second"
    upload(client, "a.json", {"Keyed": {"api_key": "sk-third"}})   # same name: replaced, and now newest
    chat(client)
    assert keyed.requests[-1].credentials.api_key == "sk-third"


def test_har_upload_gives_the_keys_its_requests_carried(client, aws):
    log = {"log": {"entries": [{"request": {
        "url": "https://api.openai.com/v1/chat/completions",
        "headers": [{"name": "authorization", "value": "Bearer sk-from-har"}], "cookies": []}}]}}
    install_real = upload(client, "openai.har", log)
    assert install_real.status_code == 200
    assert services_of(client.application).uploads().uploaded_api_key(LOCAL, "OpenAI") == "sk-from-har"
    assert "principals/local/cookies/openai.har" in objects(aws)


def test_cookie_export_is_kept_for_cookie_based_providers(client):
    cookies = [{"domain": ".google.com", "name": "SID", "value": "v"}]
    assert upload(client, "cookies.json", cookies).status_code == 200
    assert services_of(client.application).uploads().uploaded_cookies(LOCAL, ".google.com") == {"SID": "v"}


# ---- refusals: 400/413 with a message, nothing stored ----------------------------------------------------

@pytest.mark.parametrize(("request_kw", "message"), [
    ({"json": {"file": "x"}}, "multipart"),
    ({"data": {"other": (io.BytesIO(b"[]"), "a.json")}, "content_type": "multipart/form-data"}, "No file"),
    ({"data": {"file": (io.BytesIO(b"[]"), "")}, "content_type": "multipart/form-data"}, None),
    ({"data": {"file": (io.BytesIO(b"[]"), "   ")}, "content_type": "multipart/form-data"}, "No selected file"),
    ({"data": {"file": (io.BytesIO(b"[]"), "notes.txt")}, "content_type": "multipart/form-data"},
     "Not supported file"),
    ({"data": {"file": (io.BytesIO(b"[]"), "cookies.json.exe")}, "content_type": "multipart/form-data"},
     "Not supported file"),
    ({"data": {"file": (io.BytesIO(b"{oops"), "cookies.json")}, "content_type": "multipart/form-data"},
     "not valid UTF-8 JSON"),
    ({"data": {"file": (io.BytesIO(b'{"api_key": "sk"}'), "key.json")}, "content_type": "multipart/form-data"},
     "api_key_<Provider>.json"),
])
def test_bad_uploads_are_400_and_store_nothing(client, aws, request_kw, message):
    response = client.post(URL, **request_kw)
    assert response.status_code == 400
    if message:
        assert message in response.get_json()["error"]["message"]
    assert objects(aws) == []


def test_oversize_upload_is_413_and_stores_nothing(aws, keyed, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_UPLOAD_COOKIES_MAX_BYTES", "1000")
    big = [{"domain": "a.com", "name": "n", "value": "v" * 2000}]
    response = upload(create_app().test_client(), "cookies.json", big)
    assert response.status_code == 413
    assert response.get_json()["error"]["message"]
    assert objects(aws) == []


def test_file_count_is_bounded_but_a_name_can_be_replaced(aws, keyed, monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_UPLOAD_COOKIES_MAX_FILES", "2")
    client = create_app().test_client()
    key = {"Keyed": {"api_key": "sk"}}
    assert upload(client, "a.json", key).status_code == 200
    assert upload(client, "b.json", key).status_code == 200
    refused = upload(client, "c.json", key)
    assert refused.status_code == 400 and "At most 2" in refused.get_json()["error"]["message"]
    assert upload(client, "a.json", key).status_code == 200


def test_filenames_are_cleaned_before_they_become_s3_keys(client, aws):
    cookies = [{"domain": "a.com", "name": "n", "value": "v"}]
    assert upload(client, "../../etc/my cookies.json", cookies).status_code == 200
    assert "principals/local/cookies/etc_my_cookies.json" in objects(aws)
    assert upload(client, "../../api_key_Keyed.json", {"api_key": "sk"}).status_code == 200
    assert "principals/local/cookies/api_key_Keyed.json" in objects(aws)


# ---- cache --------------------------------------------------------------------------------------------------------

class CountingStore(S3UploadStore):
    reads = 0

    def extracts(self, principal_id):
        CountingStore.reads += 1
        return super().extracts(principal_id)


def test_keys_are_cached_briefly_per_principal_and_an_upload_refreshes_them(aws, keyed):
    clock = [1000.0]
    settings = Settings.from_env()
    known = {"Keyed": "Keyed"}.get
    uploads = UploadedCredentials(CountingStore(), settings, known, clock=lambda: clock[0])
    client = create_app(uploads=uploads).test_client()
    CountingStore.reads = 0
    upload(client, "a.json", {"Keyed": {"api_key": "sk-a"}})
    for _ in range(3):
        chat(client)
    assert CountingStore.reads == 1
    upload(client, "a.json", {"Keyed": {"api_key": "sk-b"}})
    chat(client)
    assert keyed.requests[-1].credentials.api_key == "sk-b" and CountingStore.reads == 2
    clock[0] += settings.uploaded_keys_cache_seconds
    chat(client)
    assert CountingStore.reads == 3


def test_storage_failure_falls_back_to_the_server_key(aws, keyed, monkeypatch):
    class Broken(S3UploadStore):
        def extracts(self, principal_id):
            raise ConnectionError("S3 unreachable")

    monkeypatch.setenv("KEYED_API_KEY", "sk-server")
    chat(create_app(upload_store=Broken()).test_client())
    assert keyed.requests[-1].credentials.api_key == "sk-server"


@pytest.mark.parametrize("document", [{"log": 5}, {"log": {"entries": [{"request": {
    "url": "https://chatgpt.com/", "headers": 5}}]}}, {"log": {"entries": [{"request": {
    "url": "https://chatgpt.com/", "cookies": {"a": "b"}}}]}}])
def test_a_har_of_the_wrong_shape_is_400_with_what_was_wrong_and_stores_nothing(client, aws, document):
    response = upload(client, "session.har", document)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith("log")
    assert objects(aws) == []
