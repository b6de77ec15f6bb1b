"""Lambda: GET /backend-api/v2/providers."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("providers")
