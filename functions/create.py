"""Lambda: GET|POST /backend-api/v2/create."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.create import bp

# Under the Lambda Web Adapter, gunicorn serves `app` (functions/run_web_adapter.sh names this
# module); `handler` is the buffered fallback.
handler = handler_for(bp)
app = handler.app
