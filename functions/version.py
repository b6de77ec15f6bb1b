"""Lambda: GET /backend-api/v2/version."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.version import bp

handler = handler_for(bp)
app = handler.app
