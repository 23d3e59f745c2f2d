"""The latent explorer: a generator's point, its sliders, map, and jobs on the pool."""
