"""Where shares live: one DynamoDB item each, the body inline or spilled to S3.

An id that ended (expired or revoked) stays taken for `TOMBSTONE_SECONDS`, the longest expiry
a share can have, so an old link never shows a stranger's content under the same id: the
expired item is kept (its DynamoDB TTL, `expires_at`, is the end of that period; when the
share stops being served is `ends_at`) and a revoked one is replaced by a tombstone item.

The item is the source of truth and every write is conditional on what the writer read
(`version`, `token_hash`, not expired), so two writers never overwrite each other silently.
A spilled body gets a fresh S3 key per write, so the loser of a race never touches the
winner's object; it deletes its own, and the winner deletes the one it replaced.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, replace
from typing import Any, Protocol

from lambdachat.config import Settings
from lambdachat.observability import logger
from lambdachat.shares.model import ShareBody
from lambdachat.storage import aws, keys
from lambdachat.storage.dynamo import typed
from lambdachat.storage.faults import is_condition_failure
from lambdachat.storage.resources import MAIN_TABLE
from lambdachat.storage.s3 import S3Store

EXPIRING_TAG = "share-expires=true"
# How long an ended share id stays taken: a link handed out can have lived this long (the
# longest expiry, `Settings.share_max_expires`; each store is given the configured one).
TOMBSTONE_SECONDS: int = Settings.share_max_expires


@dataclass(frozen=True)
class ShareItem:
    share_id: str
    token_hash: str
    version: int
    etag: str
    updated: int | None
    expires_at: int | None
    created_at: int
    owner: str
    size: int
    body: bytes | None = None      # inline
    body_key: str | None = None    # spilled to S3

    def expired(self, now: int) -> bool:
        # DynamoDB's TTL sweep can lag by days: expiry is enforced on every read.
        return self.expires_at is not None and self.expires_at <= now


class ShareExists(Exception):
    """The id is taken: a live share, or one that ended less than TOMBSTONE_SECONDS ago."""


class VersionConflict(Exception):
    """The share changed (or went away) between this writer's read and its write."""


class BodyMissing(Exception):
    """A spilled body was replaced between reading the item and fetching the body."""


class ShareStore(Protocol):
    def get(self, share_id: str, *, consistent: bool = False) -> ShareItem | None: ...

    def read_body(self, item: ShareItem) -> bytes: ...

    def create(self, share_id: str, token_hash: str, body: ShareBody, *, expires_at: int | None,
               owner: str, now: int) -> ShareItem: ...

    def replace(self, current: ShareItem, body: ShareBody, *, now: int) -> ShareItem: ...

    def delete(self, current: ShareItem, *, now: int) -> bool: ...


def _new_item(share_id: str, token_hash: str, body: ShareBody, *, expires_at: int | None, owner: str,
              now: int) -> ShareItem:
    return ShareItem(share_id=share_id, token_hash=token_hash, version=1, etag=body.etag,
                     updated=body.updated, expires_at=expires_at, created_at=now, owner=owner,
                     size=len(body.raw))


def _next_version(current: ShareItem, body: ShareBody) -> ShareItem:
    return replace(current, version=current.version + 1, etag=body.etag, updated=body.updated,
                   size=len(body.raw), body=None, body_key=None)


