"""Lambda: GET /files/<bucket_id>/media/<filename>, /media/<path>, /images/<path>."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("media")
