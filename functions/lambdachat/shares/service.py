"""Create, update, read and revoke shared conversations (contract: Shared chats).

The id is public (it is in the link); the owner token is the capability to change or revoke
a share. It is returned once, at creation, and only its hash is stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from lambdachat.config import Settings
from lambdachat.errors import BadRequest, Conflict, Forbidden, NotFound, PreconditionFailed, ServiceUnavailable
from lambdachat.shares.media_refs import MediaRefs, MediaRefsCache
from lambdachat.shares.model import (
    DAY,
    ShareBody,
    check_share_id,
    hash_token,
    if_match_holds,
    media_references,
    new_token,
    parse_body,
    parse_expires,
    token_matches,
)
from lambdachat.shares.store import (
    BodyMissing,
    ShareExists,
    ShareItem,
    ShareStore,
    VersionConflict,
)

BODY_TRIES = 5   # versions of a share read before a GET gives up with a 503 (see ShareService.body)


@dataclass(frozen=True)
class Saved:
    share_id: str
    created: bool
    expires_at: int | None
    etag: str
    owner_token: str | None = None   # only when this request created the share


class ShareService:
    def __init__(self, store: ShareStore, clock: Callable[[], float] = time.time, *,
                 settings: Settings | None = None, media_refs: MediaRefsCache | None = None) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings or Settings()
        self.media_refs = media_refs or MediaRefsCache()

    def _now(self) -> int:
        return int(self.clock())

    def _live(self, share_id: str, *, consistent: bool = False) -> ShareItem | None:
        item = self.store.get(check_share_id(share_id), consistent=consistent)
        return None if item is None or item.expired(self._now()) else item

    def save(self, share_id: str, raw: bytes, *, token: str | None, expires: str | None,
             owner: str, if_match: str | None = None) -> Saved:
        """First POST to an unused id creates; later ones need the owner token.

        With `if_match` (the ETag the writer read) the update lands only on that version:
        otherwise 412, and a race lost between our read and our write is 409. Without it
        (the V1 client) the owner's write is unconditional but still atomic: it replaces
        exactly the version read here, never a newer one it has not seen.
        """
        check_share_id(share_id)
        now = self._now()
        # validated always: a bad value is a client mistake
        expires_at = parse_expires(expires, now, self.settings.share_default_expires, self.settings.share_max_expires)
        body = parse_body(raw, self.settings.share_max_bytes)
        current = self._live(share_id, consistent=True)
        if current is None:
            if if_match is not None and if_match.strip():
                raise PreconditionFailed("If-Match names a version, but this share does not exist")
            return self._create(share_id, body, expires_at=expires_at, owner=owner, now=now)
        if not token_matches(token, current.token_hash):
            raise Forbidden("This share belongs to someone else: send its owner token "
                            "(x-share-token header or the share cookie)")
        if if_match is not None and if_match.strip() and not if_match_holds(if_match, current.etag):
            raise PreconditionFailed("The share changed since you read it (If-Match does not match "
                                     "its ETag): fetch it, apply your change again and resend")
        if body.etag != current.etag:  # V1 re-POSTs on every render; unchanged bodies cost no write
            try:
                self.store.replace(current, body, now=now)
            except VersionConflict as exc:
                raise Conflict("The share changed while this update was written; "
                               "fetch it and send the update again") from exc
        return Saved(share_id=share_id, created=False, expires_at=current.expires_at, etag=body.etag)

    def _create(self, share_id: str, body: ShareBody, *, expires_at: int | None, owner: str,
                now: int) -> Saved:
        token = new_token()
        try:
            self.store.create(share_id, hash_token(token), body, expires_at=expires_at,
                              owner=owner, now=now)
        except ShareExists as exc:
            # A fresh id would not help the V1 client, which builds its link from the id it chose.
            raise Conflict("This share id is taken: in use, or it expired or was revoked within the "
                           f"last {self.settings.share_max_expires // DAY} days and stays reserved so old links never "
                           "show someone else's chat. Share under a new id") from exc
        return Saved(share_id=share_id, created=True, expires_at=expires_at, etag=body.etag,
                     owner_token=token)

    def fetch(self, share_id: str) -> ShareItem:
        item = self._live(share_id)
        if item is None:
            raise NotFound("Share not found (it may have expired or been revoked)")
        return item

    def body(self, item: ShareItem) -> tuple[ShareItem, bytes]:
        """The stored bytes; if a concurrent update replaced a spilled body, read the new version.

        Each update deletes the body it replaced, so under a burst of updates the version just
        read can be gone again before its body is: try a few versions, then ask the client to
        retry (503) rather than fail (500). 20 concurrent writers needed a second try now and then.
        """
        for _ in range(BODY_TRIES):
            try:
                return item, self.store.read_body(item)
            except BodyMissing:
                fresh = self._live(item.share_id, consistent=True)
                if fresh is None:
                    raise NotFound("Share not found (it may have expired or been revoked)") from None
                item = fresh
        raise ServiceUnavailable("This share is being updated right now; try again")

    def media_owner(self, share_id: str, bucket_id: str, filename: str) -> str:
        """Whose bucket holds a media file this live share shows (contract: media a share points
        to is public). The share's own body must name `/files/<bucket_id>/media/<filename>` exactly,
        so a share id opens only the files its owner chose to show, and nothing once it is revoked.
        The item is read every time (expiry, revocation); the body once per version."""
        item = self.fetch(share_id)
        refs = self.media_refs.get((item.share_id, item.version, item.etag))
        if refs is None:
            item, body = self.body(item)
            refs = MediaRefs.of(item.owner, media_references(body))
            self.media_refs.put((item.share_id, item.version, item.etag), refs)
        if not refs.shows(bucket_id, filename):
            raise NotFound("Media not found")
        return refs.owner

    def revoke(self, share_id: str, token: str | None) -> None:
        current = self._live(share_id, consistent=True)
        if current is None:
            raise NotFound("Share not found (it may have expired or been revoked)")
        if not token_matches(token, current.token_hash):
            raise Forbidden("Only the owner token can revoke this share")
        if not self.store.delete(current, now=self._now()):
            raise NotFound("Share not found (it may have expired or been revoked)")

    def revoke_if_token(self, share_id: str, token: str | None) -> bool:
        """For `DELETE files/<id>`: revoke when the caller holds this share's token, else leave it."""
        if not token:
            return False
        try:
            current = self._live(share_id, consistent=True)
        except BadRequest:  # not a share id: the files route decides what the id means
            return False
        if current is None or not token_matches(token, current.token_hash):
            return False
        return self.store.delete(current, now=self._now())


