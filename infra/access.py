"""What each Lambda may touch: the least-privilege IAM of the stack, one entry per function.

Every entry was read off the boto3 calls the function's route group can reach (its routes,
the domain code they call, `lambdachat.identity` in keys mode). S3 access is per key prefix
(object ARNs; ListBucket only with an `s3:prefix` condition), DynamoDB access per item
prefix (`dynamodb:LeadingKeys`), SSM per parameter path. `render_resources.py` turns these
into one IAM role per function; tests/infra checks the rendered roles.

Key layout: `lambdachat.storage.keys`, which also names every pattern granted here, so the
code that writes a key and the role that allows it share one definition. Who writes what:
    buckets/...          files (shares its media with media)
    media/...            generated media (conversation, create)
    principals/...       upload_cookies
    shares/...           chat (spilled share bodies)
    cache/create/...     create
    cache/memory/...     memory (search snapshots)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lambdachat.storage import keys

# DynamoDB transactions have no IAM action of their own: TransactWriteItems is authorized
# item by item as PutItem / UpdateItem / DeleteItem.


@dataclass(frozen=True)
class Access:
    s3_read: tuple[str, ...] = ()        # object key patterns: s3:GetObject (HeadObject, presigned GETs)
    s3_write: tuple[str, ...] = ()       # s3:PutObject (presigned POSTs are signed with it too)
    s3_tagged_write: tuple[str, ...] = ()  # PutObject with a Tagging header also needs s3:PutObjectTagging
    s3_delete: tuple[str, ...] = ()      # s3:DeleteObject (DeleteObjects is authorized per key)
    s3_list: tuple[str, ...] = ()        # s3:ListBucket, limited to these s3:prefix patterns
    table: dict[str, tuple[str, ...]] = field(default_factory=dict)  # item prefix -> dynamodb actions
    provider_keys: bool = False          # ssm:GetParameter under <prefix>/providers/


# Keys mode (LAMBDACHAT_AUTH=keys): every function looks the caller's key hash up (accesskeys.store.find).
KEY_LOOKUP: dict[str, tuple[str, ...]] = {keys.ACCESS_KEY: ("GetItem",)}

# The principal's uploaded provider keys (credentials.store.S3UploadStore): listed, then read.
_UPLOADED_KEYS = (keys.UPLOADED_CREDENTIALS,)
# Recording usage (usage.aws.DynamoUsageStore.add: one transaction, a record and three counters).
_USAGE_WRITE = {keys.USAGE: ("PutItem",), keys.USAGE_TOTALS: ("UpdateItem",)}

ACCESS: dict[str, Access] = {
    "version": Access(),
    "models": Access(provider_keys=True),                       # which providers have a server key
    "provider_models": Access(s3_read=_UPLOADED_KEYS, s3_list=_UPLOADED_KEYS, provider_keys=True),
    "providers": Access(),
    "openapi": Access(),                                        # a static document
    "conversation": Access(
        # bucket parts: the bucket's extracted text and its media (files.reading via files.aws)
        s3_read=(keys.ALL_BUCKET_OBJECTS, *_UPLOADED_KEYS),
        s3_write=(keys.ALL_GENERATED_MEDIA,),                   # media.generated.MediaKeeper copies
        s3_list=_UPLOADED_KEYS,
        table={keys.BUCKET_OWNER: ("GetItem",), keys.BUCKET_FILES: ("GetItem", "Query"), **_USAGE_WRITE},
        provider_keys=True,
    ),
    "files": Access(
        s3_read=(keys.ALL_BUCKET_OBJECTS,), s3_write=(keys.ALL_BUCKET_OBJECTS,),
        s3_delete=(keys.ALL_BUCKET_OBJECTS, keys.ALL_SHARE_BODIES), s3_list=(keys.ALL_BUCKET_OBJECTS,),
        table={keys.BUCKET_OWNER: ("GetItem", "UpdateItem", "DeleteItem"),
               keys.BUCKET_FILES: ("GetItem", "PutItem", "DeleteItem", "Query", "BatchWriteItem"),
               # DELETE files/<id> revokes a share first (shares.revoke_share_if_token):
               # the item is replaced by a tombstone (PutItem) that keeps the id taken
               keys.SHARE: ("GetItem", "PutItem")},
    ),
    "chat": Access(
        s3_read=(keys.ALL_SHARE_BODIES,), s3_tagged_write=(keys.ALL_SHARE_BODIES,),
        s3_delete=(keys.ALL_SHARE_BODIES,),
        table={keys.SHARE: ("GetItem", "PutItem")},   # revoking writes a tombstone, nothing deletes items
    ),
    "upload_cookies": Access(
        s3_write=(keys.UPLOADED_FILES, keys.UPLOADED_CREDENTIALS),
        s3_list=(keys.UPLOADED_CREDENTIALS,),                # names already uploaded
    ),
    # ?share=<id>: the live share (and its body, spilled to S3 when large) must name the file
    "media": Access(s3_read=(keys.BUCKET_MEDIA_OBJECTS, keys.ALL_GENERATED_MEDIA, keys.ALL_SHARE_BODIES),
                    table={keys.SHARE: ("GetItem",)}),
    "search": Access(s3_list=(keys.ALL_GENERATED_MEDIA,)),
    "create": Access(
        s3_read=(keys.ALL_CREATE_CACHE, *_UPLOADED_KEYS),
        s3_write=(keys.ALL_CREATE_CACHE, keys.ALL_GENERATED_MEDIA),
        s3_list=_UPLOADED_KEYS,
        table=dict(_USAGE_WRITE),                               # create runs the conversation service
        provider_keys=True,
    ),
    "synthesize": Access(provider_keys=True),                   # the OpenAI voice's server key
    # search snapshots; ListBucket so that a missing one is a 404 (without it, S3 answers 403)
    "memory": Access(s3_read=(keys.ALL_MEMORY_SNAPSHOTS,), s3_write=(keys.ALL_MEMORY_SNAPSHOTS,),
                     s3_list=(keys.ALL_MEMORY_SNAPSHOTS,),
                     table={keys.MEMORY: ("GetItem", "BatchGetItem", "UpdateItem", "DeleteItem", "Query",
                                        "BatchWriteItem")}),
    "usage": Access(table={keys.USAGE: ("PutItem", "Query"), keys.USAGE_TOTALS: ("UpdateItem",)}),
    "stats": Access(table={keys.USAGE_TOTALS: ("Query",)}),
    "log": Access(),
}
