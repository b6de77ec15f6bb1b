"""Route groups: one per Lambda function. name -> (module, blueprint attribute).

A Lambda imports only its own group's module, so a handler that touches no AWS never
imports boto3. The local server registers them all.
"""

ROUTE_GROUPS: dict[str, tuple[str, str]] = {
    "version": ("lambdachat.web.routes.version", "bp"),
    "models": ("lambdachat.web.routes.models", "models_bp"),
    "provider_models": ("lambdachat.web.routes.models", "provider_models_bp"),
    "providers": ("lambdachat.web.routes.models", "providers_bp"),
    "conversation": ("lambdachat.web.routes.conversation", "bp"),
    "files": ("lambdachat.web.routes.files", "bp"),
    "chat": ("lambdachat.web.routes.chat", "bp"),
    "upload_cookies": ("lambdachat.web.routes.upload_cookies", "bp"),
    "media": ("lambdachat.web.routes.media", "bp"),
    "search": ("lambdachat.web.routes.search", "bp"),
    "create": ("lambdachat.web.routes.create", "bp"),
    "synthesize": ("lambdachat.web.routes.synthesize", "bp"),
    "memory": ("lambdachat.web.routes.memory", "bp"),
    "usage": ("lambdachat.web.routes.usage", "usage_bp"),
    "stats": ("lambdachat.web.routes.usage", "stats_bp"),
    "log": ("lambdachat.web.routes.log", "bp"),
    "openapi": ("lambdachat.web.routes.openapi", "bp"),
}
