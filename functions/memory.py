"""Lambda: /backend-api/v2/memory/<user_id> (POST, GET, DELETE) and DELETE …/<memory_id>."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.memory import bp

handler = handler_for(bp)
app = handler.app
