"""Lambda: POST /backend-api/v2/usage and GET /backend-api/v2/usage/<YYYY-MM-DD>."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.usage import usage_bp

handler = handler_for(usage_bp)
app = handler.app
