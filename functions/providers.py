"""Lambda: GET /backend-api/v2/providers."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.models import providers_bp

handler = handler_for(providers_bp)
app = handler.app
