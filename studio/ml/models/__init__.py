"""The three model kinds, their checkpoints and the defaults that ship."""
