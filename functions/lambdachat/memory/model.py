"""What a memory is, who owns it, and how a POST body becomes memories (or a 400/413).

Limits are module constants overridable by environment (see the report/README):
`LAMBDACHAT_MEMORY_BODY_BYTES` (5 MB per POST, like a share),
`LAMBDACHAT_MEMORY_ITEM_BYTES` (8 KB of UTF-8 text per memory),
`LAMBDACHAT_MEMORY_MAX_ITEMS` (500 items per POST) and
`LAMBDACHAT_MEMORY_MAX_PER_USER` (20,000 memories per user id).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from lambdachat.config import Settings
from lambdachat.errors import BadRequest, PayloadTooLarge

# The defaults; a service is built with the configured values (`lambdachat.wiring`).
MAX_ITEM_BYTES: int = Settings.memory_item_bytes
MAX_ITEMS_PER_POST: int = Settings.memory_max_items
MAX_PER_USER: int = Settings.memory_max_per_user
MAX_PAGE_SIZE = 100
MAX_SEARCH_CHARS = 1000
MAX_CONVERSATION_ID = 128
MAX_ROLE = 32

# Looser than bucket ids on purpose: V1 sends `localStorage.user` (a Hugging Face user name,
# which may be 1-2 characters or contain dots) or a UUID. '#' is excluded: it separates key parts.
USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")
MEMORY_ID = re.compile(r"^[0-9a-f]{22}$")


@dataclass(frozen=True)
class Owner:
    """The key every memory is stored under: nobody else's principal can reach it."""

    principal: str
    user_id: str


class Doc(NamedTuple):
    """What ranking needs of a memory: read with a projection, a third of the item's attributes."""

    id: str
    text: str


@dataclass(frozen=True)
class Memory:
    id: str               # hex, sorts by creation: microseconds (+ item index), then random bits
    text: str
    role: str
    conversation_id: str
    created_at: str       # ISO 8601, UTC

    def public(self, user_id: str, score: float | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "memory": self.text, "user_id": user_id,
                               "metadata": {"conversation_id": self.conversation_id, "role": self.role},
                               "created_at": self.created_at}
        if score is not None:
            out["score"] = round(score, 4)
        return out


def owner_for(principal: str, user_id: str) -> Owner:
    if not USER_ID.match(user_id):
        raise BadRequest("Invalid user id: use 1-128 letters, digits, '.', '_', '@' or '-', "
                         "starting with a letter or digit")
    return Owner(principal=principal, user_id=user_id)


def check_memory_id(memory_id: str) -> str:
    if not MEMORY_ID.match(memory_id):
        raise BadRequest("Invalid memory id")
    return memory_id


def _text_of(index: int, content: Any) -> str:
    """A message's text: a string, or the text parts of a part list (bucket/media parts carry none)."""
    if isinstance(content, str):
        return content.strip()
    if isinstance(content, list):
        texts = [part["text"] for part in content if isinstance(part, dict)
                 and part.get("type") == "text" and isinstance(part.get("text"), str)]
        return "\n".join(texts).strip()
    if content is None:
        return ""
    raise BadRequest(f"items[{index}].content must be a string or a list of parts")


class _IdClock:
    """Time bases that never go back, so two quick POSTs in one process keep their order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0

    def take(self, micros: int, span: int) -> int:
        with self._lock:
            base = max(micros, self._next)
            self._next = base + span + 1
            return base


_id_clock = _IdClock()


def parse_memories(body: Any, *, now: float | None = None, max_items: int = MAX_ITEMS_PER_POST,
                   max_item_bytes: int = MAX_ITEM_BYTES) -> list[Memory]:
    """The memories a POST body adds, oldest first: empty items are skipped, anything else wrong refused."""
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object: {\"id\": ..., \"items\": [...]}")
    conversation_id = body.get("id")
    if not isinstance(conversation_id, str) or not conversation_id.strip() \
            or len(conversation_id) > MAX_CONVERSATION_ID:
        raise BadRequest(f"'id' (the conversation id) must be a string of 1-{MAX_CONVERSATION_ID} characters")
    items = body.get("items")
    if not isinstance(items, list):
        raise BadRequest("'items' must be a list of {\"role\", \"content\"} messages")
    if len(items) > max_items:
        raise PayloadTooLarge(f"At most {max_items} items can be added in one request")

    created = time.time() if now is None else now
    stamp = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    base = _id_clock.take(int(created * 1_000_000), len(items))
    memories: list[Memory] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise BadRequest(f"items[{index}] must be an object with 'role' and 'content'")
        role = item.get("role")
        if not isinstance(role, str) or not role or len(role) > MAX_ROLE:
            raise BadRequest(f"items[{index}].role must be a string of 1-{MAX_ROLE} characters")
        text = _text_of(index, item.get("content"))
        if not text:
            continue
        if len(text.encode()) > max_item_bytes:
            raise PayloadTooLarge(f"items[{index}] is larger than {max_item_bytes // 1024} KB")
        memory_id = f"{base + index:014x}{secrets.token_hex(4)}"
        memories.append(Memory(id=memory_id, text=text, role=role, conversation_id=conversation_id,
                               created_at=stamp))
    return memories
