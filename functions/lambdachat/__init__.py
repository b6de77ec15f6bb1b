"""lambdachat: the g4f chat GUI backend API, one Flask app split into Lambda functions."""

__version__ = "0.1.0"
