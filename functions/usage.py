"""Lambda: POST /backend-api/v2/usage and GET /backend-api/v2/usage/<YYYY-MM-DD>."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("usage")
