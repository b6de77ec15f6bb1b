"""Lambda: POST /backend-api/v2/upload_cookies."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.upload_cookies import bp

handler = handler_for(bp)
app = handler.app
