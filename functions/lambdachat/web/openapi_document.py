"""The OpenAPI 3.1 document of every route, as data (served by `routes/openapi.py`).

Schemas follow what each view and its domain code really accept and answer (see the route
modules and the API contract the README links); `tests/hardening/test_openapi.py` checks the paths against the
app's url_map both ways, so a new route without a document entry fails CI. Request bodies stay
open (`additionalProperties` allowed) where the route passes unknown keys on, as g4f does.
"""

from __future__ import annotations

import copy
from typing import Any

from lambdachat import __version__
from lambdachat.ids import CLIENT_ID_PATTERN

Schema = dict[str, Any]

ERROR: Schema = {"type": "object", "required": ["error"],
                 "properties": {"error": {"type": "object", "required": ["message"],
                                          "properties": {"message": {"type": "string"}}}}}
# Ids the routes accept (lambdachat.ids for buckets and shares, memory.model.USER_ID …).
BUCKET_ID: Schema = {"type": "string", "pattern": CLIENT_ID_PATTERN}
USER_ID: Schema = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$"}
FILENAME: Schema = {"type": "string", "pattern": "^[A-Za-z0-9_.,+-]{1,100}$"}
TEXT: Schema = {"type": "string"}
OBJECT: Schema = {"type": "object"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
NULLABLE_INT: Schema = {"type": ["integer", "null"]}
BOOL: Schema = {"type": "boolean"}
INT: Schema = {"type": "integer"}

MEMORY: Schema = {"type": "object", "required": ["id", "memory", "user_id", "metadata", "created_at"],
                  "properties": {"id": TEXT, "memory": TEXT, "user_id": TEXT, "created_at": TEXT,
                                 "score": {"type": "number"},
                                 "metadata": {"type": "object", "required": ["conversation_id", "role"],
                                              "properties": {"conversation_id": TEXT, "role": TEXT}}}}
FILE_RECORD: Schema = {"type": "object", "required": ["name", "kind", "state", "size"],
                       "properties": {"name": TEXT, "kind": {"enum": ["document", "media"]},
                                      "state": TEXT, "size": INT, "error": TEXT}}
TOKENS: Schema = {"type": "object", "properties": {"prompt_tokens": INT, "completion_tokens": INT,
                                                    "total_tokens": INT}}
USAGE_RECORD: Schema = {"type": "object",
                        "required": ["id", "model", "provider", "prompt_tokens", "completion_tokens",
                                     "total_tokens", "source", "created_at"],
                        "properties": {**TOKENS["properties"], "id": TEXT, "model": TEXT, "provider": TEXT,
                                       "source": TEXT, "created_at": TEXT}}


def _object(required: list[str], **properties: Schema) -> Schema:
    return {"type": "object", "required": required, "properties": properties}


def _array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def _json(schema: Schema, description: str = "OK") -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _raw(*media_types: str, description: str = "OK") -> Schema:
    # An event stream's schema describes each event's JSON data (as schemathesis reads it).
    return {"description": description,
            "content": {media: {"schema": OBJECT if media == "text/event-stream" else TEXT}
                        for media in media_types}}


def _empty(description: str) -> Schema:
    return {"description": description}


def _path(name: str, schema: Schema | None = None) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": schema or TEXT}


def _query(name: str, schema: Schema | None = None) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema or TEXT}


def _header(name: str) -> Schema:
    return {"name": name, "in": "header", "required": False, "schema": TEXT}


# gunicorn's HTTP parser refuses a request line over 4 KB before the app sees it (local server only).
URI_TOO_LONG: Schema = {"description": "Request line too long (local server)",
                        "content": {"text/html": {"schema": {"type": "string"}}}}
PROVIDER_HEADERS = [_header("x-api-key"), _header("x-api-base")]
FLAG: Schema = {"type": "string", "enum": ["true", "false", "1", "0", "yes", "no", "on", "off"]}
MEDIA_RESPONSES = {"200": _raw("*/*"), "206": _raw("*/*", description="A byte range"),
                   "302": _empty("Presigned redirect to the stored object"), "304": _empty("Not modified")}
