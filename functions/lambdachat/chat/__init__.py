"""The conversation: parse a request, run a provider, turn its events into the g4f stream."""
