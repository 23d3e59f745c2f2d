"""Latent spaces as tools: slider directions, paths, decoding, sampling, encode and repair."""
