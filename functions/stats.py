"""Lambda: GET /backend-api/v2/stats."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("stats")
