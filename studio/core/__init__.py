"""App state and settings: plain Python, no Qt, no torch at import."""
