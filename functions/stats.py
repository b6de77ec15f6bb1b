"""Lambda: GET /backend-api/v2/stats."""

from lambdachat.web.lambda_entry import handler_for
from lambdachat.web.routes.usage import stats_bp

handler = handler_for(stats_bp)
app = handler.app
