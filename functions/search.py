"""Lambda: GET /search/<terms>."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("search")
