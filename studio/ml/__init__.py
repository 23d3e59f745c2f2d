"""Data, preprocessing, models, training, checkpoints and evaluation (torch + numpy, no Qt)."""
