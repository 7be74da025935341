"""One error vocabulary for everything a student or an instructor can get wrong.

Every error nst-teach raises on purpose is an :class:`NSTError`.  Its message
says what was wrong (with the offending value) and what to do about it.  The
subclasses also derive from the built-in exception a Python programmer would
expect (``ValueError`` for bad values, ``FileNotFoundError`` for a missing
file), so ``except ValueError`` keeps working.

Introduced in ``notebooks/00_welcome.ipynb``.
"""

from __future__ import annotations

__all__ = [
    "NSTError",
    "ImageError",
    "ImageNotFoundError",
    "LayerError",
    "WeightsError",
    "OptionError",
    "DownloadError",
]


class NSTError(Exception):
    """Base class of every error nst-teach raises on purpose."""


class ImageError(NSTError, ValueError):
    """An image could not be read, decoded or used (bad file, bad array, too small...)."""


class ImageNotFoundError(ImageError, FileNotFoundError):
    """An image path does not exist."""


class LayerError(NSTError, ValueError):
    """A layer name or index that VGG-19 does not have."""


class WeightsError(NSTError, RuntimeError):
    """VGG-19 weights could not be found, downloaded or read."""


class OptionError(NSTError, ValueError):
    """An option or argument has a value that cannot work (NaN, negative, wrong shape...)."""


class DownloadError(NSTError, OSError):
    """A file could not be downloaded (offline, server error, too big, wrong checksum...)."""
