"""Lambda: POST /backend-api/v2/log."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("log")
