"""Exception and warning types.

Every error a user can cause is a subclass of :class:`Error`. Its message says *what* is
wrong, *where* (file, row, column or config key) and *how to fix it*, in one line, so the
CLI can print it and exit with code 2 without a traceback.
"""

from __future__ import annotations

__all__ = ["ConfigError", "DataError", "Error", "Mine2MagnetWarning"]


class Error(Exception):
    """Base class of every error caused by user input."""


class ConfigError(Error):
    """The project file (``project.toml``) is invalid: wrong key, type or missing file."""


class DataError(Error):
    """An input data file cannot be read at all (empty, binary, wrong encoding, no header).

    Row-level problems never raise; they go to the rejection table.
    """


class Mine2MagnetWarning(UserWarning):
    """Warnings emitted by mine2magnet; the test suite turns them into failures."""
