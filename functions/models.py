"""Lambda: GET /backend-api/v2/models."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("models")
