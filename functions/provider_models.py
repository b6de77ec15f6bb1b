"""Lambda: GET /backend-api/v2/models/<provider>."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.models import provider_models_bp

handler = handler_for(provider_models_bp)
app = handler.app
