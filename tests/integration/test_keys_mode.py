"""LAMBDACHAT_AUTH=keys through the app with moto: the CLI, public routes, 401s, per-principal records."""

import io
import json
import re

import pytest
from lambdachat.accesskeys.keys import hash_key
from lambdachat.cli import main
from lambdachat.credentials.store import S3UploadStore
from lambdachat.providers.base import Content, Finish

from tests.apps import create_app, override
from tests.aws import mocked_aws
from tests.fakes.providers import FakeProvider, install

SID = "5b0c6a2e-1f3d-4e8a-9c7b-2d4e6f8a0b1c"
PUBLIC = {  # contract, Identity: reachable without a key
    "version.handle_get_version", "models.handle_get_models", "provider_models.handle_get_provider_models",
    "providers.handle_get_providers", "chat.handle_get_share", "openapi.handle_get_openapi",
    # g4f 8.8's summary and provider health: what version, providers and models/<provider> tell
    "models.handle_get_status", "provider_models.handle_get_health",
    # the sign-in page: signing in is how a browser without a key gets one
    "session.handle_get_signin", "session.handle_post_signin", "session.handle_post_signout",
}


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_AUTH", "keys")
    with mocked_aws(monkeypatch) as client:
        override(upload_store=S3UploadStore())
        yield client


def cli(capsys, *argv):
    code = main(["keys", "--aws", *argv])  # moto stands in for the deployed table
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def keys(aws, capsys):
    made = {}
    for name in ("alice", "bob"):
        code, out, _ = cli(capsys, "create", name)
        assert code == 0
        made[name] = out.strip()
    return made


@pytest.fixture
def app(keys):
    return create_app()


def auth(key):
    return {"Authorization": f"Bearer {key}"}


def test_cli_prints_a_key_once_and_stores_only_its_hash(aws, capsys):
    code, out, err = cli(capsys, "create", "carol")
    assert code == 0 and "only now" in err
    key = out.strip()
    assert re.fullmatch(r"lck_[A-Za-z0-9_-]{43}", key)
    table = json.dumps(aws("dynamodb").scan(TableName="lambdachat")["Items"])
    assert key not in table and hash_key(key) in table
    code, out, _ = cli(capsys, "list")
    assert code == 0 and out.startswith("carol\t") and key not in out
    code, _, err = cli(capsys, "create", "carol")
    assert code == 2 and "exists" in err
    code, _, err = cli(capsys, "create", "not a name")
    assert code == 2
    code, _, err = cli(capsys, "revoke", "carol")
    assert code == 0 and "Revoked" in err
    assert cli(capsys, "list")[1] == ""
    code, _, err = cli(capsys, "revoke", "carol")
    assert code == 1 and "No key" in err


def test_every_non_public_route_is_401_without_a_valid_key(app):
    client = app.test_client()
    checked = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: f"sample-{m.group(1)}-0001", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if getattr(view, "public", False):
                assert rule.endpoint in PUBLIC | {e for e in app.view_functions if e.startswith(("media.", "spa."))}, \
                    f"{rule.endpoint} is public but the contract does not list it"
                continue
            for headers in ({}, auth("lck_" + "Z" * 43), {"x-api-key": "sk-provider-key"}):
                response = client.open(path, method=method, headers=headers)
                assert response.status_code == 401, (method, path, headers, response.status_code)
                assert response.get_json()["error"]["message"]
            checked.add(rule.endpoint)
    # this routes are among those checked
    assert {"chat.handle_post_share", "chat.handle_delete_share",
            "upload_cookies.handle_post_upload_cookies", "conversation.handle_post_conversation",
            "files.handle_delete_files"} <= checked
    assert set(app.view_functions) >= PUBLIC


def test_public_routes_answer_without_a_key(app, keys):
    client = app.test_client()
    for path in ("/backend-api/v2/version", "/backend-api/v2/models", "/backend-api/v2/providers"):
        assert client.get(path).status_code == 200, path
    created = client.post(f"/backend-api/v2/chat/{SID}", json={"items": []}, headers=auth(keys["alice"]))
    assert created.status_code == 200
    assert client.get(f"/backend-api/v2/chat/{SID}").status_code == 200


def test_a_share_records_its_owner_principal(app, keys, aws):
    client = app.test_client()
    client.post(f"/backend-api/v2/chat/{SID}", json={"items": []}, headers=auth(keys["bob"]))
    item = aws("dynamodb").get_item(TableName="lambdachat",
                                    Key={"pk": {"S": f"share#{SID}"}, "sk": {"S": "share"}})["Item"]
    assert item["owner"]["S"] == "bob"


def test_uploaded_keys_belong_to_their_principal_only(app, keys, aws, monkeypatch):
    provider = FakeProvider(name="Keyed", needs_auth=True, script=[Content("ok"), Finish("stop")])
    install(provider)
    client = create_app().test_client()
    response = client.post("/backend-api/v2/upload_cookies", headers=auth(keys["alice"]),
                           data={"file": (io.BytesIO(b'{"Keyed": {"api_key": "sk-alice"}}'), "k.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    listed = [o["Key"] for o in aws("s3").list_objects_v2(Bucket="lambdachat-files")["Contents"]]
    assert all(k.startswith("principals/alice/") for k in listed)

    def ask(key):
        body = {"provider": "Keyed", "messages": [{"role": "user", "content": "hi"}]}
        lines = client.post("/backend-api/v2/conversation", json=body, headers=auth(key)).get_data(as_text=True)
        return [json.loads(line)["type"] for line in lines.splitlines()]

    assert ask(keys["alice"])[-1] != "auth"
    assert provider.requests[-1].credentials.api_key == "sk-alice"
    assert ask(keys["bob"])[-1] == "auth"                # bob never gets alice's key
    assert len(provider.requests) == 1
    # an anonymous caller of a public route never gets anyone's key either
    assert client.get("/backend-api/v2/models/Keyed").status_code == 401
    assert client.get("/backend-api/v2/models/Keyed", headers=auth(keys["alice"])).status_code == 200
    assert provider.listed_with[-1].api_key == "sk-alice"


def test_a_revoked_key_is_refused_once_the_cache_interval_passes(app, keys, capsys, monkeypatch):
    client = app.test_client()
    assert client.post(f"/backend-api/v2/chat/{SID}", json={"items": []},
                       headers=auth(keys["bob"])).status_code == 200
    assert cli(capsys, "revoke", "bob")[0] == 0
    fresh = create_app().test_client()   # a new process: nothing cached
    response = fresh.post(f"/backend-api/v2/chat/{SID}", json={"items": []}, headers=auth(keys["bob"]))
    assert response.status_code == 401
