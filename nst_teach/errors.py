"""One error vocabulary for everything a student or an instructor can get wrong.

Every error nst-teach raises on purpose is an :class:`NSTError`.  Its message
says what was wrong (with the offending value) and what to do about it.  The
subclasses also derive from the built-in exception a Python programmer would
expect (``ValueError`` for bad values, ``FileNotFoundError`` for a missing
file), so ``except ValueError`` keeps working.

Introduced in ``notebooks/00_welcome.ipynb``.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

__all__ = [
    "NSTWarning",
    "spell_option",
    "set_interface",
    "option_label",
    "warn",
    "NSTError",
    "ImageError",
    "ImageNotFoundError",
    "LayerError",
    "WeightsError",
    "OptionError",
    "DownloadError",
    "SaveError",
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


class SaveError(NSTError, OSError):
    """A picture could not be saved (the disk is full, the folder is read-only...); the previous file is kept."""


# --------------------------------------------------------------------------- warnings


class NSTWarning(UserWarning):
    """Base class of every warning nst-teach gives: shown as one line, ``nst-teach: warning: …``.

    No file name, line number or source line: the student did nothing wrong in a line of code, and
    the message already says what happened and what to do.
    """


_PACKAGE_DIR = __file__.rsplit("/", 1)[0].rsplit("\\", 1)[0]

#: How messages spell an option: ``"python"`` (``weights='random'``) or ``"cli"`` (``--weights random``).
_interface = "python"


def set_interface(name: str) -> None:
    """Says which interface the user is in, so messages name options in its words (the CLI calls this)."""
    global _interface
    if name not in ("python", "cli"):
        raise ValueError(f"interface must be 'python' or 'cli', got {name!r}")
    _interface = name


def spell_option(name: str, value: Any) -> str:
    """An option as the user would type it: ``weights='random'`` in Python, ``--weights random`` on the CLI.

    >>> spell_option("weights", "random")
    "weights='random'"
    """
    if _interface == "cli":
        return f"--{name.replace('_', '-')} {value}"
    return f"{name}={value!r}"


def option_label(name: str, flag: str) -> str:
    """An option's name in the interface's words: ``alpha`` in Python, its flag ``--alpha`` on the command line.

    >>> option_label("style_blend", "--style-weights")
    'style_blend'
    """
    return flag if _interface == "cli" else name


def warn(message: str, category: type[Warning] = NSTWarning) -> None:
    """Warns, pointing at the first frame outside nst-teach (the student's own code)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


_show_other_warnings = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001 - warnings' signature
    if isinstance(category, type) and issubclass(category, NSTWarning):
        stream = file if file is not None else sys.stderr
        text = " ".join(str(message).split())  # one line, whatever the message's layout
        try:
            stream.write(f"nst-teach: warning: {text}\n")
        except (AttributeError, OSError):  # no stderr (pythonw): like warnings itself, stay silent
            pass
        return
    _show_other_warnings(message, category, filename, lineno, file, line)


warnings.showwarning = _show_warning
