"""Lambda: /backend-api/v2/memory/<user_id> (POST, GET, DELETE) and DELETE …/<memory_id>."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("memory")
