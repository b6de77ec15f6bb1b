"""Lambda: /backend-api/v2/files/<bucket_id> (upload, read, delete) and its presigned-upload routes."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.files import bp

# Under the Lambda Web Adapter, gunicorn serves `app` (functions/run_web_adapter.sh names this
# module); `handler` is the buffered fallback.
handler = handler_for(bp)
app = handler.app
