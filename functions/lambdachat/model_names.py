"""What a model name may be, wherever a client names one (conversation, create, usage).

Real model ids are short ASCII: `gpt-4o-mini`, `meta-llama/llama-3.3-70b-instruct`,
`openai/gpt-oss-20b:free`, `hf.co/bartowski/x-GGUF:Q4_K_M`, `claude-3-5-sonnet@20240620`. A client
that lost track of its model list sends something else: the 2026 g4f page, given entries without
`id`, sent its `<option>`'s stringified object, `[object Object]`, which was forwarded upstream
and recorded in usage. Such a name is a 400 before anything runs.
"""

from __future__ import annotations

import re
from typing import Any

from lambdachat.errors import BadRequest

MAX_MODEL_NAME = 200
MODEL_NAME_PATTERN = rf"[A-Za-z0-9_.:/@+~-]{{1,{MAX_MODEL_NAME}}}"
_MODEL_NAME = re.compile(MODEL_NAME_PATTERN)


def check_model_name(value: Any, key: str = "model") -> str:
    """The model a client named ("" for none: the provider's default)."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"'{key}' must be a string")
    # fullmatch: `$` alone lets a trailing newline through. No `..`: no model id has one, and a
    # name is never a path, but it must not look like one in a log or a metrics dimension either.
    if not _MODEL_NAME.fullmatch(value) or ".." in value:
        raise BadRequest(f"'{key}' must be a model name: at most {MAX_MODEL_NAME} letters, digits "
                         "and _ . : / @ + ~ -")
    return value
