"""Reusable views that know nothing of models or the window: digit images, thumbnails, bars."""
