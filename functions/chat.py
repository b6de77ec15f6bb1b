"""Lambda: GET, POST, DELETE /backend-api/v2/chat/{share_id} (shared conversations)."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.chat import bp

handler = handler_for(bp)
app = handler.app
