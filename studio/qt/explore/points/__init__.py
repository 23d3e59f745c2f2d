"""Points the artist keeps: keyframes and their morph, favorites, points restored from files."""
