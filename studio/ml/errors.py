"""Errors for input the user can fix.

Every message names the file (or setting) and the problem in one sentence, because
the CLI prints it as its single line on stderr and the GUI shows it in the status bar.
"""


class StudioError(Exception):
    """Bad input or a failed run that the user can act on; never a bug."""


class DatasetError(StudioError):
    """A dataset file or folder that cannot be read as labelled digit images."""


class CheckpointError(StudioError):
    """A model file that is missing, unsafe, corrupt or of the wrong kind or shape."""


class TrainingError(StudioError):
    """A run that had to stop (NaN loss, unwritable output folder, ...)."""
