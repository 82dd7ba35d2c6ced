"""Errors posekit raises on purpose.

Every error names the thing that is wrong and, where one exists, the remedy. The CLI prints
`PosekitError`s as one line and exits non-zero instead of showing a traceback.
"""


class PosekitError(Exception):
    """Base class: a problem the user can understand and fix."""


class ModelError(PosekitError):
    """A model is unknown, cannot be fetched, or fails verification."""


class ConversionError(PosekitError):
    """A source model uses something our converters do not support."""


class InputError(PosekitError):
    """An input (image, video, file) is missing, unreadable or malformed."""


class OutputError(PosekitError):
    """An output cannot be written: disk full, file too large, read-only folder, no permission."""
