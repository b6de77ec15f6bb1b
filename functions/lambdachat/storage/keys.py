"""Every S3 key and DynamoDB key the app writes, in one place (and the IAM patterns that grant them).

The adapters build their keys only here, and `infra/access.py` grants IAM by the patterns at the
end, so a prefix cannot drift between the code that writes it and the role that allows it.
Callers pass ids that were already checked (`lambdachat.ids.check_client_id`,
`files.layout.check_filename`, hashes the server made): nothing here takes client text as a path.

S3 (the ONE files bucket):

    buckets/<principal>/<bucket id>/{docs,media,text}/<name>   file buckets (`lambdachat.files`)
    media/<owner tag>/<name>                                    generated media (`media.generated`)
    principals/<principal>/cookies/<filename>                   uploaded cookie/key files, as sent
    principals/<principal>/credentials/<filename>.json          what they hold (`credentials.store`)
    shares/<share id>/<uuid>.json                               share bodies too big for their item
    cache/create/<principal>/<sha256>.json                      the answer cache of `create`
    cache/memory/<principal>/<sha256 of user id>.json.gz        a user's memory search snapshot

DynamoDB (the ONE main table, `pk`/`sk`):

    bucketid#<principal id>#<bucket id>  owner                  a bucket's owner claim and file count
    bucketid#<bucket id>                 owner                  the same, from before ids were per principal
    bucket#<principal id>#<bucket id>    file#<name>            one file of a bucket
    share#<share id>                     share                  a share (or its tombstone)
    mem#<principal id>#<user id>         meta | m#<memory id>   memories and their count/version
    usage#<principal id>#<day>           <created ISO>#<id>     one usage record
    ustat#<principal id>                 <day>#total|model#<m>|provider#<p>   usage totals
    key#<sha256 of the key>              key                    an access key (authentication)
    keys                                 <name>                 access keys by name (list, revoke)
    rate#<group>#ip#<address>|p#<id>     bucket                 a rate-limit token bucket
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal

_PRINCIPAL = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

BucketPart = Literal["docs", "media", "text"]
UploadPart = Literal["cookies", "credentials"]
TableKey = dict[str, str]     # {"pk": ..., "sk": ...}, untyped (see `storage.dynamo.typed`)

# ---- S3 prefixes -------------------------------------------------------------------------------

BUCKETS = "buckets/"
GENERATED_MEDIA = "media/"
PRINCIPALS = "principals/"
SHARES = "shares/"
CREATE_CACHE = "cache/create/"
MEMORY_SNAPSHOTS = "cache/memory/"


def principal_segment(principal_id: str) -> str:
    """The principal's key segment: its id when key-safe, else a stable hash of it."""
    if _PRINCIPAL.match(principal_id):
        return principal_id
    return "h-" + hashlib.sha256(principal_id.encode()).hexdigest()[:40]


def owner_tag(principal_id: str) -> str:
    """The principal's segment in generated media keys and their public URLs: stable, names nobody."""
    return hashlib.sha256(f"media-owner:{principal_id}".encode()).hexdigest()[:16]


def bucket_prefix(principal_id: str, bucket_id: str) -> str:
    return f"{BUCKETS}{principal_segment(principal_id)}/{bucket_id}/"


def bucket_object(principal_id: str, bucket_id: str, part: BucketPart, name: str) -> str:
    return f"{bucket_prefix(principal_id, bucket_id)}{part}/{name}"


def generated_media_prefix(owner: str) -> str:
    return f"{GENERATED_MEDIA}{owner}/"


def generated_media(owner: str, name: str) -> str:
    return generated_media_prefix(owner) + name


def uploads_prefix(principal_id: str, part: UploadPart) -> str:
    return f"{PRINCIPALS}{principal_segment(principal_id)}/{part}/"


def share_body(share_id: str, version_token: str) -> str:
    return f"{SHARES}{share_id}/{version_token}.json"


