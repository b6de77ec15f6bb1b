"""File buckets: uploaded documents and media, their extracted text, and their states.

Storage layout (ONE S3 bucket, `lambdachat.storage.resources.FILES_BUCKET`; every key's shape
is `lambdachat.storage.keys`', built through the checks of `lambdachat.files.layout`, never from
client text):

    buckets/<principal>/<bucket_id>/docs/<filename>      an uploaded document (pdf, docx, zip, txt, ...)
    buckets/<principal>/<bucket_id>/media/<filename>     an uploaded image/audio/video (served by the
                                                          media routes: `layout.media_key(...)`)
    buckets/<principal>/<bucket_id>/text/<filename>.md   the extracted text of one document, already
                                                          fenced as ```<filename>\\n...\\n``` (the cache)

`<principal>` is `keys.principal_segment(principal.id)`; `<bucket_id>` matches
`lambdachat.ids.CLIENT_ID`; `<filename>` is `layout.clean_filename(...)` output (`[\\w.,+-]`, <= 100
characters, no leading dot). So `media/<filename>` is always one path segment.

Index (the ONE DynamoDB table, `MAIN_TABLE`), one item per bucket id and one per file:

    pk=bucketid#<principal>#<bucket_id>  sk=owner        principal, file_count, created_at
    pk=bucket#<principal>#<bucket_id>    sk=file#<name>  kind (document|media), state, size, error, seq

Bucket ids are per principal: the same id names a different, empty bucket for everyone else,
so no answer (404 to read, success to write) tells whether another principal uses an id.
(Items from before this, `pk=bucketid#<bucket_id>`, still count for their principal.)
A file's state goes `uploading` (presigned, bytes not yet in S3) ->
`processing` (stored, text not yet extracted) -> `ready` | `error`.
"""
