"""Access keys for `LAMBDACHAT_AUTH=keys`: made by the CLI, stored only as hashes.

The key's name is the principal id every record is keyed by, so a name is key-safe and a
key is revoked (and replaced) under the same name without orphaning that principal's data.
"""
