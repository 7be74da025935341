"""Importing TensorFlow without its C++ start-up chatter.

TensorFlow 2.21 writes "All log messages before absl::InitializeLog() ...",
oneDNN and CUDA-probe lines straight to file descriptor 2 while it is imported,
whatever ``TF_CPP_MIN_LOG_LEVEL`` says.  In a notebook they land in the first
cell's output and look like errors to a student.  Here fd 2 points at /dev/null
for the duration of the import only; Python exceptions still propagate.
"""

from __future__ import annotations

import os
import sys

__all__ = ["import_tensorflow_quietly"]


def import_tensorflow_quietly() -> None:
    """Imports TensorFlow once with its start-up lines on fd 2 silenced."""
    if "tensorflow" in sys.modules:
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:  # no real fd 2 (some embedded interpreters): import as is
        import tensorflow  # noqa: F401

        return
    os.dup2(devnull, 2)
    try:
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
