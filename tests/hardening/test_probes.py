"""Hostile inputs against every route of the app's url_map (Flask test client, moto).

Each route gets traversal ids, NUL and unicode tricks in every path segment, oversized,
malformed and wrongly typed bodies, and a CR/LF header value it might echo. Whatever it is
sent: never a 5xx, every error is `{"error": {"message"}}`, no file outside the web root comes
back, and nothing is stored on a refusal (the table and the files bucket are checked after each
route's probes). A few of the same probes go through `lambdachat serve` at the end.
"""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lambdachat.config import get_settings
from lambdachat.storage import aws as storage
from werkzeug.routing import Rule

from tests.apps import create_local_app
from tests.aws import mocked_aws
from tests.local_server import LocalServer, local_server

VALID_ID = "5b0c6a2e-1f3d-4e8a-9c7b-2d4e6f8a0b1c"
HOSTILE_SEGMENTS = {
    "encoded traversal": "..%2F..%2Fetc%2Fpasswd",
    "dot-dot encoded": "%2e%2e",
    "traversal with ids": "%2e%2e%2f%2e%2e%2f" + VALID_ID,
    "absolute path": "%2Fetc%2Fpasswd",
    "NUL": f"{VALID_ID}%00.txt",
    "bare NUL": "%00",
    "RTL override": "%E2%80%AEtxt.exe" + "a" * 8,
    "fullwidth dots": "%EF%BC%8E%EF%BC%8E%EF%BC%8F" + "a" * 8,
    "overlong UTF-8 dot": "%C0%AE%C0%AE%C0%AF" + "a" * 8,
    "invalid UTF-8": "%FF%FE" + "a" * 8,
    "CR LF": "a%0D%0ASet-Cookie:%20pwn=1" + "a" * 8,
    "very long": "a" * 5000,
}
# `<path:…>` converters also see raw slashes (the client never encodes them).
RAW_TRAVERSAL = {"raw traversal": "../../../../etc/passwd", "raw absolute": "/etc/passwd"}
HOSTILE_FILENAMES = ["../../evil.txt", "a\x00b.txt", "\u202etxt.exe", "\uff0e\uff0e\uff0fevil.txt", "C:\\x\\evil.txt",
                     ".htaccess", "\r\nx.txt", "a" * 300 + ".txt"]
HEADER_INJECTION = "abc\r\nSet-Cookie: pwn=1"


def _rules() -> list[Rule]:
    return sorted(create_local_app().url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


RULES = _rules()


def _rule_id(rule: Rule) -> str:
    return f"{'|'.join(sorted((rule.methods or set()) - {'HEAD', 'OPTIONS'}))} {rule.rule}"


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def _url(rule: Rule, hostile: str, variable: str) -> str:
    """The rule's path with `hostile` in `variable` and a valid id in every other variable."""
    def fill(match: re.Match[str]) -> str:
        return hostile if match.group(2) == variable else VALID_ID

    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule.rule)


@pytest.fixture(scope="module")
def module_aws() -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch, mocked_aws(patch) as client:
        yield client