MEDIA_PARAMS = [_header("Range"), _header("If-None-Match")]


def _op(summary: str, responses: dict[str, Schema], *, parameters: list[Schema] | None = None,
        body: dict[str, Schema] | None = None, public: bool = False) -> Schema:
    op: Schema = {"summary": summary, "parameters": parameters or [],
                  "responses": {**responses, "414": URI_TOO_LONG, "default": _json(ERROR, "Error")}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    if public:
        op["security"] = []
    return op


CONVERSATION_BODY: Schema = {
    "type": "object", "required": ["messages"],
    "properties": {
        "model": TEXT, "provider": TEXT, "conversation_id": TEXT, "id": TEXT, "conversation": OBJECT,
        "action": {"enum": ["next", "variant", "continue"]},
        "api_key": {"type": ["string", "object"], "additionalProperties": NULLABLE_STRING}, "api_base": TEXT,
        "web_search": {"type": ["boolean", "string"]}, "download_media": BOOL, "ignored": _array(TEXT),
        "messages": _array({"type": "object", "required": ["role", "content"],
                            "properties": {"role": {"enum": ["system", "user", "assistant"]},
                                           "content": {"type": ["string", "array"]}}}),
    },
}
SHARE_BODY: Schema = {"type": "object", "properties": {"id": TEXT, "title": TEXT, "added": INT,
                                                         "updated": INT, "items": _array(OBJECT)}}
SHARE_SAVED = _object(["share_id", "expires_at"], share_id=TEXT, expires_at=NULLABLE_INT, owner_token=TEXT)
UPLOAD_RESULT = _object(["bucket_id", "files", "media", "skipped"], bucket_id=TEXT, files=_array(TEXT),
                        media=_array(TEXT), skipped=_array(OBJECT))
CREATE_PARAMS = [_query(n) for n in ("prompt", "model", "provider", "filter_markdown", "cache", "web_search",
                                     "stream")]
SPEECH_PARAMS = [_query(n) for n in ("text", "voice", "format", "speed", "model")]
STATS_COUNTS = _object(["prompt_tokens", "completion_tokens", "total_tokens"], **TOKENS["properties"])

BUCKET = [_path("bucket_id", BUCKET_ID)]
SHARE_ID = [_path("share_id", BUCKET_ID)]
USER = [_path("user_id", USER_ID)]

PATHS: dict[str, dict[str, Schema]] = {
    "/backend-api/v2/version": {"get": _op("Server version", {"200": _json(_object(
        ["version", "latest_version"], version=TEXT, latest_version=NULLABLE_STRING))}, public=True)},
    "/backend-api/v2/models": {"get": _op("Models across configured providers", {"200": _json(_array(_object(
        ["name", "image", "vision", "providers"], name=TEXT, image=BOOL, vision=BOOL,
        providers=_array(TEXT))))}, public=True)},
    "/backend-api/v2/status": {"get": _op("Server summary (g4f 8.8)", {"200": _json(_object(
        ["status", "uptime", "version", "latest_version", "total_providers", "working_providers", "total_models",
         "timestamp"], status=TEXT, uptime=TEXT, version=TEXT, latest_version=NULLABLE_STRING,
        total_providers=INT, working_providers=INT, total_models=INT, timestamp=TEXT))}, public=True)},
    "/backend-api/v2/models/{provider_name}": {"get": _op(
        "A provider's live model list (`AnyProvider`: the automatic choice's models)", {"200": _json(
            _array(_object(["model", "id", "label", "default", "vision", "image", "audio", "video", "count", "tags",
                            "task"], model=TEXT, id=TEXT, label=TEXT, default=BOOL, vision=BOOL, image=BOOL,
                           audio=BOOL, video=BOOL, count={"type": ["integer", "boolean"]}, tags=_array(TEXT),
                           task=NULLABLE_STRING)))},
        parameters=[_path("provider_name"), *PROVIDER_HEADERS, _header("x-ignored"), _query("ignored")],
        public=True)},
    "/backend-api/v2/health/{provider_name}": {"get": _op("Whether a provider answers (g4f 8.8)", {"200": _json(
        _object(["url", "status", "ok", "quota"], url=NULLABLE_STRING, status=INT, ok=BOOL, quota={"type": "null"},
                error=TEXT))}, parameters=[_path("provider_name"), *PROVIDER_HEADERS], public=True)},
    "/backend-api/v2/providers": {"get": _op("Providers", {"200": _json(_array(_object(
        ["name", "label", "parent", "image", "audio", "video", "vision", "nodriver", "hf_space",
         "active_by_default", "auth", "login_url", "live", "login"],
        name=TEXT, label=TEXT, parent={"type": "null"}, image=BOOL, audio=INT, video=INT, vision=BOOL,
        nodriver=BOOL, hf_space=BOOL, active_by_default=BOOL, auth=BOOL, login_url=NULLABLE_STRING, live=INT,
        login=BOOL)))}, public=True)},
    "/backend-api/v2/openapi.json": {"get": _op("This document", {"200": _json(OBJECT)}, public=True)},
    "/backend-api/v2/conversation": {"post": _op(
        "Streamed answer: NDJSON events, or SSE with ?format=sse",
        {"200": _raw("application/x-ndjson", "text/event-stream"),
         # The V1 client reads <title>/<p> from a 429 unless it asked for JSON.
         "429": {"description": "Rate limited", "content": {"application/json": {"schema": ERROR},
                                                            "text/html": {"schema": TEXT}}}},
        parameters=[_query("format", {"enum": ["ndjson", "sse"]}), *PROVIDER_HEADERS],
        body={"application/json": {"schema": CONVERSATION_BODY},
              "multipart/form-data": {"schema": _object(["json"], json=TEXT,
                                                        files=_array({"type": "string",
                                                                      "contentMediaType": "image/png"}))}})},
    "/backend-api/v2/files/{bucket_id}": {
        "post": _op("Upload files into a bucket", {"200": _json(UPLOAD_RESULT)}, parameters=BUCKET,
                    body={"multipart/form-data": {"schema": _object(["files"], files=_array(
                        {"type": "string", "contentMediaType": "application/octet-stream"}))}}),
        "get": _op("The bucket's extracted text, or progress events with Accept: text/event-stream",
                   {"200": _raw("text/plain", "text/event-stream")},
                   parameters=[*BUCKET, _query("delete_files", FLAG), _query("refine_chunks_with_spacy", FLAG)]),
        "delete": _op("Delete the bucket (and revoke a share of the same id given its token)",
                      {"200": _json(_object(["message"], message=TEXT))}, parameters=BUCKET),
    },
    "/backend-api/v2/files/{bucket_id}/stream": {"get": _op(
        "The bucket's progress events", {"200": _raw("text/event-stream")},
        parameters=[*BUCKET, _query("delete_files", FLAG)])},
    "/backend-api/v2/files/{bucket_id}/uploads": {"post": _op(
        "Reserve a file and get a presigned S3 POST for it",
        {"200": _json(_object(["bucket_id", "name", "kind", "state", "upload", "max_bytes", "expires_in"],
                              bucket_id=TEXT, name=TEXT, kind=TEXT, state=TEXT, upload=OBJECT, max_bytes=INT,
                              expires_in=INT))},
        parameters=BUCKET, body={"application/json": {"schema": _object(
            ["filename"], filename=TEXT, size={"type": "integer", "minimum": 0})}})},
    "/backend-api/v2/files/{bucket_id}/uploads/{filename}/complete": {"post": _op(
        "Mark a presigned upload done", {"200": _json({**FILE_RECORD, "required": ["bucket_id",
                                                                                   *FILE_RECORD["required"]]})},
        parameters=[*BUCKET, _path("filename", FILENAME)])},
    "/backend-api/v2/files/{bucket_id}/status": {"get": _op(
        "Each file's state", {"200": _json(_object(["bucket_id", "files"], bucket_id=TEXT,
                                                   files=_array(FILE_RECORD)))}, parameters=BUCKET)},
    "/backend-api/v2/chat/{share_id}": {
        "get": _op("A shared conversation", {"200": _json(OBJECT), "304": _empty("Not modified")},
                   parameters=[*SHARE_ID, _header("If-None-Match")], public=True),
        "post": _op("Create or update a share (the owner token is needed to update)",
                    {"200": _json(SHARE_SAVED), "409": _json(ERROR, "A concurrent write won"),
                     "412": _json(ERROR, "If-Match does not name the current version")},
                    parameters=[*SHARE_ID, _query("expires"), _header("x-share-token"),
                                _header("If-Match")],
                    body={"application/json": {"schema": SHARE_BODY}}),
        "delete": _op("Revoke a share", {"200": _json(_object(["message"], message=TEXT))},
                      parameters=[*SHARE_ID, _header("x-share-token")]),
    },
    "/backend-api/v2/upload_cookies": {"post": _op(
        "Store provider cookies or keys (.json, .har) for the caller", {"200": _json({"const": "File saved"})},
        body={"multipart/form-data": {"schema": _object(["file"], file={
            "type": "string", "contentMediaType": "application/json"})}})},
    "/files/{bucket_id}/media/{filename}": {"get": _op(
        "One media file of the caller's bucket; with `share`, one that live share shows (no key needed)",
        MEDIA_RESPONSES,
        parameters=[*BUCKET, _path("filename", FILENAME), _query("share"), *MEDIA_PARAMS])},
    "/images/{name}": {"get": _op("Generated media (alias of /media)", MEDIA_RESPONSES,
                                  parameters=[_path("name"), *MEDIA_PARAMS], public=True)},
    "/media/{name}": {"get": _op("Generated media: <owner tag>/<file name>", MEDIA_RESPONSES,
                                 parameters=[_path("name"), *MEDIA_PARAMS], public=True)},
    "/search/{terms}": {"get": _op(
        "Redirect to the caller's best-matching generated media",
        {"302": _empty("Redirect to the media file")},
        parameters=[_path("terms"), _query("skip", {"type": "integer", "minimum": 0}), _query("random"),
                    _query("min")])},
    "/backend-api/v2/create": {
        "get": _op("One-shot answer as text", {"200": _raw("text/plain"), "302": _empty("Generated media")},
                   parameters=[*CREATE_PARAMS, *PROVIDER_HEADERS]),
        "post": _op("One-shot answer as text (query, form or JSON body)",
                    {"200": _raw("text/plain"), "302": _empty("Generated media")},
                    parameters=[*CREATE_PARAMS, *PROVIDER_HEADERS],
                    body={"application/json": {"schema": _object([], prompt=TEXT, model=TEXT, provider=TEXT)},
                          "application/x-www-form-urlencoded": {"schema": _object([], prompt=TEXT, model=TEXT,
                                                                                 provider=TEXT)}}),
    },
    "/backend-api/v2/synthesize/{provider}": {
        "get": _op("Text to speech", {"200": _raw("audio/*")},
                   parameters=[_path("provider"), *SPEECH_PARAMS, *PROVIDER_HEADERS]),
        "post": _op("Text to speech (JSON body)", {"200": _raw("audio/*")},
                    parameters=[_path("provider"), *PROVIDER_HEADERS],
                    body={"application/json": {"schema": _object(["text"], text=TEXT, voice=TEXT, format=TEXT,
                                                                 speed={"type": "number"}, model=TEXT)}}),
    },
    "/backend-api/v2/memory/{user_id}": {
        "post": _op("Add memories", {"200": _json(_object(["count"], count=INT))}, parameters=USER,
                    body={"application/json": {"schema": _object(["items"], id=TEXT, items=_array(_object(
                        ["role", "content"], role=TEXT, content=TEXT)))}}),
        "get": _op("List (page, page_size) or search (search, limit) memories",
                   {"200": _json({"oneOf": [_array(MEMORY), _object(
                       ["count", "page", "page_size", "next", "previous", "results"], count=INT, page=INT,
                       page_size=INT, next=NULLABLE_INT, previous=NULLABLE_INT, results=_array(MEMORY))]})},
                   parameters=[*USER, _query("search"), _query("limit", INT), _query("page", INT),
                               _query("page_size", INT)]),
        "delete": _op("Delete all of a user's memories",
                      {"200": _json(_object(["message", "count"], message=TEXT, count=INT))}, parameters=USER),
    },
    "/backend-api/v2/memory/{user_id}/{memory_id}": {"delete": _op(
        "Delete one memory", {"200": _json(_object(["message", "id"], message=TEXT, id=TEXT))},
        parameters=[*USER, _path("memory_id")])},
    "/backend-api/v2/usage": {"post": _op(
        "Record a usage record", {"200": _json(_object([]))},
        body={"application/json": {"schema": _object([], model=TEXT, provider=TEXT, **TOKENS["properties"])}})},
    "/backend-api/v2/usage/{day}": {"get": _op(
        "The caller's usage records of one day", {"200": _json(_array(USAGE_RECORD))},
        parameters=[_path("day", {"type": "string", "format": "date"})])},
    "/backend-api/v2/stats": {"get": _op(
        "Usage per day, model and provider", {"200": _json(_object(
            ["days", "models", "providers", "totals"], days=_array(OBJECT),
            models={"type": "object", "additionalProperties": STATS_COUNTS},
            providers={"type": "object", "additionalProperties": STATS_COUNTS}, totals=STATS_COUNTS))},
        parameters=[_query("days", {"type": "integer", "minimum": 1, "maximum": 366})])},
    "/backend-api/v2/log": {"post": _op(
        "Record a client log line", {"200": _json(_object([]))},
        body={"application/json": {"schema": _object([], error=TEXT, message=TEXT, provider=TEXT)}})},
    "/backend-api/v2/signin": {
        "get": _op("The sign-in page (keys mode): a form that takes an access key once",
                   {"200": _raw("text/html")}, parameters=[_query("next")], public=True),
        "post": _op("Sign in: a session cookie for a valid access key (a form redirects to `next`)",
                    {"200": _json(_object(["principal"], principal=TEXT)),
                     "303": _empty("Signed in (form): back to `next`, the session cookie set"),
                     "401": {"description": "Not a valid key", "content": {"text/html": {"schema": TEXT},
                                                                           "application/json": {"schema": ERROR}}}},
                    body={"application/x-www-form-urlencoded": {"schema": _object(["key"], key=TEXT, next=TEXT)},
                          "application/json": {"schema": _object(["key"], key=TEXT)}}, public=True)},
    "/backend-api/v2/signout": {"post": _op(
        "Sign out: the session ends and its cookie is cleared",
        {"200": _json(_object([])), "303": _empty("Signed out (form): to the sign-in page")}, public=True)},
    "/": {"get": _op("The web app", {"200": _raw("text/html")}, public=True)},
    "/{path}": {"get": _op("The web app's files; client-side routes get index.html", {"200": _raw("*/*")},
                           parameters=[_path("path")], public=True)},
}


def document() -> Schema:
    """A fresh copy: callers may change theirs (the tests do) without touching the served one."""
    return copy.deepcopy({
        "openapi": "3.1.0",
        "info": {"title": "lambdachat", "version": __version__,
                 "description": "The g4f chat GUI backend API. Every error is {\"error\": {\"message\"}}."},
        "components": {"securitySchemes": {"accessKey": {"type": "http", "scheme": "bearer"},
                                           # from the sign-in page; `__Host-lambdachat_session` over https
                                           "session": {"type": "apiKey", "in": "cookie",
                                                       "name": "lambdachat_session"}},
                       "schemas": {"Error": ERROR}},
        # Needed only with LAMBDACHAT_AUTH=keys; public operations override it with [].
        "security": [{"accessKey": []}, {"session": []}],
        "paths": PATHS,
    })
