"""Lambda: GET|POST /backend-api/v2/synthesize/<provider>."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("synthesize")
