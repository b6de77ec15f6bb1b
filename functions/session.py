"""Lambda: GET/POST /backend-api/v2/signin, POST /backend-api/v2/signout (keys mode's sign-in page)."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.session import bp

handler = handler_for(bp)
app = handler.app
