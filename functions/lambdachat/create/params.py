"""The parameters of `/create` (query, form or JSON body), checked before anything runs."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from lambdachat.config import get_settings
from lambdachat.errors import BadRequest, PayloadTooLarge
from lambdachat.flags import flag_value, request_flag
from lambdachat.model_names import check_model_name
from lambdachat.websearch.request import web_search_value

MAX_CACHE_KEY = 200
_NAME = re.compile(r"^[\w.:/@+-]{1,200}$")
_LANGUAGE = re.compile(r"^[\w+#.-]{1,32}$")


@dataclass(frozen=True)
class CreateParams:
    prompt: str
    model: str = ""
    provider: str = ""
    filter_markdown: bool = False
    language: str | None = None     # filter_markdown=<language>: a block of that language only
    web_search: bool | str = False
    stream: bool = False
    cache: str | None = None

    def cache_digest(self) -> str:
        """Every parameter that shapes the answer, hashed (stream only changes the delivery)."""
        shaping = {k: v for k, v in asdict(self).items() if k != "stream"}
        return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()


def _flag(name: str, raw: Any) -> bool:
    return request_flag(name, raw, default=False)


def _text(name: str, raw: Any, pattern: re.Pattern[str] | None = None) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise BadRequest(f"'{name}' must be a string")
    if raw and pattern is not None and not pattern.match(raw):
        raise BadRequest(f"'{name}' has characters or a length it cannot have")
    return raw


def parse_create(values: Mapping[str, Any]) -> CreateParams:
    prompt = _text("prompt", values.get("prompt"))
    if not prompt.strip():
        raise BadRequest("'prompt' is required")
    limit = get_settings().create_max_prompt_chars
    if len(prompt) > limit:
        raise PayloadTooLarge(f"'prompt' is longer than {limit} characters")

    raw_filter = values.get("filter_markdown")
    filter_text = "" if raw_filter is None else str(raw_filter).strip()
    language = None
    if flag_value(filter_text) is not None or filter_text == "" or isinstance(raw_filter, bool):
        wants_filter = _flag("filter_markdown", raw_filter if isinstance(raw_filter, bool) else filter_text)
    else:
        language = _text("filter_markdown", filter_text, _LANGUAGE)
        wants_filter = True

    web_search = web_search_value(values.get("web_search"))

    cache = _text("cache", values.get("cache")) or None
    if cache is not None and len(cache) > MAX_CACHE_KEY:
        raise BadRequest(f"'cache' is longer than {MAX_CACHE_KEY} characters")
    return CreateParams(prompt=prompt, model=check_model_name(values.get("model")),
                        provider=_text("provider", values.get("provider"), _NAME),
                        filter_markdown=wants_filter, language=language, web_search=web_search,
                        stream=_flag("stream", values.get("stream", "")), cache=cache)
