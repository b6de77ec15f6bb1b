"""Client-made ids (contract, Files): buckets and shares share one id space, as in g4f V1, whose
client makes them with `crypto.randomUUID()`; a UUID fits, and so does anything as safe as one in
an S3 key or a DynamoDB key."""

from __future__ import annotations

import re

from lambdachat.errors import BadRequest

CLIENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$"
CLIENT_ID = re.compile(CLIENT_ID_PATTERN)


def check_client_id(value: str, what: str) -> str:
    if not CLIENT_ID.match(value):
        raise BadRequest(f"A {what} id is 8-64 letters, digits, '-' or '_', starting with a letter or digit")
    return value
