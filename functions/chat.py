"""Lambda: GET, POST, DELETE /backend-api/v2/chat/{share_id} (shared conversations)."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("chat")