class InMemoryShareStore:
    """The same semantics as the DynamoDB store, for unit tests."""

    def __init__(self, *, tombstone_seconds: int = TOMBSTONE_SECONDS) -> None:
        self.tombstone_seconds = tombstone_seconds
        self._items: dict[str, ShareItem] = {}
        self._tombstones: dict[str, int] = {}   # revoked id -> end of its tombstone period
        self._lock = threading.Lock()

    def _taken(self, share_id: str, now: int) -> bool:
        existing = self._items.get(share_id)
        if existing is not None:
            return existing.expires_at is None or now < existing.expires_at + self.tombstone_seconds
        return now < self._tombstones.get(share_id, now)

    def get(self, share_id: str, *, consistent: bool = False) -> ShareItem | None:
        with self._lock:
            return self._items.get(share_id)

    def read_body(self, item: ShareItem) -> bytes:
        if item.body is None:
            raise BodyMissing(item.share_id)
        return item.body

    def create(self, share_id: str, token_hash: str, body: ShareBody, *, expires_at: int | None,
               owner: str, now: int) -> ShareItem:
        item = replace(_new_item(share_id, token_hash, body, expires_at=expires_at, owner=owner, now=now),
                       body=body.raw)
        with self._lock:
            if self._taken(share_id, now):
                raise ShareExists(share_id)
            self._tombstones.pop(share_id, None)
            self._items[share_id] = item
        return item

    def replace(self, current: ShareItem, body: ShareBody, *, now: int) -> ShareItem:
        item = replace(_next_version(current, body), body=body.raw)
        with self._lock:
            stored = self._items.get(current.share_id)
            if (stored is None or stored.version != current.version
                    or stored.token_hash != current.token_hash or stored.expired(now)):
                raise VersionConflict(current.share_id)
            self._items[current.share_id] = item
        return item

    def delete(self, current: ShareItem, *, now: int) -> bool:
        with self._lock:
            stored = self._items.get(current.share_id)
            if stored is None or stored.token_hash != current.token_hash or stored.expired(now):
                return False
            del self._items[current.share_id]
            self._tombstones[current.share_id] = now + self.tombstone_seconds
            return True


def _key(share_id: str) -> dict[str, Any]:
    return typed(keys.share(share_id))


def _num(value: int) -> dict[str, str]:
    return {"N": str(value)}


# Still served: `ends_at` in the future or absent (never); items written before `ends_at`
# existed kept the end in `expires_at`.
_NOT_ENDED = ("(ends_at > :now OR (attribute_not_exists(ends_at) AND "
              "(attribute_not_exists(expires_at) OR expires_at > :now)))")


