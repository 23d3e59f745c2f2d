"""Training from the window: the Train tab, the model library, and teaching my handwriting."""
