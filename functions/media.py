"""Lambda: GET /files/<bucket_id>/media/<filename>, /media/<path>, /images/<path>."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.media import bp

handler = handler_for(bp)
app = handler.app
