"""Lambda: GET /backend-api/v2/models/<provider>."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("provider_models")