@pytest.fixture
def app(module_aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("LAMBDACHAT_WEB_DIR", str(_web_dir()))
    yield create_local_app()


def _web_dir() -> Any:
    from lambdachat.web.routes.spa import web_root

    return web_root(None)   # the checkout's web/ (dist/ when built)


def stored() -> list[str]:
    """Everything in the table and the files bucket."""
    ddb, s3 = storage.client("dynamodb"), storage.client("s3")
    items = ddb.scan(TableName=get_settings().table).get("Items", [])
    objects = s3.list_objects_v2(Bucket=get_settings().files_bucket).get("Contents", [])
    return [f"{i['pk']['S']}|{i['sk']['S']}" for i in items] + [o["Key"] for o in objects]


def clear_storage() -> None:
    ddb, s3 = storage.client("dynamodb"), storage.client("s3")
    for item in ddb.scan(TableName=get_settings().table).get("Items", []):
        ddb.delete_item(TableName=get_settings().table, Key={"pk": item["pk"], "sk": item["sk"]})
    for obj in s3.list_objects_v2(Bucket=get_settings().files_bucket).get("Contents", []):
        s3.delete_object(Bucket=get_settings().files_bucket, Key=obj["Key"])


def check(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.get_data()[:300]!r}"
    if response.status_code >= 400:
        assert response.mimetype == "application/json", what
        body = response.get_json()
        assert isinstance(body, dict) and set(body) == {"error"}, what
        assert isinstance(body["error"].get("message"), str), what
    data = response.get_data() if not response.is_streamed else b""
    assert b"root:x:0:0" not in data, f"{what}: served a file outside the web root"
    assert "pwn" not in str(response.headers.get("Set-Cookie", "")), what


@pytest.mark.parametrize("rule", [r for r in RULES if r.arguments], ids=_rule_id)
def test_hostile_path_segments_are_refused_cleanly(app: Flask, rule: Rule) -> None:
    client = app.test_client()
    clear_storage()
    for variable in sorted(rule.arguments):
        segments = dict(HOSTILE_SEGMENTS)
        if rule._converters[variable].__class__.__name__ in {"PathConverter", "SpaPathConverter"}:
            segments |= RAW_TRAVERSAL
        for name, hostile in segments.items():
            for method in _methods(rule):
                url = _url(rule, hostile, variable)
                check(client.open(url, method=method, json={"messages": [{"role": "user", "content": "x"}]}),
                      f"{method} {url} ({name} in {variable})")
    assert stored() == [], "a refused request stored something"


def _posts() -> list[Rule]:
    return [r for r in RULES if {"POST"} & (r.methods or set())]


@pytest.mark.parametrize("rule", _posts(), ids=_rule_id)
def test_oversized_malformed_and_mistyped_bodies(app: Flask, rule: Rule) -> None:
    client = app.test_client()
    clear_storage()
    url = _url(rule, VALID_ID, "")
    too_big = b"{" + b" " * get_settings().max_request_bytes + b"}"
    probes: list[tuple[str, dict[str, Any]]] = [
        ("oversized", {"data": too_big, "content_type": "application/json"}),
        ("malformed JSON", {"data": b'{"messages": [', "content_type": "application/json"}),
        ("JSON array", {"data": b"[1, 2]", "content_type": "application/json"}),
        ("invalid UTF-8", {"data": b'{"a": "\xff\xfe"}', "content_type": "application/json"}),
        ("NUL bytes", {"data": b"\x00" * 64, "content_type": "application/json"}),
        ("XML", {"data": b"<a><b/></a>", "content_type": "application/xml"}),
        ("no content type", {"data": b"<a/>"}),
        ("broken multipart", {"data": b"--x\r\nContent-Disposition: form-data; name=\"files\"\r\n\r\nabc",
                              "content_type": "multipart/form-data; boundary=x"}),
        ("multipart without boundary", {"data": b"abc", "content_type": "multipart/form-data"}),
        ("lying content length", {"data": b"{}", "content_type": "application/json",
                                  "headers": {"Content-Length": "99999999"}}),
    ]
    for name, kwargs in probes:
        check(client.post(url, **kwargs), f"POST {url} ({name})")
    assert stored() == [], "a refused body stored something"


@pytest.mark.parametrize("route", ["/backend-api/v2/files/" + VALID_ID, "/backend-api/v2/upload_cookies"])
def test_hostile_upload_filenames_never_escape_their_prefix(app: Flask, route: str) -> None:
    client = app.test_client()
    for filename in HOSTILE_FILENAMES:
        clear_storage()
        field = "files" if "/files/" in route else "file"
        response = client.post(route, data={field: (io.BytesIO(b'{"x": 1}'), filename)},
                               content_type="multipart/form-data")
        check(response, f"upload {filename!r} to {route}")
        for key in stored():
            if "|" in key:
                continue  # table items: their keys are ids the server made
            assert key.startswith(("buckets/local/", "principals/local/")), key
            assert ".." not in key.split("/") and "\x00" not in key and "\u202e" not in key, key
        if response.status_code >= 400:
            assert [k for k in stored() if "|" not in k] == [], f"refused {filename!r} but stored it"


@pytest.mark.parametrize("rule", RULES, ids=_rule_id)
def test_an_echoed_request_id_cannot_inject_headers(app: Flask, rule: Rule) -> None:
    client: FlaskClient = app.test_client()
    url = _url(rule, VALID_ID, "")
    for method in _methods(rule):
        # Through the WSGI environ: werkzeug's client refuses to build such a header itself.
        response = client.open(url, method=method, environ_overrides={"HTTP_X_REQUEST_ID": HEADER_INJECTION})
        check(response, f"{method} {url}")
        echoed = response.headers["x-request-id"]
        assert "\r" not in echoed and "\n" not in echoed and echoed != HEADER_INJECTION


def test_the_role_of_a_message_must_be_a_string_not_an_object(app: Flask) -> None:
    """Found by the fuzzer: an object as role or action was a 500 (unhashable in a set lookup)."""
    client = app.test_client()
    for body in ({"messages": [{"role": {}, "content": "x"}]}, {"messages": [{"role": ["user"], "content": "x"}]},
                 {"action": [None], "messages": [{"role": "user", "content": "x"}]}):
        response = client.post("/backend-api/v2/conversation", json=body)
        assert response.status_code == 400, body
        check(response, str(body))


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with local_server({"LAMBDACHAT_RATE_LIMITS": "off"}) as running:
        yield running


def raw_request(server: LocalServer, request_line: str, headers: str = "") -> tuple[int, bytes, bytes]:
    """Bytes on the wire exactly as given (no client library normalises the path or the headers)."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(f"{request_line} HTTP/1.1\r\nHost: {parts.netloc}\r\n{headers}Connection: close\r\n\r\n"
                     .encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body


@pytest.mark.parametrize("path", [
    "/backend-api/v2/files/..%2F..%2Fetc%2Fpasswd", "/backend-api/v2/chat/%2e%2e%2f%2e%2e%2fsecret",
    "/media/../../../../etc/passwd", "/images/%2e%2e/%2e%2e/etc/passwd", "/files/x%00y/media/%00.png",
    "/backend-api/v2/memory/%E2%80%AEadmin", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
    "/backend-api/v2/usage/%EF%BC%8E%EF%BC%8E",
])
def test_traversal_through_the_running_server(server: LocalServer, path: str) -> None:
    status, head, body = raw_request(server, f"GET {path}")
    assert status < 500
    assert b"root:x:0:0" not in body
    if status >= 400 and status != 414:
        assert b"application/json" in head and b'"error"' in body


def test_a_bare_cr_in_a_request_id_is_never_echoed_by_the_running_server(server: LocalServer) -> None:
    status, head, _ = raw_request(server, "GET /backend-api/v2/version",
                                  "x-request-id: abc\rSet-Cookie: pwn=1\r\n")
    assert status < 500
    assert b"pwn" not in head
