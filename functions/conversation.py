"""Lambda: POST /backend-api/v2/conversation (deployed under the Lambda Web Adapter to stream)."""

from lambdachat.web.lambda_entry import make_handler

handler = make_handler("conversation")
