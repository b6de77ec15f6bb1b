"""Lambda: GET /backend-api/v2/version."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("version")
