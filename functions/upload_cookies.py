"""Lambda: POST /backend-api/v2/upload_cookies."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("upload_cookies")
