"""Lambda: GET /backend-api/v2/openapi.json."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.openapi import bp

handler = handler_for(bp)
app = handler.app
