"""Lambda: GET /backend-api/v2/models."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.models import models_bp

handler = handler_for(models_bp)
app = handler.app
