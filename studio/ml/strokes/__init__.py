"""Pen strokes for the stroke models: the format, derivation from digit images, the data set."""
