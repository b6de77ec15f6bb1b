"""Lambda: GET|POST /backend-api/v2/create."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("create")
