"""HTTP layer: the Flask app factory, route blueprints, streaming and the Lambda adapter."""