def share_of_body(key: str) -> str:
    """The share id a spilled body belongs to (the sweep reads it back off the key)."""
    return key.removeprefix(SHARES).split("/", 1)[0]


def create_cache_prefix(principal_id: str) -> str:
    return f"{CREATE_CACHE}{principal_segment(principal_id)}/"


def memory_snapshot(principal_id: str, user_id: str) -> str:
    # user ids are checked, but hashing keeps even a checked client string out of the key's path
    return f"{MEMORY_SNAPSHOTS}{principal_segment(principal_id)}/{hashlib.sha256(user_id.encode()).hexdigest()}.json.gz"


# ---- DynamoDB keys -----------------------------------------------------------------------------

BUCKET_OWNER = "bucketid#"
BUCKET_FILES = "bucket#"
FILE_SK = "file#"
SHARE = "share#"
MEMORY = "mem#"
MEMORY_META = "meta"
MEMORY_ITEM = "m#"
USAGE = "usage#"
USAGE_TOTALS = "ustat#"
ACCESS_KEY = "key#"
ACCESS_KEY_NAMES = "keys"
RATE = "rate#"


def bucket_owner(principal_id: str, bucket_id: str) -> TableKey:
    return {"pk": f"{BUCKET_OWNER}{principal_id}#{bucket_id}", "sk": "owner"}


def legacy_bucket_owner(bucket_id: str) -> TableKey:
    """Before ids were per principal, one item claimed an id for everyone."""
    return {"pk": f"{BUCKET_OWNER}{bucket_id}", "sk": "owner"}


def bucket_files(principal_id: str, bucket_id: str) -> str:
    return f"{BUCKET_FILES}{principal_id}#{bucket_id}"


def bucket_file(principal_id: str, bucket_id: str, name: str) -> TableKey:
    return {"pk": bucket_files(principal_id, bucket_id), "sk": FILE_SK + name}


def share(share_id: str) -> TableKey:
    return {"pk": f"{SHARE}{share_id}", "sk": "share"}


def memories(principal_id: str, user_id: str) -> str:
    return f"{MEMORY}{principal_id}#{user_id}"


def usage_records(principal_id: str, day: str) -> str:
    return f"{USAGE}{principal_id}#{day}"


def usage_totals(principal_id: str) -> str:
    return f"{USAGE_TOTALS}{principal_id}"


def usage_total(day: str, kind: str, name: str) -> str:
    """A totals item's `sk`: `<day>#total`, `<day>#model#<name>`, `<day>#provider#<name>`."""
    return f"{day}#{kind}" + (f"#{name}" if kind != "total" else "")


def access_key(key_hash: str) -> TableKey:
    return {"pk": f"{ACCESS_KEY}{key_hash}", "sk": "key"}


def access_key_name(name: str) -> TableKey:
    return {"pk": ACCESS_KEY_NAMES, "sk": name}


def rate_group(group: str) -> str:
    return f"{RATE}{group}#"


def rate_bucket(group: str, who: Literal["ip", "p"], name: str) -> str:
    """A token bucket's `pk` (its `sk` is `RATE_SK`): per client address or per principal."""
    return f"{rate_group(group)}{who}#{name}"


RATE_SK = "bucket"


# ---- IAM: object key patterns (`*` matches across `/`) ------------------------------------------

ALL_BUCKET_OBJECTS = BUCKETS + "*"
BUCKET_MEDIA_OBJECTS = f"{BUCKETS}*/media/*"        # `<principal>/<bucket id>` hold no `/media/`
ALL_GENERATED_MEDIA = GENERATED_MEDIA + "*"
ALL_SHARE_BODIES = SHARES + "*"
ALL_CREATE_CACHE = CREATE_CACHE + "*"
ALL_MEMORY_SNAPSHOTS = MEMORY_SNAPSHOTS + "*"
UPLOADED_FILES = f"{PRINCIPALS}*/cookies/*"
UPLOADED_CREDENTIALS = f"{PRINCIPALS}*/credentials/*"
