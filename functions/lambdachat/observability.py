"""Structured logging (Powertools Logger) with a request id on every line and no secrets.

One logger for the whole package. Keys are appended per thread, so the multi-threaded local
server never mixes two requests' ids. A filter scrubs provider keys and bearer tokens from
every record, whatever a caller passed in.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from aws_lambda_powertools import Logger

_SECRET_FIELDS = re.compile(r"(api[_-]?key|authorization|token|secret|password|cookie)", re.I)
# Key shapes, wherever they appear in text. Prefixed ones first: OpenAI/Anthropic `sk-`, Gemini
# `AIza`, Groq `gsk_`, lambdachat's own access keys `lck_` and sign-in sessions `lcs_`, bearer
# tokens. Then two bare shapes with no prefix, each a whole run: a share token
# (`secrets.token_urlsafe(32)`, 43 URL-safe characters with lower case and upper case or digits)
# and a Mistral-style key (32 letters and digits, both cases). Lower-case hex (request ids,
# digests, uuids) has no upper case, so it stays readable.
_SHARE_TOKEN = r"(?=[\w-]{0,42}[a-z])(?=[\w-]{0,42}[A-Z0-9])[A-Za-z0-9_-]{43}"
_BARE_KEY = r"(?=[A-Za-z0-9]{0,31}[a-z])(?=[A-Za-z0-9]{0,31}[A-Z])[A-Za-z0-9]{32}"
_SECRET_VALUES = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}|gsk_[A-Za-z0-9]{20,}|lc[ks]_[A-Za-z0-9_\-]{20,}"
    r"|Bearer\s+[A-Za-z0-9._~+/=\-]+"
    rf"|(?<![A-Za-z0-9_-])(?:{_SHARE_TOKEN}|{_BARE_KEY})(?![A-Za-z0-9_-]))",
    re.ASCII,
)


def redact(value: Any) -> Any:
    """A copy of `value` with secrets masked: by field name, and by known key shapes in text."""
    if isinstance(value, str):
        return _SECRET_VALUES.sub("[redacted]", value)
    if isinstance(value, dict):
        return {k: "[redacted]" if isinstance(k, str) and _SECRET_FIELDS.search(k) and v
                else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str | dict):
            record.msg = redact(record.msg)
        if record.args:
            record.args = tuple(redact(a) for a in record.args) if isinstance(record.args, tuple) else record.args
        for key, val in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS:
                record.__dict__[key] = "[redacted]" if _SECRET_FIELDS.search(key) and val else redact(val)
        return True


_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

logger = Logger(service="lambdachat", use_rfc3339=True)
logger.addFilter(_RedactingFilter())
