"""Web search for a conversation turn (g4f's `web_search`): an engine finds pages, their text goes
into the prompt, and the answer ends with the numbered sources."""
