"""Long-term memory per (principal, user id): storage, lexical ranking and a version-checked cache."""
