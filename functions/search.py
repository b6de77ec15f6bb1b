"""Lambda: GET /search/<terms>."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.search import bp

handler = handler_for(bp)
app = handler.app
