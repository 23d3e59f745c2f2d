"""Latent Studio: sketch digits, explore generative models, train them, make sound."""

__version__ = "0.1.0"
