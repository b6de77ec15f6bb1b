"""`/backend-api/v2/create`: a one-shot answer as plain text, through the conversation service.

S3 layout of the answer cache (the ONE files bucket): `cache/create/<principal>/<sha256>.json`,
the hash taken over every parameter that shapes the answer (never over credentials).
"""
