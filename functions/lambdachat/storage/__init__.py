"""Storage: the single definition of buckets and tables, and lazy boto3 clients."""
