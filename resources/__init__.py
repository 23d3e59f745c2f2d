"""Data files that ship with the studio (installed as the package `studio.resources`)."""
