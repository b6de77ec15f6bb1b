"""Parse and validate a conversation request (JSON body or multipart with images).

Everything a client can get wrong is rejected here with a 400, before any provider runs or
any byte of the stream is sent.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from lambdachat.errors import BadRequest, PayloadTooLarge
from lambdachat.files.limits import MAX_IMAGE_BYTES
from lambdachat.model_names import check_model_name
from lambdachat.websearch.request import web_search_value

ACTIONS = frozenset({"next", "variant", "continue"})
ROLES = frozenset({"system", "user", "assistant", "tool"})
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
               "gif": "image/gif", "webp": "image/webp"}
MAX_IMAGES = 8
MAX_KEYED_PROVIDERS = 64

# Keys the server consumes itself; every other key is a provider parameter (temperature, ...).
_RESERVED = frozenset({
    "model", "provider", "messages", "conversation_id", "id", "conversation", "action",
    "api_key", "api_base", "base_url", "web_search", "download_media", "ignored",
    "aspect_ratio", "stream", "tool_calls", "proxy", "media", "timeout", "stream_timeout",
})
# Parameters passed to providers, with the JSON types they must have.
_PARAM_TYPES: dict[str, tuple[type, ...]] = {
    "temperature": (int, float), "top_p": (int, float), "max_tokens": (int,),
    "presence_penalty": (int, float), "frequency_penalty": (int, float), "seed": (int,),
    "stop": (str, list), "top_k": (int,),
}


@dataclass
class ImageUpload:
    filename: str
    content_type: str
    data: bytes

    def data_uri(self) -> str:
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode()}"


@dataclass
class ConversationInput:
    messages: list[dict[str, Any]]
    model: str = ""
    provider: str = ""
    action: str = "next"
    conversation_id: str | None = None
    message_id: str | None = None
    conversation: dict[str, Any] | None = None
    api_key: str | None = None
    api_keys: dict[str, str] = field(default_factory=dict)   # per provider, for the automatic choice
    api_base: str | None = None
    web_search: bool | str = False
    download_media: bool = True
    ignored: frozenset[str] = frozenset()
    aspect_ratio: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    images: list[ImageUpload] = field(default_factory=list)


def _opt_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{key}' must be a string")
    return value


def _check_content(index: int, content: Any) -> None:
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise BadRequest(f"messages[{index}].content must be a string or a list of parts")
    for part in content:
        if not isinstance(part, dict):
            raise BadRequest(f"messages[{index}].content parts must be objects")
        if "bucket_id" in part:
            if not isinstance(part["bucket_id"], str):
                raise BadRequest(f"messages[{index}]: bucket_id must be a string")
            continue
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str):
            continue
        if kind == "image_url" and isinstance(part.get("image_url"), dict | str):
            continue
        raise BadRequest(f"messages[{index}]: unsupported content part {kind!r}")


def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty list")
    out = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise BadRequest(f"messages[{index}] must be an object")
        role = message.get("role")
        if not isinstance(role, str) or role not in ROLES:  # an object or list here is unhashable
            raise BadRequest(f"messages[{index}].role must be one of {sorted(ROLES)}")
        _check_content(index, message.get("content"))
        out.append({"role": role, "content": message["content"]})
    return out


def _api_keys(body: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    """`api_key` is one key, or (g4f's AnyProvider, the 2026 page) one per provider name, unset
    ones null: {"Groq": "gsk_…", "OpenRouter": null}."""
    value = body.get("api_key")
    if not isinstance(value, dict):
        return _opt_str(body, "api_key"), {}
    if len(value) > MAX_KEYED_PROVIDERS:
        raise BadRequest(f"'api_key' names more than {MAX_KEYED_PROVIDERS} providers")
    keys = {}
    for name, key in value.items():
        if key is None or key == "":
            continue
        if not isinstance(key, str):
            raise BadRequest("'api_key' must be a key, or an object of provider names to keys")
        keys[name] = key
    return None, keys


def _ignored(body: dict[str, Any]) -> frozenset[str]:
    value = body.get("ignored") or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest("'ignored' must be a list of provider names")
    return frozenset(value)


def _params(body: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in body.items():
        if key in _RESERVED or value is None:
            continue
        expected = _PARAM_TYPES.get(key)
        if expected is None:
            continue  # unknown extras (V1 clients spread UI form fields) are not forwarded
        if isinstance(value, bool) or not isinstance(value, expected):
            raise BadRequest(f"'{key}' has the wrong type")
        params[key] = value
    return params


def parse_conversation(body: Any, images: list[ImageUpload] | None = None,
                       header_api_key: str | None = None, header_api_base: str | None = None
                       ) -> ConversationInput:
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    action = body.get("action") or "next"
    if not isinstance(action, str) or action not in ACTIONS:  # a list here is unhashable
        raise BadRequest(f"'action' must be one of {sorted(ACTIONS)}")
    conversation = body.get("conversation")
    if conversation is not None and not isinstance(conversation, dict):
        raise BadRequest("'conversation' must be an object")
    download_media = body.get("download_media", True)
    if not isinstance(download_media, bool):
        raise BadRequest("'download_media' must be a boolean")
    message_id = body.get("id")
    api_key, api_keys = _api_keys(body)
    return ConversationInput(
        messages=_messages(body),
        model=check_model_name(body.get("model")),
        provider=_opt_str(body, "provider") or "",
        action=action,
        conversation_id=_opt_str(body, "conversation_id"),
        message_id=None if message_id is None else str(message_id),
        conversation=conversation,
        api_key=api_key or header_api_key,
        api_keys=api_keys,
        api_base=_opt_str(body, "api_base") or _opt_str(body, "base_url") or header_api_base,
        web_search=web_search_value(body.get("web_search")),
        download_media=download_media,
        ignored=_ignored(body),
        aspect_ratio=_opt_str(body, "aspect_ratio"),
        params=_params(body),
        images=images or [],
    )


def image_upload(filename: str, data: bytes) -> ImageUpload:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    content_type = IMAGE_TYPES.get(ext)
    if content_type is None:
        raise BadRequest(f"Only images can be attached to a conversation: {filename!r}")
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(f"Image {filename!r} is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    return ImageUpload(filename=filename, content_type=content_type, data=data)
