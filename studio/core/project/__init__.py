"""Projects: the .lstudio file, its manifest and its container (plain Python, no Qt, no torch)."""
