"""Exporting pictures and animations, and listening to images."""
