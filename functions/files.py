"""Lambda: /backend-api/v2/files/<bucket_id> (upload, read, delete) and its presigned-upload routes."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("files")