class DynamoShareStore:
    """Shares in the main table (`pk = share#<id>`, `sk = share`), big bodies in the files bucket."""

    def __init__(self, *, inline_max: int = Settings.share_inline_max_bytes,
                 tombstone_seconds: int = TOMBSTONE_SECONDS, objects: S3Store | None = None) -> None:
        self.inline_max = inline_max
        self.tombstone_seconds = tombstone_seconds
        self.objects = objects or S3Store()

    # -- reading ------------------------------------------------------------------------------

    def get(self, share_id: str, *, consistent: bool = False) -> ShareItem | None:
        response = aws.client("dynamodb").get_item(TableName=MAIN_TABLE.name, Key=_key(share_id),
                                                   ConsistentRead=consistent)
        raw = response.get("Item")
        # A tombstone is no share to read or update; it only keeps `create` from reusing the id.
        return None if raw is None or "tombstone" in raw else self._decode(share_id, raw)

    def read_body(self, item: ShareItem) -> bytes:
        if item.body is not None:
            return item.body
        raw = self.objects.read(item.body_key) if item.body_key else None
        if raw is None:
            raise BodyMissing(item.share_id)
        return raw

    # -- writing ------------------------------------------------------------------------------

    def create(self, share_id: str, token_hash: str, body: ShareBody, *, expires_at: int | None,
               owner: str, now: int) -> ShareItem:
        item = _new_item(share_id, token_hash, body, expires_at=expires_at, owner=owner, now=now)
        item, spilled = self._place(item, body.raw)
        try:
            response = aws.client("dynamodb").put_item(
                TableName=MAIN_TABLE.name, Item=self._encode(item), ReturnValues="ALL_OLD",
                # Live, expired and revoked ids are all taken until their item's TTL (the end of
                # the tombstone period) has passed; the sweep can lag, hence the comparison.
                # (Items from before `ends_at` existed hold the end itself in `expires_at`.)
                ConditionExpression="attribute_not_exists(pk) OR ((attribute_exists(ends_at) OR "
                                    "attribute_exists(tombstone)) AND expires_at <= :now) OR "
                                    "expires_at <= :ended_long_ago",
                ExpressionAttributeValues={":now": _num(now),
                                           ":ended_long_ago": _num(now - self.tombstone_seconds)})
        except Exception as exc:
            if is_condition_failure(exc):
                self._drop(spilled)
                raise ShareExists(share_id) from exc
            raise  # the write may have landed (a 5xx after commit): its body must stay
        old = response.get("Attributes", {}).get("body_key", {}).get("S")
        self._drop(old)
        return item

    def replace(self, current: ShareItem, body: ShareBody, *, now: int) -> ShareItem:
        item, spilled = self._place(_next_version(current, body), body.raw)
        try:
            aws.client("dynamodb").put_item(
                TableName=MAIN_TABLE.name, Item=self._encode(item),
                ConditionExpression=f"version = :v AND token_hash = :h AND {_NOT_ENDED}",
                ExpressionAttributeValues={":v": _num(current.version), ":h": {"S": current.token_hash},
                                           ":now": _num(now)})
        except Exception as exc:
            if is_condition_failure(exc):
                self._drop(spilled)
                raise VersionConflict(current.share_id) from exc
            raise  # the write may have landed (a 5xx after commit): its body must stay
        self._drop(current.body_key)
        return item

    def delete(self, current: ShareItem, *, now: int) -> bool:
        """Revoke: the item becomes a tombstone (no body, no token) that keeps the id taken."""
        tombstone = {**_key(current.share_id), "tombstone": {"BOOL": True},
                     "expires_at": _num(now + self.tombstone_seconds)}
        try:
            response = aws.client("dynamodb").put_item(
                TableName=MAIN_TABLE.name, Item=tombstone, ReturnValues="ALL_OLD",
                ConditionExpression=f"token_hash = :h AND {_NOT_ENDED}",
                ExpressionAttributeValues={":h": {"S": current.token_hash}, ":now": _num(now)})
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        # The body deleted is the one of the version actually removed, not the one first read.
        self._drop(response.get("Attributes", {}).get("body_key", {}).get("S"))
        return True

    # -- helpers ------------------------------------------------------------------------------

    def _place(self, item: ShareItem, raw: bytes) -> tuple[ShareItem, str | None]:
        if len(raw) <= self.inline_max:
            return replace(item, body=raw), None
        key = keys.share_body(item.share_id, uuid.uuid4().hex)
        # When the TTL sweep removes an expiring share's item, nothing deletes its body: the tag
        # lets a lifecycle rule (prefix shares/, tag EXPIRING_TAG) remove it after the longest expiry.
        tagging = EXPIRING_TAG if item.expires_at is not None else ""
        self.objects.put(key, raw, "application/json", tagging=tagging, encrypt=True)
        return replace(item, body_key=key), key

    def _drop(self, key: str | None) -> None:
        if not key:
            return
        try:
            self.objects.delete_key(key)
        except Exception:  # an orphan costs storage, not correctness: the item no longer points at it
            logger.warning("could not delete a replaced share body", extra={"key": key})

    def _encode(self, item: ShareItem) -> dict[str, Any]:
        encoded: dict[str, Any] = {
            **_key(item.share_id),
            "token_hash": {"S": item.token_hash}, "version": _num(item.version), "etag": {"S": item.etag},
            "created_at": _num(item.created_at), "owner": {"S": item.owner}, "size": _num(item.size),
        }
        if item.updated is not None:
            encoded["updated"] = _num(item.updated)
        if item.expires_at is not None:
            encoded["ends_at"] = _num(item.expires_at)
            encoded["expires_at"] = _num(item.expires_at + self.tombstone_seconds)   # the TTL
        if item.body is not None:
            encoded["body"] = {"B": item.body}
        if item.body_key is not None:
            encoded["body_key"] = {"S": item.body_key}
        return encoded

    @staticmethod
    def _decode(share_id: str, raw: dict[str, Any]) -> ShareItem:
        def number(name: str) -> int | None:
            return int(raw[name]["N"]) if name in raw else None

        return ShareItem(share_id=share_id, token_hash=raw["token_hash"]["S"], version=int(raw["version"]["N"]),
                         etag=raw["etag"]["S"], updated=number("updated"),
                         expires_at=number("ends_at") if "ends_at" in raw else number("expires_at"),
                         created_at=int(raw["created_at"]["N"]), owner=raw["owner"]["S"],
                         size=int(raw["size"]["N"]), body=raw.get("body", {}).get("B"),
                         body_key=raw.get("body_key", {}).get("S"))
