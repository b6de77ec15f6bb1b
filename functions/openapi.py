"""Lambda: GET /backend-api/v2/openapi.json."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("openapi")
