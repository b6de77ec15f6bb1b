"""Keys mode for browsers that cannot send `Authorization` (issue 16 #4): the sign-in page trades an
access key for a session cookie that is not the key, accepted wherever a Bearer key is; signing
out, revoking the key or the session's end stops it; a forged cookie is nothing; a write with
the cookie must come from this origin; and a conversation refused for identity answers a line
the V1 client renders (an `auth` event) that is also the JSON error."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from typing import Any

import pytest
from lambdachat.accesskeys.authenticator import KeyAuthenticator
from lambdachat.accesskeys.keys import create_key, revoke_key
from lambdachat.accesskeys.sessions import InMemorySessionStore
from lambdachat.accesskeys.store import InMemoryKeyStore

from tests.apps import create_app, lambda_handler, override
from tests.aws import mocked_aws
from tests.events import FUNCTION_URL_DOMAIN, HTTP_API_DOMAIN, LambdaContext, function_url_event, http_api_event

API = "/backend-api/v2"
HOST = "127.0.0.1:8080"
SAME_ORIGIN = {"Host": HOST, "Origin": f"http://{HOST}", "Sec-Fetch-Site": "same-origin"}
DAY = 86_400


class Clocks:
    def __init__(self) -> None:
        self.monotonic = 1000.0
        self.wall = 1_800_000_000.0

    def advance(self, seconds: float) -> None:
        self.monotonic += seconds
        self.wall += seconds


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("LAMBDACHAT_AUTH", "keys")
    clocks = Clocks()
    keys = InMemoryKeyStore()
    authenticator = KeyAuthenticator(keys, sessions=InMemorySessionStore(), cache_seconds=10,
                                     session_seconds=30 * DAY, secure_cookie=False,
                                     clock=lambda: clocks.monotonic, wall_clock=lambda: clocks.wall)
    override(authenticator=authenticator)
    return {"clocks": clocks, "keys": keys, "key": create_key(keys, "alice"),
            "client": create_app().test_client(use_cookies=False)}


def sign_in(client: Any, key: str, next_path: str = "/chat/") -> tuple[Any, str, SimpleCookie]:
    response = client.post(f"{API}/signin", data={"key": key, "next": next_path}, headers=SAME_ORIGIN)
    cookie: SimpleCookie = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        cookie.load(header)
    return response, response.headers.get("Set-Cookie", ""), cookie


def with_cookie(session_id: str, name: str = "lambdachat_session", **extra: str) -> dict[str, str]:
    return {**SAME_ORIGIN, "Cookie": f"{name}={session_id}", **extra}


def stats(client: Any, headers: dict[str, str]) -> int:
    return int(client.get(f"{API}/stats", headers=headers).status_code)


def test_sign_in_sets_a_strict_httponly_session_cookie_that_is_not_the_key(world):
    page = world["client"].get(f"{API}/signin?next=/chat/", headers={"Host": HOST})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert b'name="key"' in page.data and b'action="/backend-api/v2/signin"' in page.data

    response, raw, cookie = sign_in(world["client"], world["key"])
    assert response.status_code == 303 and response.headers["Location"] == "/chat/"
    morsel = cookie["lambdachat_session"]
    assert morsel.value.startswith("lcs_") and world["key"] not in raw
    assert morsel["httponly"] and morsel["samesite"] == "Strict" and morsel["path"] == "/"
    assert not morsel["secure"]                               # local mode: plain http
    assert int(morsel["max-age"]) == 30 * DAY


def test_the_cookie_is_secure_and_host_bound_in_the_cloud(monkeypatch):
    keys = InMemoryKeyStore()
    override(authenticator=KeyAuthenticator(keys, sessions=InMemorySessionStore(), secure_cookie=True))
    client = create_app().test_client(use_cookies=False)
    _, _, cookie = sign_in(client, create_key(keys, "alice"))
    morsel = cookie["__Host-lambdachat_session"]
    assert morsel["secure"] and morsel["httponly"] and morsel["samesite"] == "Strict"
    assert stats(client, with_cookie(morsel.value, "__Host-lambdachat_session")) == 200
    assert stats(client, with_cookie(morsel.value, "lambdachat_session")) == 401   # only the __Host- name


def test_the_session_is_accepted_beside_bearer_and_ends_on_sign_out(world):
    client = world["client"]
    assert stats(client, SAME_ORIGIN) == 401
    _, _, cookie = sign_in(client, world["key"])
    session_id = cookie["lambdachat_session"].value
    assert stats(client, with_cookie(session_id)) == 200
    assert stats(client, {**SAME_ORIGIN, "Authorization": f"Bearer {world['key']}"}) == 200
    # a write with the cookie from this very page
    logged = client.post(f"{API}/log", json={"message": "hi"}, headers=with_cookie(session_id))
    assert logged.status_code == 200

    out = client.post(f"{API}/signout", headers=with_cookie(session_id))
    assert out.status_code == 303 and out.headers["Location"] == f"{API}/signin"
    cleared: SimpleCookie = SimpleCookie()
    cleared.load(out.headers["Set-Cookie"])
    assert cleared["lambdachat_session"].value == "" and cleared["lambdachat_session"]["max-age"] == "0"
    assert stats(client, with_cookie(session_id)) == 401


def test_revoking_the_key_ends_its_sessions_within_the_key_cache_time(world):
    client = world["client"]
    _, _, cookie = sign_in(client, world["key"])
    session_id = cookie["lambdachat_session"].value
    assert stats(client, with_cookie(session_id)) == 200
    assert revoke_key(world["keys"], "alice")
    world["clocks"].advance(10)
    assert stats(client, with_cookie(session_id)) == 401
    # a new key under the same name does not bring the old session back
    create_key(world["keys"], "alice")
    world["clocks"].advance(10)
    assert stats(client, with_cookie(session_id)) == 401


def test_forged_expired_and_key_valued_cookies_are_401(world):
    client = world["client"]
    assert stats(client, with_cookie("lcs_" + "A" * 43)) == 401       # well-formed, never issued
    assert stats(client, with_cookie("not-a-session")) == 401
    assert stats(client, with_cookie(world["key"])) == 401            # the key itself is no cookie
    _, _, cookie = sign_in(client, world["key"])
    session_id = cookie["lambdachat_session"].value
    assert stats(client, with_cookie(session_id[:-1] + ("B" if session_id[-1] != "B" else "C"))) == 401
    world["clocks"].advance(30 * DAY)
    assert stats(client, with_cookie(session_id)) == 401               # expired
    # a Bearer credential decides alone: a bad one is not rescued by a good cookie
    _, _, cookie = sign_in(client, world["key"])
    fresh = cookie["lambdachat_session"].value
    assert stats(client, with_cookie(fresh, Authorization="Bearer lck_" + "Z" * 43)) == 401


def test_a_cross_origin_write_with_the_cookie_is_refused(world):
    client = world["client"]
    _, _, cookie = sign_in(client, world["key"])
    session_id = cookie["lambdachat_session"].value
    cookie_only = {"Host": HOST, "Cookie": f"lambdachat_session={session_id}"}
    for headers in ({**cookie_only, "Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"},
                    {**cookie_only, "Origin": "http://chat.127.0.0.1.nip.io", "Sec-Fetch-Site": "same-site"},
                    {**cookie_only, "Origin": "http://127.0.0.1:9999"},   # another port: another origin
                    cookie_only):                                        # no Origin at all
        response = client.post(f"{API}/log", json={"message": "forged"}, headers=headers)
        assert response.status_code == 403, headers
        assert response.get_json()["error"]["message"]
    # an old browser without Sec-Fetch-Site on this origin passes; reads need no Origin
    ok = client.post(f"{API}/log", json={"message": "ok"}, headers={**cookie_only, "Origin": f"http://{HOST}"})
    assert ok.status_code == 200
    assert stats(client, cookie_only) == 200


def test_a_wrong_key_shows_the_page_again_and_never_sets_a_cookie(world):
    client = world["client"]
    response, raw, _ = sign_in(client, "lck_" + "Q" * 43)
    assert response.status_code == 401 and response.mimetype == "text/html" and not raw
    assert b"not valid" in response.data
    as_json = client.post(f"{API}/signin", json={"key": "nope"}, headers=SAME_ORIGIN)
    assert as_json.status_code == 401 and "not valid" in as_json.get_json()["error"]["message"]
    ok = client.post(f"{API}/signin", json={"key": world["key"]}, headers=SAME_ORIGIN)
    assert ok.status_code == 200 and ok.get_json() == {"principal": "alice"} and "HttpOnly" in ok.headers["Set-Cookie"]


def test_next_stays_on_this_site(world):
    for given, expected in (("//attacker.example/", "/"), ("/\\attacker.example", "/"),
                            ("https://attacker.example/", "/"), ("/chat/abc?x=1", "/chat/abc?x=1")):
        response, _, _ = sign_in(world["client"], world["key"], given)
        assert response.headers["Location"] == expected, given


def test_a_conversation_refused_for_identity_answers_an_auth_event_line(world):
    response = world["client"].post(f"{API}/conversation", headers={**SAME_ORIGIN, "Accept": "text/event-stream"},
                                    json={"messages": [{"role": "user", "content": "hi"}]})
    assert response.status_code == 401
    lines = response.data.decode().splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["type"] == "auth" and "sign in at /backend-api/v2/signin" in event["message"]
    assert event["error"]["message"] == event["message"]   # still the contract's error body


def test_open_mode_has_nothing_to_sign_in_to(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_AUTH", "none")
    client = create_app().test_client(use_cookies=False)
    assert b"no access keys" in client.get(f"{API}/signin", headers={"Host": HOST}).data
    assert client.post(f"{API}/signin", data={"key": "x"}, headers=SAME_ORIGIN).status_code == 404


def test_sessions_on_dynamodb_store_only_hashes(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_AUTH", "keys")
    with mocked_aws(monkeypatch) as aws:
        from lambdachat.accesskeys.store import DynamoKeyStore

        key = create_key(DynamoKeyStore(), "alice")
        client = create_app().test_client(use_cookies=False)
        _, _, cookie = sign_in(client, key)
        session_id = cookie["__Host-lambdachat_session"].value   # cloud mode by default
        items = aws("dynamodb").scan(TableName="lambdachat")["Items"]
        dumped = json.dumps(items)
        assert session_id not in dumped and key not in dumped
        session = next(i for i in items if i["pk"]["S"].startswith("session#"))
        assert session["name"]["S"] == "alice" and int(session["expires_at"]["N"]) > 0
        assert stats(client, with_cookie(session_id, "__Host-lambdachat_session")) == 200
        client.post(f"{API}/signout", headers=with_cookie(session_id, "__Host-lambdachat_session"))
        assert not [i for i in aws("dynamodb").scan(TableName="lambdachat")["Items"]
                    if i["pk"]["S"].startswith("session#")]


def test_sign_in_attempts_are_rate_limited_per_address(monkeypatch):
    monkeypatch.setenv("LAMBDACHAT_AUTH", "keys")
    monkeypatch.setenv("LAMBDACHAT_RATE_LIMITS", "on")
    monkeypatch.setenv("LAMBDACHAT_RATE_SIGN_IN_IP_PER_MINUTE", "1")
    monkeypatch.setenv("LAMBDACHAT_RATE_SIGN_IN_IP_BURST", "2")
    with mocked_aws(monkeypatch):
        client = create_app().test_client(use_cookies=False)
        guess = {"key": "lck_" + "Q" * 43}
        here = {"REMOTE_ADDR": "198.51.100.7"}
        codes = [client.post(f"{API}/signin", data=guess, headers=SAME_ORIGIN, environ_base=here).status_code
                 for _ in range(3)]
        assert codes == [401, 401, 429]
        elsewhere = client.post(f"{API}/signin", data=guess, headers=SAME_ORIGIN,
                                environ_base={"REMOTE_ADDR": "198.51.100.8"})
        assert elsewhere.status_code == 401


def test_the_session_survives_the_lambda_event_shapes(world):
    """API Gateway (payload 2.0) and Function URLs carry cookies in `cookies`, not a header: the
    sign-in reply's Set-Cookie must come back there, and a later event's cookies must authenticate."""
    context = LambdaContext(function_name="lambdachat-dev-session")
    same_origin = {"origin": f"https://{HTTP_API_DOMAIN}", "sec-fetch-site": "same-origin"}
    signed_in = lambda_handler("session")(http_api_event(
        "POST", f"{API}/signin", headers={**same_origin, "content-type": "application/x-www-form-urlencoded"},
        body=f"key={world['key']}&next=/chat/"), context)
    assert signed_in["statusCode"] == 303
    (cookie,) = signed_in["cookies"]
    assert cookie.startswith("lambdachat_session=lcs_") and "HttpOnly" in cookie
    pair = cookie.split(";", 1)[0]
    stats_reply = lambda_handler("stats")(http_api_event("GET", f"{API}/stats", cookies=[pair]), context)
    assert stats_reply["statusCode"] == 200
    # past identity and the Origin check on the streaming function: the unknown provider is what stops it
    chat = lambda_handler("conversation")(function_url_event(
        "POST", f"{API}/conversation", cookies=[pair], headers={"origin": f"https://{FUNCTION_URL_DOMAIN}"},
        json_body={"provider": "Nowhere", "messages": [{"role": "user", "content": "hi"}]}), context)
    assert chat["statusCode"] == 404 and "Provider not found" in chat["body"]
    anonymous = lambda_handler("stats")(http_api_event("GET", f"{API}/stats"), context)
    assert anonymous["statusCode"] == 401
