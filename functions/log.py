"""Lambda: POST /backend-api/v2/log."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.log import bp

handler = handler_for(bp)
app = handler.app
