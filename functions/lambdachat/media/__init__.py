"""Media: serving stored images/audio/video, copying what providers generate, `/search`.

S3 layout (the ONE files bucket):

    media/<owner>/<name>                              media a provider generated (copied by
                                                      `generated.MediaKeeper`), served at
                                                      `/media/<owner>/<name>` and `/images/<owner>/<name>`
    buckets/<principal>/<bucket_id>/media/<filename>  media uploaded to a bucket (`lambdachat.files`),
                                                      served at `/files/<bucket_id>/media/<filename>`

`<owner>` is `storage.keys.owner_tag(principal.id)`: a hash, so a public media URL names no principal.
Generated media URLs are public (an `<img src>` cannot send an access key, and a share shows
them to anyone): each name holds 64 random bits, so only those who were given a URL can fetch it.
"""
