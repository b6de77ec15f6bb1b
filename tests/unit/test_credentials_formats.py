"""The upload formats g4f users have: cookie exports, key files, HAR logs."""

import json

import pytest
from lambdachat.config import Settings
from lambdachat.credentials.formats import Extract, parse_upload
from lambdachat.errors import BadRequest
from lambdachat.providers.registry import Registry, builtin_providers

_REGISTRY = Registry(builtin_providers(), Settings())


def KNOWN(name: str) -> str | None:
    provider = _REGISTRY.get_provider(name)
    return provider.name if provider is not None else None



def dumps(value) -> bytes:
    return json.dumps(value).encode()


def har(*entries) -> bytes:
    return dumps({"log": {"version": "1.2", "entries": list(entries)}})


def entry(url, headers=(), cookies=()):
    return {"request": {"method": "POST", "url": url,
                        "headers": [{"name": n, "value": v} for n, v in headers],
                        "cookies": [{"name": n, "value": v} for n, v in cookies]},
            "response": {"status": 200}}


def test_cookie_export_array_is_cookies_by_domain():
    extract = parse_upload("cookies.json", dumps([
        {"domain": ".google.com", "name": "SID", "value": "a", "expirationDate": 1.7e9, "httpOnly": True},
        {"domain": ".google.com", "name": "HSID", "value": "b"},
        {"domain": "chatgpt.com", "name": "__Secure-next-auth.session-token", "value": "c"}]), KNOWN)
    assert extract == Extract(cookies={".google.com": {"SID": "a", "HSID": "b"},
                                       "chatgpt.com": {"__Secure-next-auth.session-token": "c"}})


@pytest.mark.parametrize("filename", ["api_key_OpenAI.json", "api_key_OpenaiAPI.json", "auth_OpenAI.json",
                                      "API_KEY_openai.json"])
def test_g4f_single_key_file_names_the_provider(filename):
    assert parse_upload(filename, dumps({"api_key": " sk-one "}), KNOWN).keys == {"OpenAI": "sk-one"}


def test_keys_per_provider_object_with_g4f_and_our_names():
    extract = parse_upload("keys.json", dumps({"OpenAI": {"api_key": "sk-o"}, "GeminiPro": {"api_key": "g-1"},
                                               "groq": {"api_key": "gsk"}, "NotAProvider": {"api_key": "x"},
                                               "Anthropic": {"no_key": True}}), KNOWN)
    assert extract.keys == {"OpenAI": "sk-o", "Gemini": "g-1", "Groq": "gsk"}


def test_har_keys_from_requests_to_known_provider_apis_and_g4f_cookie_domains():
    extract = parse_upload("session.har", har(
        entry("https://api.openai.com/v1/chat/completions", [("Authorization", "Bearer sk-old")]),
        entry("https://api.openai.com/v1/models", [("authorization", "Bearer sk-new")]),   # later wins
        entry("https://api.anthropic.com/v1/messages", [("x-api-key", "sk-ant")]),
        entry("https://generativelanguage.googleapis.com/v1beta/models?key=AIza-g"),
        entry("https://evil.example/v1/chat", [("Authorization", "Bearer stolen")]),
        entry("https://chatgpt.com/backend-api/conversation", cookies=[("oai-did", "d1")]),
        entry("https://www.example.org/", cookies=[("tracking", "x")]),
    ), KNOWN)
    assert extract.keys == {"OpenAI": "sk-new", "Anthropic": "sk-ant", "Gemini": "AIza-g"}
    assert extract.cookies == {"chatgpt.com": {"oai-did": "d1"}}


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("cookies.txt", b"[]", "Not supported"),
    ("noext", b"[]", "Not supported"),
    ("cookies.json", b"{not json", "not valid"),
    ("cookies.json", b"\xff\xfe\x00", "not valid"),
    ("cookies.json", b'"a string"', "cookie array"),
    ("cookies.json", dumps([{"domain": "a.com", "name": "n"}]), "string domain, name and value"),
    ("cookies.json", dumps([]), "holds no cookies"),
    ("keys.json", dumps({"api_key": "sk"}), "api_key_<Provider>.json"),
    ("api_key_Nobody.json", dumps({"api_key": "sk"}), "No provider lambdachat knows"),
    ("keys.json", dumps({"OpenAI": {"api_key": "has spaces in it"}}), "holds no cookies"),
    ("keys.json", dumps({"OpenAI": {"api_key": 12345}}), "holds no cookies"),
    ("keys.json", dumps({"settings": "from somewhere"}), "holds no cookies"),
    ("s.har", dumps({"log": {}}), "log.entries"),
    ("s.har", dumps([1, 2]), "log.entries"),
    ("s.har", har(entry("https://www.example.org/")), "holds no cookies"),
])
def test_files_that_hold_nothing_usable_are_400_with_a_message(filename, data, message):
    with pytest.raises(BadRequest) as caught:
        parse_upload(filename, data, KNOWN)
    assert message in caught.value.message


def _har_with(request: object) -> bytes:
    return dumps({"log": {"entries": [{"request": request}]}})


REQUEST = {"method": "GET", "url": "https://chatgpt.com/", "headers": [], "cookies": []}


# A HAR whose parts have the wrong type is the uploader's mistake: a 400 that names the part, never
# an AttributeError/TypeError 500 (issue 11, #10).
@pytest.mark.parametrize(("document", "where"), [
    (dumps({"log": 5}), "log"),
    (dumps({"log": None}), "log"),
    (dumps({"log": []}), "log"),
    (dumps({"log": {"entries": {}}}), "log.entries"),
    (dumps({"log": {"entries": [5]}}), "log.entries[0]"),
    (dumps({"log": {"entries": [{"request": "GET /"}]}}), "log.entries[0].request"),
    (_har_with({**REQUEST, "url": 5}), "log.entries[0].request.url"),
    (_har_with({**REQUEST, "url": "https://[::1/"}), "log.entries[0].request.url"),
    (_har_with({**REQUEST, "headers": 5}), "log.entries[0].request.headers"),
    (_har_with({**REQUEST, "headers": {"authorization": "Bearer x"}}), "log.entries[0].request.headers"),
    (_har_with({**REQUEST, "headers": ["authorization: Bearer x"]}), "log.entries[0].request.headers[0]"),
    (_har_with({**REQUEST, "headers": [{"name": "authorization", "value": 5}]}),
     "log.entries[0].request.headers[0]"),
    (_har_with({**REQUEST, "cookies": 5}), "log.entries[0].request.cookies"),
    (_har_with({**REQUEST, "cookies": "a=b"}), "log.entries[0].request.cookies"),
    (_har_with({**REQUEST, "cookies": [{"name": 5, "value": "v"}]}), "log.entries[0].request.cookies[0]"),
    (_har_with({**REQUEST, "cookies": [None]}), "log.entries[0].request.cookies[0]"),
])
def test_a_har_with_parts_of_the_wrong_type_is_400_naming_the_part(document, where):
    with pytest.raises(BadRequest) as caught:
        parse_upload("session.har", document, KNOWN)
    assert caught.value.message.startswith(f"{where} ")


def test_a_har_entry_without_headers_or_cookies_is_fine():
    request = {"url": "https://chatgpt.com/", "cookies": [{"name": "a", "value": "b"}]}
    extract = parse_upload("s.har", _har_with(request), KNOWN)
    assert extract.cookies == {"chatgpt.com": {"a": "b"}}
